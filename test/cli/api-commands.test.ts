/**
 * The CLI as a client of the HTTP API beyond lifecycles (issue 20): campaigns, the audit log, findings, owner groups
 * and imports go through the API when logged in, print what the direct mode prints on the server's machine, and the
 * server's roles decide (R-SEC-2) whatever the caller's own CERTFLOW_ACTOR and CERTFLOW_SECURITY_LEADS claim. A real
 * SQLite inventory, the real campaign client (previews and refusals need no Temporal), the real discovery store and
 * uploads; certflow's HTTP server on a loopback port.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiMount } from '../../src/adapters/api/api-app';
import { issueApiToken } from '../../src/adapters/api/api-token-secrets';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { SqlApiTokenStore } from '../../src/adapters/database/sql-api-token-store';
import { SqlDiscoveryStore } from '../../src/adapters/database/sql-discovery-store';
import { SqlPublishedRoles } from '../../src/adapters/database/sql-published-roles';
import { startHttpServer, type RunningHttpServer } from '../../src/adapters/shared/http';
import { openLifecycleSession, type LifecycleConnector } from '../../src/cli/lifecycle-connection';
import { EXIT } from '../../src/cli/main';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import { loadConfig, readPolicyFile } from '../../src/runtime/config';
import { createApiImporter } from '../../src/runtime/api-importer';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  toPkcs12,
  type IssuedCertificate,
} from '../support/certificate-factory';
import { runCli, takeOperatorModeLine, type CliRun } from '../support/run-cli';

const DAY = 86_400_000;
const PEOPLE = {
  lead: 'email:lead@example.com',
  alice: 'email:alice@example.com',
  stranger: 'email:mallory@example.com',
} as const;
type Who = keyof typeof PEOPLE;

let dir: string;
let databaseUrl: string;
let store: InventoryStore;
let tokens: SqlApiTokenStore;
let server: RunningHttpServer;
let issuing: IssuedCertificate;
const secrets: Record<Who, string> = { lead: '', alice: '', stranger: '' };

function leaf(name: string, days: number): IssuedCertificate {
  return createLeaf(issuing, {
    subject: `CN=${name}, O=Example Corp`,
    notBefore: new Date(Date.now() - 10 * DAY),
    notAfter: new Date(Date.now() + days * DAY),
  });
}

/**
 * A person on their own machine: a config folder of their own, an inventory that is not the server's (empty:
 * anything read from it would be wrong), and variables claiming the lead's identity and a security lead's role for
 * everyone, which must change nothing once logged in.
 */
function personEnv(who: Who): NodeJS.ProcessEnv {
  const folder = path.join(dir, who);
  fs.mkdirSync(folder, { recursive: true });
  return {
    XDG_CONFIG_HOME: path.join(folder, 'config'),
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(folder, 'not-the-server.sqlite')}`,
    CERTFLOW_DATA_DIR: path.join(folder, 'data'),
    CERTFLOW_ACTOR: PEOPLE.lead,
    CERTFLOW_SECURITY_LEADS: Object.values(PEOPLE).join(','),
  };
}

/** Runs certflow as `who`, logged in to the server. */
function cli(who: Who, argv: string[]): Promise<CliRun> {
  return runCli(argv, { env: personEnv(who), cwd: dir, readStdin: () => Promise.resolve(`${secrets[who]}\n`) });
}

/** The production session on a Temporal client that is never connected: previews and refusals need none. */
const unconnected: LifecycleConnector = (config, inventory, where, db) =>
  Promise.resolve(
    openLifecycleSession(new Client({ namespace: 'default' }), config, inventory, where, db, () => Promise.resolve()),
  );

/** The lead as the operator on the server's machine, not logged in, acting directly on the same inventory. */
async function direct(argv: string[]): Promise<CliRun> {
  const run = await runCli(argv, {
    env: {
      CERTFLOW_DATABASE_URL: databaseUrl,
      CERTFLOW_DATA_DIR: path.join(dir, 'server'),
      CERTFLOW_ACTOR: PEOPLE.lead,
    },
    cwd: dir,
    connectLifecycles: unconnected,
  });
  const err = run.err.split('\n');
  takeOperatorModeLine(err);
  return { ...run, err: err.join('\n') };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-cli-api-'));
  databaseUrl = `sqlite:${path.join(dir, 'inventory.sqlite')}`;
  issuing = createIntermediateCa(createRootCa());
  const opened = await openInventoryDatabase({ url: databaseUrl });
  store = opened.store;
  tokens = new SqlApiTokenStore({ db: opened.db });
  for (const [name, actor] of Object.entries(PEOPLE)) {
    secrets[name as Who] = (await issueApiToken(tokens, { name, actor, expiresAt: null, now: new Date() })).secret;
  }
  // What a worker started with CERTFLOW_SECURITY_LEADS=lead@example.com publishes.
  const config = loadConfig({ CERTFLOW_DATABASE_URL: databaseUrl }, dir);
  const roles = new SqlPublishedRoles({ db: opened.db });
  await roles.publish(config.taskQueue, {
    securityLeads: [PEOPLE.lead],
    admins: [],
    publishedBy: 'test worker',
    publishedAt: new Date().toISOString(),
  });
  const session = await unconnected(config, store, 'api', opened.db);
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [
      createApiMount({
        store,
        tokens,
        roles: roles.readerFor(config.taskQueue),
        lifecycles: () => null,
        campaigns: () => session.campaigns,
        findings: new SqlDiscoveryStore({ db: opened.db }),
        importer: createApiImporter(() => readPolicyFile(undefined, 'CERTFLOW_POLICY_FILE')),
        issuers: ['internal', 'acme:pebble'],
        log: () => undefined,
      }),
    ],
  });
  for (const who of Object.keys(PEOPLE) as Who[]) {
    const login = await cli(who, ['login', server.url, '--token-stdin']);
    expect(login.code, login.err).toBe(EXIT.ok);
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the CLI through the API: groups, imports, findings, the audit log and campaigns', () => {
  it("R-SEC-2: only a security lead creates and changes owner groups through the CLI, whatever its environment claims; issuers are the server's", async () => {
    const create = ['groups', 'create', 'payments', '--name', 'Payments', '--approver', 'alice@example.com'];
    const byOwner = await cli('alice', create);
    expect(byOwner.code).toBe(EXIT.failure);
    expect(byOwner.err).toContain('(HTTP 403 Refused)');
    expect(byOwner.err).toContain('CERTFLOW_ACTOR and CERTFLOW_SECURITY_LEADS are ignored');
    expect(await store.getOwnerGroup('payments')).toBeNull();

    const created = await cli('lead', [...create, '--contact', 'Bob <bob@example.com>', '--json']);
    expect(created.code, created.err).toBe(EXIT.ok);
    expect(JSON.parse(created.out)).toEqual(await store.getOwnerGroup('payments'));
    const again = await cli('lead', [...create, '--if-missing']);
    expect(again.code, again.err).toBe(EXIT.ok);
    expect(again.out).toContain('group payments exists already; left as it is');
    const twice = await cli('lead', create);
    expect(twice.code).toBe(EXIT.usage);
    expect(twice.err).toContain('add --if-missing');

    const updated = await cli('lead', [
      'groups',
      'update',
      'payments',
      '--reminder-days',
      '30,60',
      '--issuer',
      'acme:pebble',
    ]);
    expect(updated.code, updated.err).toBe(EXIT.ok);
    expect(updated.out).toContain('reminder days      60, 30');
    expect(updated.out).toContain('issuer             acme:pebble');
    expect(await store.getOwnerGroup('payments')).toMatchObject({
      reminderDays: [60, 30],
      issuer: 'acme:pebble',
      contacts: [{ name: 'Bob', email: 'bob@example.com' }],
    });
    const unconfigured = await cli('lead', ['groups', 'update', 'payments', '--issuer', 'acme:gone']);
    expect(unconfigured.code).toBe(EXIT.usage);
    expect(unconfigured.err).toContain('acme:gone is not a configured issuer; configured: internal, acme:pebble');
    const missing = await cli('lead', ['groups', 'update', 'nobody', '--name', 'Nobody']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain('no owner group "nobody"; create it with groups create');
    for (const argv of [
      ['groups', 'show', 'payments', '--json'],
      ['groups', 'list', '--json'],
    ]) {
      expect(JSON.parse((await cli('stranger', argv)).out)).toEqual(JSON.parse((await direct(argv)).out));
    }
  });

  it('R-API-1, R-SEC-2: certflow import uploads PEM bundles, DER and PKCS#12 with --password, and merges --metadata rows, reporting each file and row as the direct import does; owners import only into their group', async () => {
    const folder = path.join(dir, 'upload');
    fs.mkdirSync(path.join(folder, 'nested'), { recursive: true });
    const [one, two, three, four] = [91, 92, 93, 94].map((days) => leaf(`upload${days}.example.com`, days));
    fs.writeFileSync(path.join(folder, 'bundle.pem'), one!.pem + two!.pem);
    fs.writeFileSync(path.join(folder, 'nested', 'three.der'), three!.der);
    const pkcs12 = toPkcs12({ certificates: [four!.der], key: four!.key, password: 's3cret', encryption: 'aes-256' });
    fs.writeFileSync(path.join(folder, 'four.p12'), pkcs12);
    fs.writeFileSync(path.join(folder, 'README.txt'), 'not a certificate');
    fs.writeFileSync(path.join(folder, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');

    const unowned = await cli('alice', ['import', folder]);
    expect(unowned.code).toBe(EXIT.failure);
    expect(unowned.err).toContain('(HTTP 403 Refused)');

    const locked = await cli('alice', ['import', folder, '--owner', 'payments', '--tag', 'uploaded']);
    expect(locked.code, locked.err).toBe(EXIT.failure);
    expect(locked.out).toMatch(/Read 3 certificates from 2 files of 5 in/);
    expect(locked.out).toContain('  new            3');
    expect(locked.out).toContain('  skipped        1 file without certificates');
    expect(locked.out).toContain(`${path.join(folder, 'broken.pem')}`);
    expect(locked.out).toContain('with --password');
    expect(locked.out).toContain('lifecycles not started');

    const opened = await cli('alice', ['import', folder, '--owner', 'payments', '--password', 's3cret', '--json']);
    expect(opened.code).toBe(EXIT.failure);
    const report = JSON.parse(opened.out) as {
      certificates: { created: number; updated: number; errors: { source: string }[] };
    };
    expect(report.certificates).toMatchObject({ created: 1, updated: 3 });
    expect(report.certificates.errors.map((issue) => issue.source)).toEqual([path.join(folder, 'broken.pem')]);
    const uploaded = await store.searchCertificates({ tag: 'uploaded' }, { limit: 10 });
    expect(uploaded.total).toBe(3);
    for (const argv of [
      ['list', '--group-by', 'owner', '--json'],
      ['list', '--group-by', 'key-algorithm', '--tag', 'uploaded'],
    ]) {
      const counted = await cli('stranger', argv);
      expect(counted.code, counted.err).toBe(EXIT.ok);
      expect(counted.out).toBe((await direct(argv)).out);
    }
    const pem = ['show', uploaded.items[0]!.id, '--pem'];
    const shown = await cli('stranger', pem);
    expect(shown.out).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(shown.out).toBe((await direct(pem)).out);
    expect(uploaded.items.every((certificate) => certificate.metadata.ownerGroup === 'payments')).toBe(true);

    const good = path.join(folder, 'nested');
    expect((await cli('lead', ['import', good, '--host', 'web1.example.com'])).code).toBe(EXIT.ok);
    const installed = await store.searchCertificates({ host: 'web1.example.com' }, { limit: 2 });
    expect(installed.items.map((certificate) => certificate.metadata.locations)).toEqual([
      [{ kind: 'file', host: 'web1.example.com', path: path.join(good, 'three.der') }],
    ]);
    const rows = path.join(dir, 'rows.csv');
    const threeId = installed.items[0]!.facts.fingerprintSha256;
    fs.writeFileSync(
      rows,
      `fingerprint,tags,application\n${threeId},csv-tagged,billing\n${'cd'.repeat(32)},csv-tagged,\n`,
    );
    const merged = await cli('alice', ['import', '--metadata', rows]);
    expect(merged.code).toBe(EXIT.failure);
    // three.der went into payments, alice's group: her row applies; the unknown one is told by its line.
    expect(merged.out).toContain(`Metadata from ${rows}: 2 rows, 1 certificate updated`);
    expect(merged.out).toMatch(/line 3: no certificate in the inventory matches fingerprint cdcd/);
    const byLead = await cli('lead', ['import', good, '--metadata', rows, '--json']);
    expect(JSON.parse(byLead.out)).toMatchObject({
      certificates: { updated: 1 },
      metadata: { rows: 2, certificatesUpdated: 1, updatedFingerprints: [threeId], errors: [{ line: 3 }] },
    });
    expect((await store.getCertificate(threeId))?.metadata).toMatchObject({
      tags: expect.arrayContaining(['csv-tagged']),
      application: 'billing',
    });
    fs.writeFileSync(path.join(dir, 'bad-header.csv'), 'serial,owner\n01,ops\n');
    const badHeader = await cli('lead', ['import', good, '--metadata', path.join(dir, 'bad-header.csv')]);
    expect(badHeader.code).toBe(EXIT.usage);
    expect(badHeader.err).toContain('bad-header.csv line 1');
    const refused = await cli('lead', ['import', '--internal-ca']);
    expect(refused.code).toBe(EXIT.failure);
    expect(refused.err).toContain(
      "import --internal-ca is not served through certflow's API yet: run it on the worker's machine",
    );
    const nothing = await cli('lead', ['import', path.join(dir, 'no-such-folder')]);
    expect(nothing.code).toBe(EXIT.failure);
    expect(nothing.out).toContain('no such file or directory');
  });

  it('R-API-1: list --findings through the API prints what the direct mode prints on the server', async () => {
    const [web] = (await store.searchCertificates({ tag: 'uploaded' }, { limit: 1 })).items;
    await new SqlDiscoveryStore({ db: (await openInventoryDatabase({ url: databaseUrl })).db }).recordScans(
      [
        {
          location: { host: 'lb1.example.com', port: 443 },
          outcome: 'served',
          observedAt: new Date().toISOString(),
          fingerprint: web!.facts.fingerprintSha256,
          protocol: 'TLSv1.3',
          cipher: null,
          message: null,
        },
      ],
      [
        {
          kind: 'chain-incomplete',
          severity: 'medium',
          location: { host: 'lb1.example.com', port: 443 },
          fingerprint: web!.facts.fingerprintSha256,
          message: 'the intermediate is not served; install the chain',
        },
      ],
    );
    for (const argv of [
      ['list', '--findings'],
      ['list', '--findings', '--json'],
      ['list', '--findings', '--kind', 'weak-protocol', '--json'],
      ['list', '--findings', '--resolved', '--offset', '1'],
    ]) {
      const through = await cli('stranger', argv);
      expect(through.code, through.err).toBe(EXIT.ok);
      expect(through.out).toBe((await direct(argv)).out);
    }
    expect((await cli('stranger', ['list', '--findings'])).out).toContain('install the chain');
    const bad = await cli('stranger', ['list', '--findings', '--kind', 'bogus']);
    expect(bad.code).toBe(EXIT.usage);
  });

  it("R-SEC-2, R-LOG-1: the whole audit log is a security lead's through the CLI too; list and export print what the direct mode prints", async () => {
    const refused = await cli('alice', ['audit', 'list']);
    expect(refused.code).toBe(EXIT.failure);
    expect(refused.err).toContain('(HTTP 403 Refused)');
    const file = path.join(dir, 'alice-audit.csv');
    const noExport = await cli('alice', ['audit', 'export', '--format', 'csv', '--output', file]);
    expect(noExport.code).toBe(EXIT.failure);
    expect(fs.existsSync(file)).toBe(false);

    const [web] = (await store.searchCertificates({ tag: 'uploaded' }, { limit: 1 })).items;
    const trail = ['audit', 'list', '--subject', web!.facts.fingerprintSha256, '--json'];
    const own = await cli('alice', trail);
    expect(own.code, own.err).toBe(EXIT.ok);
    expect(JSON.parse(own.out)).toEqual(JSON.parse((await direct(trail)).out));

    // Every API call is audited (api.get …): the entries compared are the ones the calls do not add to.
    for (const argv of [
      ['audit', 'list', '--limit', '2', '--action', 'certificate.', '--json'],
      ['audit', 'list', '--action', 'group.'],
      ['audit', 'export', '--action', 'certificate.'],
      ['audit', 'export', '--format', 'csv', '--action', 'import.', '--actor', PEOPLE.alice],
    ]) {
      const through = await cli('lead', argv);
      expect(through.code, through.err).toBe(EXIT.ok);
      expect(through.out).not.toBe('');
      expect(through.out).toBe((await direct(argv)).out);
    }
    const leadFile = path.join(dir, 'lead-audit.jsonl');
    const exported = await cli('lead', ['audit', 'export', '--action', 'group.', '--output', leadFile]);
    expect(exported.code, exported.err).toBe(EXIT.ok);
    expect(exported.out).toMatch(/^exported \d+ audit entries to /);
    expect(fs.readFileSync(leadFile, 'utf8')).toBe(
      `${(await direct(['audit', 'export', '--action', 'group.'])).out}\n`,
    );
    const exists = await cli('lead', ['audit', 'export', '--output', leadFile]);
    expect(exists.code).toBe(EXIT.usage);
    expect(exists.err).toContain('the file must not exist yet');
  });

  it("R-SEC-2: an owner's token cannot preview, start, pause, resume or cancel a campaign through the CLI even with CERTFLOW_SECURITY_LEADS set here; the lead's previews as the direct mode does", async () => {
    for (const argv of [
      ['campaign', 'preview', 'group=payments'],
      ['campaign', 'start', 'group=payments', '--reason', 'CA compromised', '--yes'],
      ['campaign', 'pause', 'cmp-20261201-000000', '--reason', 'wait'],
      ['campaign', 'resume', 'cmp-20261201-000000'],
      ['campaign', 'cancel', 'cmp-20261201-000000', '--reason', 'stop'],
    ]) {
      const refused = await cli('alice', argv);
      expect(refused.code, argv.join(' ')).toBe(EXIT.failure);
      expect(refused.err).toContain('(HTTP 403 Refused)');
      expect(refused.err).toContain("the server's configuration and the owner group decide who may do this");
    }
    const started = await store.queryAudit({ action: 'campaign.started' }, { limit: 1 });
    expect(started.total).toBe(0);

    for (const argv of [
      ['campaign', 'preview', 'group=payments', '--json'],
      ['campaign', 'list', '--json'],
      ['campaign', 'status'],
    ]) {
      const through = await cli('lead', argv);
      expect(through.code, through.err).toBe(EXIT.ok);
      expect(through.out).toBe((await direct(argv)).out);
    }
    const preview = await cli('lead', ['campaign', 'preview', 'group=payments', '--issuer', 'acme:pebble']);
    expect(preview.out).toContain('4 certificates');
    expect(preview.out).toContain('Renewed through: acme:pebble');
    const unconfigured = await cli('lead', ['campaign', 'preview', 'group=payments', '--issuer', 'acme:gone']);
    expect(unconfigured.code).toBe(EXIT.usage);
    expect(unconfigured.err).toContain('acme:gone is not a configured issuer');
    for (const argv of [
      ['campaign', 'status', 'cmp-20261201-000000'],
      ['campaign', 'report', 'cmp-20261201-000000'],
    ]) {
      const unknown = await cli('lead', argv);
      expect(unknown.code).toBe(EXIT.failure);
      expect(unknown.err).toContain('no campaign cmp-20261201-000000');
    }
  });

  it('R-SEC-2: a revoked token, a server that is gone and a damaged login end with what to do, changing nothing', async () => {
    const revoke = await direct(['tokens', 'revoke', 'stranger']);
    expect(revoke.code, revoke.err).toBe(EXIT.ok);
    const revoked = await cli('stranger', ['audit', 'list', '--subject', 'x']);
    expect(revoked.code).toBe(EXIT.failure);
    expect(revoked.err).toContain('refused the token: the token was revoked');
    expect(revoked.err).toContain(`certflow login ${server.url} --token-stdin`);

    const elsewhere = personEnv('lead');
    const credentials = path.join(elsewhere.XDG_CONFIG_HOME!, 'certflow', 'credentials.json');
    const kept = JSON.parse(fs.readFileSync(credentials, 'utf8')) as { url: string };
    fs.writeFileSync(credentials, JSON.stringify({ ...kept, url: 'http://127.0.0.1:1' }), { mode: 0o600 });
    const gone = await cli('lead', ['campaign', 'list']);
    expect(gone.code).toBe(EXIT.failure);
    expect(gone.err).toContain("cannot reach certflow's API at http://127.0.0.1:1");
  });
});
