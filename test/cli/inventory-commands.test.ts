import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  toPem,
  toPkcs12,
  type IssuedCertificate,
} from '../support/certificate-factory';
import { freePort } from '../support/ports';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 86_400_000;
let dir: string;
let env: NodeJS.ProcessEnv;
let root: IssuedCertificate;
let issuing: IssuedCertificate;
let soon: IssuedCertificate;
let later: IssuedCertificate;
let weak: IssuedCertificate;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
    cwd: dir,
    now: () => NOW,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function write(relative: string, content: string | Uint8Array): string {
  const target = path.join(dir, relative);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  return target;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-cli-'));
  env = {
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    USER: 'tester',
    // Nothing listens here: these commands never start lifecycles on a Temporal server someone else runs.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  root = createRootCa();
  issuing = createIntermediateCa(root);
  soon = createLeaf(issuing, {
    subject: 'CN=soon.example.com, O=Example Corp, C=US',
    notBefore: new Date(NOW.getTime() - 300 * DAY),
    notAfter: new Date(NOW.getTime() + 20 * DAY),
  });
  later = createLeaf(issuing, {
    subject: 'CN=later.example.com, O=Example Corp, C=US',
    notBefore: new Date(NOW.getTime() - 10 * DAY),
    notAfter: new Date(NOW.getTime() + 200 * DAY),
  });
  weak = createLeaf(issuing, {
    subject: 'CN=legacy.example.com, O=Example Corp, C=US',
    key: 'rsa-1024',
    signatureHash: 'sha1',
    notBefore: new Date(NOW.getTime() - 100 * DAY),
    notAfter: new Date(NOW.getTime() + 60 * DAY),
  });
  write('certs/chain.pem', `issuer chain, exported by hand\n${issuing.pem}\n# root\n${root.pem}`);
  write('certs/soon.crt', soon.pem);
  write('certs/nested/later.der', later.der);
  write(
    'certs/legacy.p12',
    toPkcs12({ certificates: [weak.der, issuing.der], key: weak.key, password: 'changeit', encryption: 'aes-256' }),
  );
  write('certs/README.txt', 'These are the web certificates.\n');
  write('certs/broken.pem', `${toPem(later.der).slice(0, 120)}\n-----END CERTIFICATE-----\n`);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('certflow inventory commands', () => {
  it('R-INV-2, R-INV-4: imports a folder of PEM, DER, bundles and PKCS#12, reporting the broken file and keeping the rest', async () => {
    const first = await run('import', path.join(dir, 'certs'), '--password', 'changeit');
    expect(first.code).toBe(EXIT.failure);
    expect(first.out).toMatch(/Read 6 certificates from 4 files of 6/);
    expect(first.out).toMatch(/new +5\b/);
    // The issuing CA is in the chain and in the PKCS#12 file: read twice, stored once.
    expect(first.out).toMatch(/already known +0\b.*\n +repeated +1\b/);
    expect(first.out).toMatch(/skipped +1 file without certificates/);
    expect(first.out).toMatch(/failed +1:\n +.*broken\.pem/);

    const again = await run(
      'import',
      path.join(dir, 'certs', 'soon.crt'),
      path.join(dir, 'certs', 'chain.pem'),
      '--json',
    );
    expect(again.code).toBe(EXIT.ok);
    const report = JSON.parse(again.out) as { certificates: { created: number; updated: number } };
    expect(report.certificates).toMatchObject({ certificatesRead: 3, created: 0, updated: 3, repeated: 0 });
  });

  it('R-INV-4: a PKCS#12 file without its password is a per-file error naming the flag', async () => {
    const result = await run('import', path.join(dir, 'certs', 'legacy.p12'));
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toMatch(/legacy\.p12.*password.*--password/);
  });

  it('R-INV-3: lists certificates expiring within 30 days, soonest first, as a table and as JSON', async () => {
    const table = await run('list', '--expiring-within', '30d');
    expect(table.code).toBe(EXIT.ok);
    expect(table.out).toMatch(/^ID +SUBJECT +EXPIRES +DAYS/);
    expect(table.out).toContain('soon.example.com');
    expect(table.out).not.toContain('later.example.com');
    expect(table.out).toMatch(/1–1 of 1$/);

    const json = await run('list', '--expiring-within', '90d', '--json');
    const page = JSON.parse(json.out) as { total: number; items: { facts: { subject: { commonName: string } } }[] };
    expect(page.items.map((item) => item.facts.subject.commonName)).toEqual(['soon.example.com', 'legacy.example.com']);
  });

  it('R-POL-3, R-POL-4: --weak finds the RSA-1024 SHA-1 certificate and show explains each violation and its fix', async () => {
    const listed = await run('list', '--weak', '--json');
    const page = JSON.parse(listed.out) as { items: { id: string }[] };
    expect(page.items).toHaveLength(1);
    const shown = await run('show', page.items[0]!.id);
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.out).toMatch(/subject +CN=legacy\.example\.com, O=Example Corp, C=US/);
    expect(shown.out).toMatch(/key +RSA 1024/);
    expect(shown.out).toMatch(/R-POL-3 .*\n +fix: /);
    expect(shown.out).toMatch(/R-POL-4 .*SHA-1.*\n +fix: /);
    const pem = await run('show', page.items[0]!.id, '--pem');
    expect(pem.out.trim()).toBe(weak.pem.trim());
  });

  it('R-INV-3: groups certificates by issuer', async () => {
    const result = await run('list', '--group-by', 'issuer', '--json');
    const groups = JSON.parse(result.out) as { key: string; count: number }[];
    expect(groups).toContainEqual({ key: 'CN=Certflow Test Issuing CA 1, O=Certflow Test, C=US', count: 3 });
    // The table is headed by the word the user typed, not the store's field (OWNERGROUP, KEYALGORITHM).
    expect((await run('list', '--group-by', 'owner')).out).toMatch(/^OWNER +CERTIFICATES\n/);
    expect((await run('list', '--group-by', 'key-algorithm')).out).toMatch(/^KEY-ALGORITHM +CERTIFICATES\n/);
  });

  it('R-OWN-1: creates and updates an owner group with approvers, escalation contacts, Slack and Jira identities', async () => {
    const created = await run(
      'groups',
      'create',
      'web-team',
      '--name',
      'Web team',
      '--approver',
      'Alice <alice@example.com> slack:U024BE7LH',
      '--contact',
      'web@example.com',
      '--management',
      'boss@example.com',
      '--incident-response',
      'soc@example.com',
      '--slack-channel',
      'C0WEB',
      '--jira-project',
      'WEB',
    );
    expect(created.code).toBe(EXIT.ok);
    expect(created.out).toMatch(/approvers +Alice <alice@example\.com> slack:U024BE7LH/);
    const updated = await run('groups', 'update', 'web-team', '--reminder-days', '30,90,60', '--json');
    expect(JSON.parse(updated.out)).toMatchObject({
      id: 'web-team',
      reminderDays: [90, 60, 30],
      jira: { projectKey: 'WEB' },
    });
    expect((await run('groups', 'list')).out).toMatch(/web-team +Web team/);
  });

  it('R-SEC-2: an owner group takes its owners and approvers from Slack user groups, and refuses a @handle', async () => {
    const created = await run(
      'groups',
      'create',
      'platform',
      '--name',
      'Platform',
      '--slack-usergroup',
      'S0OWNERS',
      '--slack-approver-usergroup',
      'S0APPROVERS',
      '--json',
    );
    expect(created.code).toBe(EXIT.ok);
    expect(JSON.parse(created.out)).toMatchObject({
      approvers: [],
      slack: { userGroupId: 'S0OWNERS', approverUserGroupId: 'S0APPROVERS' },
    });
    const handle = await run('groups', 'update', 'platform', '--slack-approver-usergroup', '@platform-approvers');
    expect(handle.code).toBe(EXIT.usage);
    expect(handle.err).toMatch(
      /--slack-approver-usergroup "@platform-approvers" is not a Slack user group id; copy the id/,
    );
    const cleared = await run('groups', 'update', 'platform', '--slack-approver-usergroup', '');
    expect(cleared.code).toBe(EXIT.usage);
    expect(cleared.err).toMatch(/group platform needs at least one approver .*--slack-approver-usergroup/);
    expect(JSON.parse((await run('groups', 'show', 'platform', '--json')).out)).toMatchObject({
      slack: { userGroupId: 'S0OWNERS', approverUserGroupId: 'S0APPROVERS' },
    });
  });

  it('R-INV-2, R-INV-4: merges a metadata CSV, applying good rows and reporting bad ones by line', async () => {
    const fingerprint = (await run('list', '--search', 'later.example.com', '--json')).out;
    const later = (JSON.parse(fingerprint) as { items: { facts: { fingerprintSha256: string } }[] }).items[0]!;
    const csv = write(
      'owners.csv',
      [
        'fingerprint,owner_group,locations,regulations,tags',
        `${later.facts.fingerprintSha256},web-team,later.example.com:443,PCI-DSS,prod;external`,
        `${'00'.repeat(32)},web-team,,,prod`,
        `${later.facts.fingerprintSha256},no-such-team,,,`,
      ].join('\n'),
    );
    const result = await run('import', '--metadata', csv);
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toMatch(/3 rows, 1 certificate updated/);
    expect(result.out).toMatch(/line 3: no certificate in the inventory matches/);
    expect(result.out).toMatch(/line 4: owner group "no-such-team" does not exist/);
    // R-OWN-1: the owner changed, so the lifecycle must re-read it; certflow is not running here, and the import says so.
    expect(result.out).toMatch(/^lifecycles not told of the new metadata: /m);
    const owned = JSON.parse((await run('list', '--owner', 'web-team', '--tag', 'external', '--json')).out) as {
      items: { metadata: { regulations: string[]; locations: unknown[] } }[];
    };
    expect(owned.items).toHaveLength(1);
    expect(owned.items[0]!.metadata.regulations).toEqual(['PCI-DSS']);
    expect(owned.items[0]!.metadata.locations).toContainEqual({
      kind: 'endpoint',
      host: 'later.example.com',
      port: 443,
    });
  });

  it('R-POL-6: a policy change re-evaluates every certificate; policy check exits 1 while any violates', async () => {
    const strict = write('strict.yaml', 'rules:\n  validityPeriod:\n    maxDays: 90\n');
    const result = await run('policy', 'check', '--policy', strict);
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toMatch(/Evaluated 5 certificates: 2 compliant, 3 not/);
    expect(result.out).toMatch(/R-POL-2 +validity-period +3/);
    const bad = write('bad.yaml', 'rules:\n  keySize:\n    minRsaBits: 2k\n');
    const refused = await run('policy', 'check', '--policy', bad);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.err).toMatch(/bad\.yaml[\s\S]*rules\.keySize\.minRsaBits: expected a whole number/);
  });

  it('R-POL-6: policy check gives each rule its own row and count, also two rules of one requirement', async () => {
    const rsaOnly = write('rsa-only.yaml', 'rules:\n  keySize:\n    allowedAlgorithms: [RSA]\n');
    const result = await run('policy', 'check', '--policy', rsaOnly);
    expect(result.code).toBe(EXIT.failure);
    // The root, the issuing CA, soon and later have EC keys (not allowed); legacy a 1024-bit RSA key (too short)
    // and a SHA-1 signature; soon lives 320 days from a public CA.
    expect(result.out).toMatch(/R-POL-3 +key-algorithm +4\n/);
    expect(result.out).toMatch(/R-POL-3 +key-size +1\n/);
    const json = JSON.parse((await run('policy', 'check', '--policy', rsaOnly, '--json')).out) as {
      byRule: { ruleId: string; rule: string; count: number }[];
    };
    expect(json.byRule).toEqual([
      { ruleId: 'R-POL-3', rule: 'key-algorithm', count: 4 },
      { ruleId: 'R-POL-2', rule: 'validity-period', count: 1 },
      { ruleId: 'R-POL-3', rule: 'key-size', count: 1 },
      { ruleId: 'R-POL-4', rule: 'signature-algorithm', count: 1 },
    ]);
  });

  it('R-LOG-1: the audit log shows every import and exports as JSON lines and CSV', async () => {
    const listed = await run('audit', 'list', '--action', 'import.');
    expect(listed.out).toMatch(/user:tester +import\.completed/);
    const jsonl = path.join(dir, 'audit.jsonl');
    expect((await run('audit', 'export', '--output', jsonl)).code).toBe(EXIT.ok);
    const entries = fs
      .readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; actor: string; where: string });
    expect(entries.filter((entry) => entry.action === 'certificate.imported')).toHaveLength(5);
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['group.created', 'policy.evaluated']));
    expect(entries.every((entry) => entry.actor === 'user:tester' && entry.where.startsWith('cli@'))).toBe(true);
    const csv = await run('audit', 'export', '--format', 'csv', '--action', 'group.');
    expect(csv.out.split('\n')[0]).toBe('seq,at,actor,action,subject,where,details');
    expect(csv.out).toMatch(/user:tester,group\.created,web-team,cli@/);
    const exists = await run('audit', 'export', '--output', jsonl);
    expect(exists.code).toBe(EXIT.usage);
    expect(exists.err).toMatch(/must not exist yet/);
  });

  it.each([
    [['list', '--limit', '0'], /--limit "0" must be a whole number from 1 to 1000/],
    [['list', '--group-by', 'colour'], /--group-by "colour" must be one of owner, application/],
    [['list', '--expiring-within', 'soon'], /invalid duration "soon"/],
    [['list', '--violations', '--compliant'], /exclude each other/],
    [['list', '--rule', 'POL4'], /not a rule id like R-POL-4/],
    [['show', 'xyz'], /not a certificate id/],
    [['show'], /usage: certflow show/],
    [['import'], /name at least one path/],
    [['import', '.', '--owner', 'Web Team'], /--owner "Web Team" is not a group id/],
    [['import', '.', '--owner', 'ghosts'], /owner group "ghosts" does not exist/],
    [['import', '.', '--password-env', 'NOPE_NOT_SET'], /NOPE_NOT_SET: that environment variable is not set/],
    [['groups', 'create', 'ops'], /needs a display name/],
    [['groups', 'create', 'ops', '--name', 'Ops'], /needs at least one approver/],
    [['groups', 'create', 'ops', '--name', 'Ops', '--approver', 'bob'], /--approver: "bob" names nobody/],
    [['groups', 'frobnicate'], /unknown groups action "frobnicate"/],
    [['policy', 'enforce'], /unknown policy action "enforce"/],
    [['audit', 'export', '--format', 'xml'], /--format "xml" must be jsonl or csv/],
    [['audit', 'list', '--since', 'yesterday'], /--since "yesterday" is neither a date/],
  ])('refuses %j with exit code 2 and says what to do', async (argv, message) => {
    const result = await run(...argv);
    expect(result.err).toMatch(message);
    expect(result.code).toBe(EXIT.usage);
  });

  it('R-INV-4: an unreadable metadata CSV stops the import before anything is written', async () => {
    const before = JSON.parse((await run('list', '--json')).out) as { total: number };
    const fresh = write('fresh/fresh.pem', createLeaf(issuing, { subject: 'CN=fresh.example.com' }).pem);
    const result = await run('import', fresh, '--metadata', path.join(dir, 'missing.csv'));
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/--metadata: cannot read .*missing\.csv/);
    expect((JSON.parse((await run('list', '--json')).out) as { total: number }).total).toBe(before.total);
  });

  it('R-INV-4: an unknown id is a failure naming it, not a crash', async () => {
    const result = await run('show', 'deadbeefdeadbeef');
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toMatch(/no certificate in the inventory has id or fingerprint deadbeefdeadbeef/);
  });

  it('names the variable when the database URL is unusable', async () => {
    const saved = env;
    env = { CERTFLOW_DATABASE_URL: 'mysql://db/inventory' };
    const result = await run('list');
    env = saved;
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/CERTFLOW_DATABASE_URL: "mysql:\/\/db\/inventory" is neither/);
  });
});
