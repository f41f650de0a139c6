import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaignClient } from '../../src/core/application/campaign-client';
import { createLifecycleClient } from '../../src/core/application/lifecycle-client';
import { EXIT, main } from '../../src/cli/main';
import { takeOperatorModeLine } from '../support/run-cli';
import type { LifecycleConnector } from '../../src/cli/lifecycle-connection';
import { SqlCampaignStore } from '../../src/adapters/database/sql-campaign-store';
import { openInventoryStore } from '../../src/adapters/database/database';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import type { LifecycleView } from '../../src/core/domain/lifecycle/lifecycle-view';
import { createIntermediateCa, createLeaf, createRootCa, type IssuedCertificate } from '../support/certificate-factory';
import { startLifecycleTestWorker, type LifecycleTestWorker } from '../support/lifecycle-test-worker';
import { freePort } from '../support/ports';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../support/temporal';

const DAY = 86_400_000;
// The real workflow plans on the server's clock, which starts at the wall clock: certificates are dated from the
// start of today (UTC), one fixed instant for the whole file.
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY);
const ALICE = 'email:alice@example.com';
const BOB = 'email:bob@example.com';
const CAROL = 'email:carol@example.com';

let env: TestWorkflowEnvironment;
let worker: LifecycleTestWorker;
/** The worker's own connection to the inventory the CLI commands open. */
let workerStore: InventoryStore;
let dir: string;
let baseEnv: NodeJS.ProcessEnv;
let deadAddress: string;
const taskQueue = uniqueTaskQueue('lifecycle-cli');

const root = createRootCa();
const issuing = createIntermediateCa(root);
const shop = (notBeforeDaysAgo: number) =>
  createLeaf(issuing, {
    subject: 'CN=shop.example.com, O=Example Corp, C=US',
    notBefore: new Date(NOW.getTime() - notBeforeDaysAgo * DAY),
    notAfter: new Date(NOW.getTime() + (200 - notBeforeDaysAgo) * DAY),
  });
const api = createLeaf(issuing, {
  subject: 'CN=api.example.com, O=Example Corp, C=US',
  notBefore: new Date(NOW.getTime() - 10 * DAY),
  notAfter: new Date(NOW.getTime() + 80 * DAY),
});
const shopV1 = shop(100);
const shopV2 = shop(5);

function fingerprintOf(certificate: IssuedCertificate): string {
  return createHash('sha256').update(certificate.der).digest('hex');
}

function idOf(certificate: IssuedCertificate): string {
  return fingerprintOf(certificate).slice(0, 16);
}

/**
 * Waits until the lifecycle is quiet and has recorded `kind`. The CLI opens the SQLite inventory on a connection of
 * its own in this process, whose writes must not overlap the worker's: a command that writes (an import, a refusal's
 * audit entry) runs only once the lifecycle it set going is idle again.
 */
async function recorded(certificate: IssuedCertificate, kind: string, detail?: string): Promise<LifecycleView> {
  return await worker.waitFor(
    idOf(certificate),
    (view) => view.records.some((record) => record.kind === kind && (detail === undefined || record.detail === detail)),
    `${kind} on the lifecycle of ${idOf(certificate)}`,
  );
}

/** The client layer on the time-skipping server, which cannot hold certflow's search attributes. */
const testConnector: LifecycleConnector = async (config, store, where, db) => ({
  lifecycles: createLifecycleClient({
    client: env.client,
    taskQueue: config.taskQueue,
    store,
    where,
    searchAttributes: false,
    now: () => NOW,
  }),
  campaigns: createCampaignClient({
    client: env.client,
    taskQueue: config.taskQueue,
    store,
    campaigns: new SqlCampaignStore({ db }),
    // As the worker of these tests would publish them.
    roles: () =>
      Promise.resolve({
        securityLeads: config.securityLeads,
        admins: config.admins,
        publishedBy: 'test worker',
        publishedAt: NOW.toISOString(),
      }),
    where,
    searchAttributes: false,
    now: () => NOW,
  }),
  close: async () => {},
});

async function run(
  argv: string[],
  options: { actor?: string; connector?: LifecycleConnector | null; progress?: string[] } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { ...baseEnv, ...(options.actor ? { CERTFLOW_ACTOR: options.actor } : {}) },
    cwd: dir,
    now: () => NOW,
    connectLifecycles: options.connector === null ? undefined : (options.connector ?? testConnector),
    progress: options.progress ? (text) => options.progress?.push(text) : undefined,
    columns: 100,
  });
  const operatorMode = takeOperatorModeLine(err);
  return { code, out: out.join('\n'), err: err.join('\n'), operatorMode };
}

function write(name: string, certificate: IssuedCertificate): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, certificate.pem);
  return file;
}

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-lifecycle-cli-'));
  const databaseUrl = `sqlite:${path.join(dir, 'inventory.sqlite')}`;
  workerStore = await openInventoryStore({ url: databaseUrl });
  worker = await startLifecycleTestWorker(env, taskQueue, workerStore, { installFiles: true });
  deadAddress = `127.0.0.1:${await freePort()}`;
  baseEnv = {
    CERTFLOW_DATABASE_URL: databaseUrl,
    USER: 'tester',
    TEMPORAL_ADDRESS: deadAddress,
    CERTFLOW_TASK_QUEUE: taskQueue,
  };
});

afterAll(async () => {
  await worker?.stop();
  await workerStore?.close();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('certflow lifecycle commands', () => {
  it('R-OWN-1: groups create names who owns and who approves the certificates of a group; auto-renew starts off', async () => {
    const created = await run([
      'groups',
      'create',
      'payments',
      '--name',
      'Payments',
      '--contact',
      'alice@example.com',
      '--approver',
      'bob@example.com',
      '--approver',
      'carol@example.com',
    ]);
    expect(created.code).toBe(EXIT.ok);
    expect(created.out).toMatch(/auto-renew +off/);
    expect(created.out).not.toMatch(/re-plan/);
  });

  it('R-MON-1: import succeeds when Temporal is down and says to run lifecycle sync; sync then starts every lifecycle once', async () => {
    const imported = await run(['import', write('api.pem', api), write('chain.pem', issuing), '--owner', 'payments'], {
      connector: null,
    });
    expect(imported.code).toBe(EXIT.ok);
    expect(imported.out).toMatch(/new +2\b/);
    expect(imported.out).toContain(`lifecycles not started: cannot reach Temporal at ${deadAddress}: `);
    expect(imported.out).toMatch(/run `certflow lifecycle sync` once certflow is running$/);

    const progress: string[] = [];
    const synced = await run(['lifecycle', 'sync'], { progress });
    expect(synced.code).toBe(EXIT.ok);
    expect(synced.out).toMatch(/^Lifecycles of 1 managed certificate in /);
    expect(synced.out).toMatch(/started +1\n +already running +0/);
    expect(progress.join('')).toMatch(/lifecycles .*1\/1/);

    const again = await run(['lifecycle', 'sync', '--json', '--concurrency', '4']);
    expect(JSON.parse(again.out)).toMatchObject({ total: 1, started: 0, alreadyRunning: 1, failed: [] });
    const view = await worker.waitFor(idOf(api), (state) => state.certificate !== null, 'the lifecycle to load');
    expect(view).toMatchObject({ cycle: 1, phase: 'monitoring', ownerGroup: 'payments', request: null });
  });

  it('R-MON-1: import starts the lifecycle of a new certificate and tells a running one about its newer version', async () => {
    const first = await run(['import', write('shop-v1.pem', shopV1), '--owner', 'payments', '--json']);
    expect(first.code).toBe(EXIT.ok);
    expect((JSON.parse(first.out) as { lifecycles: unknown }).lifecycles).toEqual({
      started: 1,
      alreadyRunning: 0,
      signalled: 0,
      failed: [],
      campaigns: { told: [], unreachable: [] },
    });
    // The lifecycle has loaded version 1 before version 2 arrives, so it is told of it rather than finding it.
    await worker.waitFor(
      idOf(shopV1),
      (view) => view.certificate?.fingerprintSha256 === fingerprintOf(shopV1),
      'the lifecycle of version 1',
    );

    const renewed = await run(['import', write('shop-v2.pem', shopV2), '--owner', 'payments']);
    expect(renewed.code).toBe(EXIT.ok);
    expect(renewed.out).toMatch(/lifecycles +0 started, 1 told of a newer version/);
    await worker.waitFor(idOf(shopV1), (view) => view.cycle === 2 && view.certificate !== null, 'cycle 2');
    const status = await run(['lifecycle', 'status', idOf(shopV2), '--json']);
    const { lifecycle, managed } = JSON.parse(status.out) as { lifecycle: LifecycleView; managed: { id: string } };
    expect(managed.id).toBe(idOf(shopV1));
    expect(lifecycle).toMatchObject({ cycle: 2, phase: 'monitoring', request: null });
    expect(lifecycle.certificate?.fingerprintSha256).toBe(fingerprintOf(shopV2));
    expect(lifecycle.records.map((record) => record.kind)).toContain('certificate.replaced-outside-certflow');
    const told = worker.notifier.ofKind('renewal-progress');
    expect(told.map((sent) => [sent.step, sent.audience.people.map((person) => person.email)])).toEqual([
      ['replaced-outside-certflow', ['alice@example.com']],
    ]);
  });

  it('R-RA-1, R-RA-2, R-REN-2: renew as the configured user, approve as another approver, which installs the renewal; the requester and non-approvers are refused with exit 1', async () => {
    const renewed = await run(['renew', idOf(shopV1).slice(0, 10), '--reason', 'moving to ECDSA'], { actor: ALICE });
    expect(renewed.code).toBe(EXIT.ok);
    // Cycle 2: the lifecycle moved on to version 2 when it was imported.
    const requestId = `${idOf(shopV1)}.2.1`;
    expect(renewed.out).toContain(`Renewal of ${idOf(shopV1)} (shop.example.com): request ${requestId}`);
    expect(renewed.out).toContain(`awaiting-approval, requested by ${ALICE}`);
    expect(renewed.out).toContain(`certflow approve ${requestId}`);
    await recorded(shopV1, 'approval.requested', requestId);

    const byRequester = await run(['approve', requestId], { actor: ALICE });
    expect(byRequester).toMatchObject({ code: EXIT.failure, out: '' });
    expect(byRequester.err).toMatch(/^certflow: only approvers of group payments can approve or reject this request/);

    const status = await run(['lifecycle', 'status', idOf(shopV1)]);
    expect(status.code).toBe(EXIT.ok);
    expect(status.out).toMatch(
      new RegExp(`^Lifecycle of ${idOf(shopV1)} \\(workflow certflow-lifecycle-${idOf(shopV1)}\\), cycle 2`),
    );
    expect(status.out).toContain(`certificate   ${idOf(shopV2)} CN=shop.example.com`);
    expect(status.out).toMatch(/phase +awaiting-approval/);
    expect(status.out).toMatch(/Plan\n +WHEN +STEP +DAYS BEFORE EXPIRY +STATUS/);
    // Version 2 has 195 days to go: its whole plan is ahead.
    expect(status.out).toMatch(/reminder +90 +planned/);
    expect(status.out).not.toMatch(/ done$/m);
    expect(status.out).toMatch(/Last records\n.*certificate\.replaced-outside-certflow +replaced outside certflow by/);

    const approved = await run(['approve', requestId, '--note', 'fine'], { actor: BOB });
    expect(approved.code).toBe(EXIT.ok);
    expect(approved.out).toContain(`Approved request ${requestId}`);
    expect(approved.out).toContain(`approved by ${BOB}`);

    // The internal CA issues the renewal; the files deployer installs it where version 2 was imported from and
    // verifies it; the lifecycle moves on to the renewed certificate and revokes nothing before 5 days.
    const renewal = await worker.waitFor(
      idOf(shopV1),
      (view) => view.cycle === 3 && view.certificate !== null,
      'the renewal',
    );
    expect(renewal.pendingRevocation).toMatchObject({ fingerprintSha256: fingerprintOf(shopV2), reason: 'superseded' });
    const installed = new X509Certificate(fs.readFileSync(path.join(dir, 'shop-v2.pem')));
    expect(installed.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(renewal.certificate?.fingerprintSha256);
    expect(installed.checkIssued(new X509Certificate(worker.ca.issuingPem()))).toBe(true);
    expect(worker.ticketing.tickets.map((ticket) => ticket.transitions)).toEqual([['in-progress', 'done']]);
    const afterwards = await run(['lifecycle', 'status', idOf(shopV1)]);
    expect(afterwards.out).toMatch(/cycle 3\n/);
    expect(afterwards.out).toMatch(
      new RegExp(`revocation +serial ${renewal.pendingRevocation?.serialNumber} \\(superseded\\) due `),
    );

    const twice = await run(['approve', requestId, '--json'], { actor: CAROL });
    expect(twice.code).toBe(EXIT.failure);
    expect(twice.err).toMatch(new RegExp(`request ${requestId.replace(/\./g, '\\.')} is not open on this certificate`));
  });

  it('R-RA-2: an approver cannot approve their own request; a rejection needs a reason', async () => {
    const renewed = await run(['renew', idOf(api), '--json'], { actor: BOB });
    const request = JSON.parse(renewed.out) as { id: string; reason: string };
    expect(request).toMatchObject({ id: `${idOf(api)}.1.1`, reason: 'renewal requested with certflow renew' });
    await recorded(api, 'approval.requested', request.id);
    const self = await run(['approve', request.id], { actor: BOB });
    expect(self.code).toBe(EXIT.failure);
    expect(self.err).toMatch(/you requested this renewal; another approver/);
    expect((await run(['reject', request.id], { actor: CAROL })).code).toBe(EXIT.usage);
    const rejected = await run(['reject', request.id, '--reason', 'not before the freeze ends'], { actor: CAROL });
    expect(rejected.code).toBe(EXIT.ok);
    expect(rejected.out).toMatch(/^Rejected request /);
    expect(rejected.out).toContain('rejected by email:carol@example.com');
    const view = await recorded(api, 'request.rejected');
    expect(view).toMatchObject({
      phase: 'monitoring',
      request: { status: 'rejected', decisionReason: 'not before the freeze ends' },
    });
  });

  it('R-REV-1: revoke asks for a revocation with its RFC 5280 reason, replacing first unless --no-replace', async () => {
    const revoked = await run(
      [
        'revoke',
        idOf(api),
        '--reason',
        'key on a stolen laptop',
        '--revocation-reason',
        'keyCompromise',
        '--no-replace',
      ],
      { actor: ALICE },
    );
    expect(revoked.code).toBe(EXIT.ok);
    expect(revoked.out).toContain('no replacement: the certificate is retired');
    expect(revoked.out).toContain('revocation (keyCompromise, no replacement), awaiting-approval');
    await recorded(api, 'approval.requested', `${idOf(api)}.1.2`);
  });

  it('R-OWN-1: groups update sets auto-renew and tells the group lifecycles to re-plan', async () => {
    const updated = await run(['groups', 'update', 'payments', '--auto-renew', 'on']);
    expect(updated.code).toBe(EXIT.ok);
    expect(updated.out).toMatch(/auto-renew +on: the schedule requests renewals, pre-approved/);
    expect(updated.out).toMatch(/lifecycles +2 told to re-plan/);
    for (const certificate of [api, shopV1]) {
      await recorded(certificate, 're-planned', 'owner-group changed (user:tester)');
    }
    const offline = await run(['groups', 'update', 'payments', '--auto-renew', 'off', '--name', 'Pay'], {
      connector: null,
    });
    expect(offline.code).toBe(EXIT.ok);
    expect(offline.out).toMatch(/lifecycles not told to re-plan: cannot reach Temporal/);
    const json = await run(['groups', 'show', 'payments', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ name: 'Pay', autoRenew: false });
  });

  it('R-OWN-1: import --owner of a certificate already known tells its running lifecycle to re-read its owners', async () => {
    const ledger = createLeaf(issuing, {
      subject: 'CN=ledger.example.com, O=Example Corp, C=US',
      notBefore: new Date(NOW.getTime() - 10 * DAY),
      notAfter: new Date(NOW.getTime() + 80 * DAY),
    });
    const file = write('ledger.pem', ledger);
    expect((await run(['import', file])).code).toBe(EXIT.ok);
    await worker.waitFor(idOf(ledger), (view) => view.certificate !== null, 'the lifecycle of the unowned certificate');

    const owned = await run(['import', file, '--owner', 'payments']);
    expect(owned.code).toBe(EXIT.ok);
    expect(owned.out).toMatch(/lifecycles +1 told to re-read owners and contacts/);
    await worker.waitFor(idOf(ledger), (view) => view.ownerGroup === 'payments', 'the owner group the import gave');
    // Without metadata, a re-import tells no lifecycle anything.
    expect((await run(['import', file])).out).not.toMatch(/told to re-read/);
  });

  it('says to start certflow when a lifecycle command cannot reach Temporal', async () => {
    const result = await run(['renew', idOf(shopV1)], { connector: null, actor: ALICE });
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toMatch(
      new RegExp(`^certflow: cannot reach Temporal at ${deadAddress.replace(/\./g, '\\.')}: `),
    );
    expect(result.err).toMatch(/Start certflow with `npm start`/);
    expect(result.operatorMode).toBe(
      `certflow: acting directly on Temporal as ${ALICE} (operator mode): log in to act through the API (certflow login <url>)`,
    );
  });

  it('names the fix for certificates without a running lifecycle, unknown ids and CA certificates (exit 1)', async () => {
    const results = [
      [['lifecycle', 'status', '00000000'], /no certificate matches "00000000"; `certflow list` shows/],
      [['renew', idOf(issuing)], /is a CA certificate; certflow runs lifecycles for end-entity certificates only/],
      [
        ['approve', 'abcdefabcdefabcd.1.1'],
        /no lifecycle is running for managed certificate abcdefabcdefabcd: run `certflow lifecycle sync`/,
      ],
    ] as const;
    for (const [argv, message] of results) {
      const result = await run([...argv], { actor: BOB });
      expect(result.code, argv.join(' ')).toBe(EXIT.failure);
      expect(result.err).toMatch(message);
    }
  });

  it.each([
    [['lifecycle'], /certflow lifecycle needs an action; use certflow lifecycle sync \| status <id>/],
    [['lifecycle', 'restart'], /unknown lifecycle action "restart"/],
    [['lifecycle', 'status'], /usage: certflow lifecycle status <id>/],
    [['lifecycle', 'sync', '--concurrency', '0'], /--concurrency "0" must be a whole number from 1 to 1024/],
    [['lifecycle', 'sync', 'now'], /Unexpected argument 'now'/],
    [['renew'], /usage: certflow renew <id>/],
    [['renew', 'shop.example.com'], /"shop\.example\.com" is not a certificate id or fingerprint/],
    [['renew', 'abc123'], /too short: give at least 8 hex digits/],
    [['renew', '0123456789abcdef', '--reason', ' '], /--reason must not be empty/],
    [['renew', '0123456789abcdef', '--urgent'], /Unknown option '--urgent'/],
    [['approve'], /usage: certflow approve <request id>/],
    [['approve', 'yes-please'], /"yes-please" is not a request id; request ids look like/],
    [['reject', '0123456789abcdef.1.1'], /--reason <text> is required: a rejection tells the requester what to fix/],
    [
      ['revoke', '0123456789abcdef', '--reason', 'lost'],
      /--revocation-reason is required: use one of unspecified, keyCompromise/,
    ],
    [
      ['revoke', '0123456789abcdef', '--reason', 'lost', '--revocation-reason', 'stolen'],
      /--revocation-reason "stolen" is not a reason/,
    ],
    [['revoke', '0123456789abcdef', '--revocation-reason', 'keyCompromise'], /--reason <text> is required/],
    [['groups', 'update', 'payments', '--auto-renew', 'maybe'], /--auto-renew "maybe" must be on or off/],
  ])('rejects %j with exit code 2 and says what is wrong', async (argv, message) => {
    const result = await run(argv, { actor: ALICE });
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/^certflow: /);
    expect(result.err).toMatch(message);
  });

  it('rejects a CERTFLOW_ACTOR that is not a principal, naming the variable', async () => {
    const result = await run(['renew', idOf(shopV1)], { actor: 'alice' });
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/CERTFLOW_ACTOR/);
  });
});
