/**
 * R-CAA-1 in `certflow policy check`: every managed certificate's DNS names checked against the renewing issuer's
 * CAA identity through a real DNS server (Knot on loopback, test/support/dns-server.ts), each refusal a violation
 * with its own rule id naming the record and the fix, a name whose lookup fails its own per-name finding.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main';
import { createIntermediateCa, createLeaf, createRootCa } from '../support/certificate-factory';
import { type DnsServer, startDnsServer } from '../support/dns-server';
import { freePort } from '../support/ports';
import { runCli } from '../support/run-cli';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 86_400_000;
let dir: string;
let env: NodeJS.ProcessEnv;
let server: DnsServer;

/** Writes an issuers file of ACME issuers (name → CAA identity), the first one the default; returns its path. */
function writeIssuers(name: string, identities: Record<string, string>): string {
  const file = path.join(dir, name);
  const issuers = Object.entries(identities).map(
    ([issuer, identity]) =>
      `  - name: ${issuer}\n    directoryUrl: https://127.0.0.1:1/dir\n    contact: pki@example.test\n    caaIdentity: ${identity}\n`,
  );
  fs.writeFileSync(file, `default: ${Object.keys(identities)[0]}\nissuers:\n${issuers.join('')}`);
  return file;
}

/** The subject DNs of `certflow list --json`'s certificates. */
const subjectsOf = (out: string) =>
  (JSON.parse(out) as { items: Array<{ facts: { subject: { text: string } } }> }).items.map(
    (item) => item.facts.subject.text,
  );

const run = (extraEnv: NodeJS.ProcessEnv, ...argv: string[]) =>
  runCli(argv, { env: { ...env, ...extraEnv }, cwd: dir, now: () => NOW });

beforeAll(async () => {
  server = await startDnsServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-caa-cli-'));
  env = {
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    USER: 'tester',
    // Nothing listens here: the check never tells lifecycles on a Temporal server someone else runs.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  const issuing = createIntermediateCa(createRootCa());
  const leaf = (subject: string, dns: string[]) =>
    createLeaf(issuing, {
      subject,
      subjectAltNames: { dns },
      notBefore: new Date(NOW.getTime() - 10 * DAY),
      notAfter: new Date(NOW.getTime() + 80 * DAY),
    });
  fs.mkdirSync(path.join(dir, 'certs'));
  fs.writeFileSync(path.join(dir, 'certs', 'deep.pem'), leaf('CN=a.deep.example.test', ['a.deep.example.test']).pem);
  fs.writeFileSync(
    path.join(dir, 'certs', 'shop.pem'),
    leaf('CN=shop.example.test', ['shop.example.test', 'example.test']).pem,
  );
  fs.writeFileSync(path.join(dir, 'certs', 'broken.pem'), leaf('CN=www.broken.test', ['www.broken.test']).pem);
  const imported = await run({}, 'import', path.join(dir, 'certs'));
  expect(imported.code, imported.err).toBe(EXIT.ok);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('R-CAA-1: certflow policy check', () => {
  it('R-CAA-1: names each managed name whose CAA forbids the issuer, with the record and the fix; exit 1', async () => {
    const result = await run(
      { CERTFLOW_CAA_IDENTITY: 'ca.example.net', CERTFLOW_DNS_SERVERS: server.address },
      'policy',
      'check',
    );
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toContain(
      'CAA (R-CAA-1) for issuer ca.example.net: 4 names of 3 managed certificates, 1 forbidden, 1 not looked up',
    );
    expect(result.out).toContain('R-CAA-1 caa-forbids-issuer  shop.example.test');
    expect(result.out).toContain(
      'shop.example.test. CAA 0 issue "other-ca.example" does not authorize the issuer "ca.example.net" for shop.example.test',
    );
    expect(result.out).toContain('Fix: add `shop.example.test. CAA 0 issue "ca.example.net"`');
    expect(result.out).toContain('R-CAA-1 caa-lookup-failed  www.broken.test');
    expect(result.out).toContain('(SERVFAIL)');
    expect(result.out).not.toContain('a.deep.example.test  (');
  });

  it('R-CAA-1: --json carries every finding with its rule', async () => {
    const result = await run(
      { CERTFLOW_CAA_IDENTITY: 'other-ca.example', CERTFLOW_DNS_SERVERS: server.address },
      'policy',
      'check',
      '--json',
    );
    const json = JSON.parse(result.out) as {
      caa: { identity: string; findings: Array<{ name: string; violation: { ruleId: string; rule: string } }> };
    };
    expect(json.caa.identity).toBe('other-ca.example');
    expect(json.caa.findings.map((finding) => [finding.name, finding.violation.rule]).sort()).toEqual([
      ['a.deep.example.test', 'caa-forbids-issuer'],
      ['example.test', 'caa-forbids-issuer'],
      ['www.broken.test', 'caa-lookup-failed'],
    ]);
  });

  it('R-CAA-1: unreachable DNS is a per-name finding, not a crash', async () => {
    const result = await run(
      { CERTFLOW_CAA_IDENTITY: 'ca.example.net', CERTFLOW_DNS_SERVERS: `127.0.0.1:${await freePort()}` },
      'policy',
      'check',
    );
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toContain('4 names of 3 managed certificates, 0 forbidden, 4 not looked up');
  });

  it('R-CAA-1: without CERTFLOW_CAA_IDENTITY, the default issuer of CERTFLOW_ISSUERS_FILE gives the identity', async () => {
    const issuersFile = writeIssuers('issuers.yaml', { 'acme:other': 'other-ca.example' });
    const result = await run(
      { CERTFLOW_ISSUERS_FILE: issuersFile, CERTFLOW_DNS_SERVERS: server.address },
      'policy',
      'check',
    );
    expect(result.out).toContain(
      "CAA (R-CAA-1) against each certificate's renewing issuer (acme:other: 3): 4 names of 3 managed certificates",
    );
  });

  it("R-CAA-1: each certificate is checked against the issuer chooseIssuer picks (here the policy's, not the default); the findings are stored for list --violations and --rule R-CAA-1", async () => {
    const issuersFile = writeIssuers('issuers-two.yaml', {
      'acme:other': 'other-ca.example',
      'acme:net': 'ca.example.net',
    });
    const policyFile = path.join(dir, 'policy-net.yaml');
    fs.writeFileSync(policyFile, 'renewal:\n  issuer: acme:net\n');
    const issuers = { CERTFLOW_ISSUERS_FILE: issuersFile, CERTFLOW_DNS_SERVERS: server.address };
    const result = await run(issuers, 'policy', 'check', '--policy', policyFile);
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toContain(
      "CAA (R-CAA-1) against each certificate's renewing issuer (acme:net: 3): 4 names of 3 managed certificates, 1 forbidden, 1 not looked up",
    );
    expect(result.out).toMatch(
      /R-CAA-1 caa-forbids-issuer {2}shop\.example\.test {2}\(managed certificate \w+, issuer acme:net\)/,
    );
    expect(result.out).toContain('See them with: certflow list --rule R-CAA-1');

    const listed = await run(issuers, 'list', '--rule', 'R-CAA-1', '--json');
    expect(listed.code, listed.err).toBe(EXIT.ok);
    const subjects = subjectsOf(listed.out);
    expect(subjects.sort()).toEqual(['CN=shop.example.test', 'CN=www.broken.test']);
    const violating = await run(issuers, 'list', '--violations', '--json');
    expect(violating.out).toContain('CN=shop.example.test');
    // The POLICY column shows the CAA finding's rule id like any other violation's.
    const table = await run(issuers, 'list', '--search', 'shop.example.test');
    expect(table.out).toMatch(/shop\.example\.test.*violations? \([^)]*R-CAA-1[^)]*\)/);

    // The next check replaces what the last one stored: against the default issuer, other names are forbidden.
    await run(issuers, 'policy', 'check');
    const relisted = await run(issuers, 'list', '--rule', 'R-CAA-1', '--json');
    expect(subjectsOf(relisted.out).sort()).toEqual([
      'CN=a.deep.example.test',
      'CN=shop.example.test',
      'CN=www.broken.test',
    ]);
  });

  it("R-CAA-1: a certificate certflow's internal CA issued and renews is private: CAA does not apply, even to an identity imposed on every certificate, and the check says so; once an ACME issuer will renew it, its names are checked", async () => {
    const own = fs.mkdtempSync(path.join(dir, 'internal-'));
    const internalEnv = { ...env, CERTFLOW_DATABASE_URL: `sqlite:${path.join(own, 'inventory.sqlite')}` };
    const runHere = (extraEnv: NodeJS.ProcessEnv, ...argv: string[]) =>
      runCli(argv, { env: { ...internalEnv, ...extraEnv }, cwd: dir, now: () => NOW });
    // locked.example.test's CAA forbids every CA.
    const internal = createIntermediateCa(createRootCa({ subject: 'CN=certflow Internal Root CA, O=certflow' }), {
      subject: 'CN=certflow Internal Issuing CA, O=certflow',
    });
    const file = path.join(own, 'locked.pem');
    fs.writeFileSync(
      file,
      createLeaf(internal, {
        subject: 'CN=locked.example.test',
        subjectAltNames: { dns: ['locked.example.test'] },
        notBefore: new Date(NOW.getTime() - 10 * DAY),
        notAfter: new Date(NOW.getTime() + 80 * DAY),
      }).pem,
    );
    expect((await runHere({}, 'import', file)).code).toBe(EXIT.ok);
    const identity = { CERTFLOW_CAA_IDENTITY: 'ca.example.net', CERTFLOW_DNS_SERVERS: server.address };

    const checked = await runHere(identity, 'policy', 'check');
    expect(checked.out).toContain(
      "none of the 1 managed certificates is renewed by an issuer with a CAA identity; 1 issued and renewed by certflow's internal CA, a private CA, which CAA does not apply to",
    );
    expect(checked.out).not.toContain('caa-forbids-issuer');
    const json = JSON.parse((await runHere(identity, 'policy', 'check', '--json')).out) as {
      caa: { privateCa: number; findings: unknown[] };
    };
    expect(json.caa).toMatchObject({ privateCa: 1, findings: [] });

    // Renewed through an ACME issuer from now on (the policy's), the same certificate's name is checked and refused.
    const policyFile = path.join(own, 'policy.yaml');
    fs.writeFileSync(policyFile, 'renewal:\n  issuer: acme:net\n');
    const acme = {
      CERTFLOW_ISSUERS_FILE: writeIssuers('issuers-internal.yaml', { 'acme:net': 'ca.example.net' }),
      CERTFLOW_DNS_SERVERS: server.address,
    };
    const moved = await runHere(acme, 'policy', 'check', '--policy', policyFile);
    expect(moved.code).toBe(EXIT.failure);
    expect(moved.out).toContain('R-CAA-1 caa-forbids-issuer  locked.example.test');
  });

  it('says how to turn the check on when no configured issuer has a CAA identity', async () => {
    const result = await run({}, 'policy', 'check');
    expect(result.out).toContain(
      'CAA (R-CAA-1) not checked: no configured issuer has a CAA identity (the internal CA reads no CAA)',
    );
  });

  it('a malformed CAA identity is refused with the fix', async () => {
    const result = await run({ CERTFLOW_CAA_IDENTITY: 'https://ca.example.net' }, 'policy', 'check');
    expect(result.code).not.toBe(EXIT.ok);
    expect(result.err).toContain('CERTFLOW_CAA_IDENTITY: "https://ca.example.net" is not a CAA issuer domain');
  });
});
