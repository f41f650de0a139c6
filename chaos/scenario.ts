/**
 * The chaos scenario (issue 17), run by `npm run chaos` at full size and by test/e2e/chaos-short.test.ts small: real
 * `certflow worker` processes against a Temporal dev server on a SQLite file and the Slack and Jira stand-ins (in
 * this process, so they outlive every killed worker), a CA-compromise campaign over certificates of certflow's
 * internal CA (file deployer, verification, revocation into the CRL) and a few owner renewals approved through the
 * CLI, while workers are SIGKILLed at seeded random intervals, the dev server is restarted on the same database file
 * and the stand-ins fail a seeded share of calls. Afterwards every check reads what happened from the stand-ins'
 * records, the inventory, the CRL and the workflows' state, and becomes a row of the summary table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, WorkflowClient } from '@temporalio/client';
import { openInternalCa } from '../src/adapters/ca/internal-ca';
import { openInventoryDatabase } from '../src/adapters/database/database';
import { SqlCampaignStore } from '../src/adapters/database/sql-campaign-store';
import { startDemoJira, type DemoJira } from '../src/adapters/jira/stand-in/demo-jira';
import { FileKeyStore } from '../src/adapters/keys/file-key-store';
import { seededGenerator } from '../src/adapters/shared/random-faults';
import {
  DEMO_USERS,
  demoOwnerGroup,
  startDemoSlack,
  type DemoSlack,
} from '../src/adapters/slack/stand-in/demo-workspace';
import { decodeCertificates } from '../src/core/domain/certificates/decode-certificates';
import type { InventoryStore } from '../src/core/ports/inventory-store';
import { startDevServer, type DevServer } from '../src/runtime/dev-server';
import { resolveTemporalServer } from '../src/runtime/temporal-tools';
import { freePort } from '../test/support/ports';
import { buildDist, runCertflow, runCertflowToEnd, type CertflowProcess } from '../test/support/processes';
import { standInWorkerEnv } from '../test/support/stand-in-env';
import { REPO_ROOT } from '../test/support/temporal';
import {
  chaosChecks,
  pause,
  settleLifecycles,
  waitForCampaign,
  type ChaosCheck,
  type ReplacedCertificate,
  type WithTemporal,
} from './checks';

/** The size and the chaos of one run. */
export interface ChaosSettings {
  /** Certificates the campaign replaces. */
  readonly certificates: number;
  /** Certificates renewed by their owner (requested and approved through the CLI) while the campaign runs. */
  readonly ownerRenewals: number;
  /** A worker is SIGKILLed after a random wait in this range, in ms, and a new one started. */
  readonly killEveryMs: readonly [number, number];
  /** Kills at most this many workers (Infinity: until the campaign ends). */
  readonly maxKills: number;
  /** Restarts of the dev server (same database file), spread over the campaign's progress. */
  readonly serverRestarts: number;
  /** Share of Slack and Jira calls that fail (0–1). */
  readonly faultRate: number;
  /** Seeds the kill intervals and both stand-ins' faults: the same seed repeats a run. */
  readonly seed: number;
  /** Campaign parallelism. */
  readonly parallel: number;
  /** When the chaos stops waiting for the campaign and checks what it has, in ms from the start. */
  readonly deadlineMs: number;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** What a run did and found. */
export interface ChaosReport {
  readonly settings: Omit<ChaosSettings, 'log'>;
  readonly elapsedMs: number;
  readonly kills: number;
  readonly serverRestarts: number;
  readonly faulted: { readonly slack: number; readonly jira: number };
  readonly checks: readonly ChaosCheck[];
}

const LEAD = 'email:sec@example.com';
const OWNER = `email:${DEMO_USERS.owner.email}`;
const APPROVER = `email:${DEMO_USERS.approver.email}`;
/** The campaign's owner group: the demo workspace's people and channel, apart from the owner-renewal group. */
const CAMPAIGN_GROUP = 'chaos';
const OWNERS_GROUP = 'owners';
/** Longer than both clients' 30 s timeout: a "timeout" fault is one the client gives up on. */
const FAULT_HOLD_MS = 31_000;
const CA_PASSPHRASE = 'chaos passphrase';

/** The certificates in service before the chaos, by fingerprint or by the file that holds one. */
async function replacedOf(store: InventoryStore, sources: readonly string[]): Promise<ReplacedCertificate[]> {
  const replaced: ReplacedCertificate[] = [];
  for (const source of sources) {
    const fingerprint = fs.existsSync(source)
      ? decodeCertificates(fs.readFileSync(source), source).certificates[0]?.facts.fingerprintSha256
      : source;
    const certificate = await store.getCertificate(fingerprint ?? '');
    const managed = await store.findManagedCertificateByFingerprint(fingerprint ?? '');
    const file = certificate?.metadata.locations.find((location) => location.kind === 'file');
    if (certificate === null || managed === null || file?.kind !== 'file') {
      throw new Error(`${source} is not a managed certificate in a file`);
    }
    replaced.push({
      managedId: managed.id,
      oldFingerprint: certificate.facts.fingerprintSha256,
      oldSerial: certificate.facts.serialNumber,
      file: file.path,
    });
  }
  return replaced;
}

/** Runs the scenario and returns its checks; never throws for a failed check, only for a broken setup. */
export async function runChaos(settings: ChaosSettings): Promise<ChaosReport> {
  const { log } = settings;
  const started = Date.now();
  const deadline = started + settings.deadlineMs;
  const random = seededGenerator(settings.seed);
  // Built before the folder exists: a failed build leaves nothing behind.
  buildDist();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-chaos-'));
  const dataDir = path.join(folder, 'data');
  const temporalDir = path.join(folder, 'temporal');
  const workers: CertflowProcess[] = [];
  let server: DevServer | undefined;
  let slack: DemoSlack | undefined;
  let jira: DemoJira | undefined;
  let inventory: Awaited<ReturnType<typeof openInventoryDatabase>> | undefined;
  let kills = 0;
  let restarts = 0;
  let ownExits = 0;
  log(`chaos: seed ${settings.seed}, folder ${folder}`);

  const cli = resolveTemporalServer('devServer', process.env, REPO_ROOT);
  if (cli.type !== 'existing-path')
    throw new Error('the Temporal CLI is not provisioned: run node scripts/bootstrap.js');
  const temporalPort = await freePort();
  const temporalUiPort = await freePort();
  const startServer = () =>
    startDevServer({
      cliPath: cli.path,
      port: temporalPort,
      uiPort: temporalUiPort,
      namespace: 'default',
      dataDir: temporalDir,
      readyTimeoutMs: 120_000,
    });

  /** A Temporal client for one use: the server restarts under the scenario, so nothing keeps a connection. */
  const withTemporal: WithTemporal = async (use) => {
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      return await use(new WorkflowClient({ connection }));
    } finally {
      await connection.close();
    }
  };

  try {
    server = await startServer();
    const httpPort = await freePort();
    slack = await startDemoSlack({ port: 0, appUrl: `http://127.0.0.1:${httpPort}/slack/events` });
    jira = await startDemoJira({ port: 0 });
    const workerEnv: NodeJS.ProcessEnv = {
      TEMPORAL_ADDRESS: server.address,
      CERTFLOW_DATA_DIR: dataDir,
      CERTFLOW_DATABASE_URL: `sqlite:${path.join(dataDir, 'inventory.sqlite')}`,
      CERTFLOW_HTTP_PORT: String(httpPort),
      CERTFLOW_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      CERTFLOW_CA_PASSPHRASE: CA_PASSPHRASE,
      CERTFLOW_TASK_QUEUE: 'certflow-chaos',
      CERTFLOW_LOG_LEVEL: 'WARN',
      CERTFLOW_SECURITY_LEADS: LEAD,
      ...standInWorkerEnv(slack, jira),
    };
    // The CLI sets no role: roles come from what the worker publishes.
    const cliEnv = (actor: string) => ({ ...workerEnv, CERTFLOW_SECURITY_LEADS: '', CERTFLOW_ACTOR: actor });

    const startWorker = async () => {
      const worker = runCertflow(['worker'], workerEnv);
      workers.push(worker);
      await worker.waitForLine(/^Ctrl-C stops the worker\.$/);
      return worker;
    };
    let current = await startWorker();

    // The certificates in service: issued by the worker's own internal CA, so their revocations land in its CRL.
    const ca = await openInternalCa({
      folder: path.join(dataDir, 'ca', 'internal'),
      passphrase: CA_PASSPHRASE,
      publicBaseUrl: workerEnv.CERTFLOW_PUBLIC_URL ?? '',
    });
    const issuerDn = decodeCertificates(new TextEncoder().encode(ca.issuingPem()), 'internal CA').certificates[0]?.facts
      .subject.text;
    if (!issuerDn) throw new Error('the internal CA has no issuing certificate');
    const seedKeys = new FileKeyStore(path.join(folder, 'seed-keys'));
    await seedKeys.ensureKeyPair('seed', { algorithm: 'EC', curve: 'P-256' });
    const seedFiles = async (prefix: string, count: number) => {
      const files: string[] = [];
      for (let n = 1; n <= count; n += 1) {
        const name = `${prefix}-${n}.example.com`;
        const subject = `CN=${name}, O=Example`;
        const issued = await ca.issue({
          idempotencyKey: `seed-${prefix}-${n}`,
          csrPem: await seedKeys.createCsr('seed', { subject, dnsNames: [name], ipAddresses: [] }),
          subject,
          dnsNames: [name],
          ipAddresses: [],
          validityDays: 200,
        });
        const file = path.join(folder, 'srv', prefix, String(n), 'cert.pem');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, issued.certificatePem);
        files.push(file);
      }
      return files;
    };
    log(`seeding ${settings.certificates} campaign and ${settings.ownerRenewals} owner certificates`);
    const campaignFiles = await seedFiles('svc', settings.certificates);
    const ownerFiles = await seedFiles('own', settings.ownerRenewals);

    inventory = await openInventoryDatabase({ url: workerEnv.CERTFLOW_DATABASE_URL ?? '' });
    const { store, db } = inventory;
    await store.upsertOwnerGroup(demoOwnerGroup(CAMPAIGN_GROUP, 'Chaos campaign'));
    await store.upsertOwnerGroup(demoOwnerGroup(OWNERS_GROUP, 'Chaos owners'));
    const campaigns = new SqlCampaignStore({ db });
    const imports = async (files: string[], owner: string) => {
      // One command per thousand files keeps the argument list short.
      for (let at = 0; at < files.length; at += 1000) {
        const imported = await runCertflowToEnd(
          ['import', ...files.slice(at, at + 1000), '--owner', owner],
          cliEnv(LEAD),
        );
        if (imported.code !== 0) throw new Error(`certflow import failed:\n${imported.out}`);
      }
    };
    // The owners' lifecycles first, and their renewals asked for before a thousand others start: an update waits
    // behind every workflow task queued before it, and a thousand starting lifecycles kept the CLI's 30 s from
    // being enough on two busy cores. The renewals run on during the campaign, through the chaos.
    await imports(ownerFiles, OWNERS_GROUP);
    const owners = await replacedOf(store, ownerFiles);

    slack.standIn.faults.randomly({
      rate: settings.faultRate,
      seed: settings.seed + 1,
      timeoutMs: FAULT_HOLD_MS,
      retryAfterSeconds: 1,
    });
    jira.standIn.faults.randomly({
      rate: settings.faultRate,
      seed: settings.seed + 2,
      timeoutMs: FAULT_HOLD_MS,
      retryAfterSeconds: 1,
    });

    // Owner renewals: the owner asks, the approver approves, both through the CLI, with faults on. A busy worker may
    // not answer the CLI within its 30 s: ask again, as a person would.
    const cliJson = async (args: string[], actor: string) => {
      for (let attempt = 1; ; attempt += 1) {
        const run = await runCertflowToEnd([...args, '--json'], cliEnv(actor));
        if (run.code === 0) return JSON.parse(run.stdout) as { id: string };
        if (attempt === 5) throw new Error(`certflow ${args.join(' ')} failed:\n${run.out}`);
        log(`certflow ${args[0]} did not succeed (attempt ${attempt}); again`);
      }
    };
    for (const { managedId } of owners) {
      const request = await cliJson(['renew', managedId, '--reason', 'chaos owner renewal'], OWNER);
      await cliJson(['approve', request.id], APPROVER);
    }

    await imports(campaignFiles, CAMPAIGN_GROUP);
    log('imported; starting the campaign and the chaos');

    const campaignStart = await runCertflowToEnd(
      [
        'campaign',
        'start',
        `issuer=${issuerDn}`,
        `group=${CAMPAIGN_GROUP}`,
        '--reason',
        'chaos: internal CA key compromised',
        '--kind',
        'ca-compromise',
        '--parallel',
        String(settings.parallel),
        '--yes',
        '--json',
      ],
      cliEnv(LEAD),
    );
    if (campaignStart.code !== 0) throw new Error(`certflow campaign start failed:\n${campaignStart.out}`);
    const campaignId = (JSON.parse(campaignStart.stdout) as { campaign: { id: string } }).campaign.id;

    // The chaos: kills at seeded intervals, server restarts at even shares of the campaign's progress.
    const finished = async () =>
      (await campaigns.listMembers(campaignId)).filter((member) => member.state === 'old-revoked').length;
    let nextKill =
      Date.now() + settings.killEveryMs[0] + random() * (settings.killEveryMs[1] - settings.killEveryMs[0]);
    for (;;) {
      const done = await finished();
      if (done >= settings.certificates || Date.now() > deadline) break;
      if (current.child.exitCode !== null || current.child.signalCode !== null) {
        ownExits += 1;
        log(`worker exited on its own (${current.child.exitCode ?? current.child.signalCode}); starting another`);
        current = await startWorker();
      }
      if (
        restarts < settings.serverRestarts &&
        done >= ((restarts + 1) * settings.certificates) / (settings.serverRestarts + 1)
      ) {
        log(`restarting the dev server (${done}/${settings.certificates} replaced)`);
        await server.stop();
        server = await startServer();
        restarts += 1;
      } else if (kills < settings.maxKills && Date.now() >= nextKill) {
        log(`SIGKILL worker pid ${current.child.pid} (${done}/${settings.certificates} replaced)`);
        current.child.kill('SIGKILL');
        await current.exited;
        kills += 1;
        current = await startWorker();
        nextKill =
          Date.now() + settings.killEveryMs[0] + random() * (settings.killEveryMs[1] - settings.killEveryMs[0]);
      }
      await pause(500);
    }
    // Every planned restart happens, even when the campaign outran the progress shares.
    while (restarts < settings.serverRestarts) {
      await server.stop();
      server = await startServer();
      restarts += 1;
    }
    slack.standIn.faults.randomly(undefined);
    jira.standIn.faults.randomly(undefined);
    log(`campaign members replaced: ${await finished()}/${settings.certificates}; settling and checking`);

    const campaignEnd = await waitForCampaign(withTemporal, campaignId, deadline);
    const members = await replacedOf(
      store,
      (await campaigns.listMembers(campaignId)).map((member) => member.fingerprintSha256),
    );
    const lifecycles = await settleLifecycles(
      withTemporal,
      [...members, ...owners].map((certificate) => certificate.managedId),
      // Retries the chaos left get a while to finish; the deadline still bounds the run.
      Math.min(deadline, Date.now() + 300_000),
    );
    const checks = await chaosChecks({
      certificates: settings.certificates,
      store,
      db,
      campaignEnd,
      members,
      owners,
      lifecycles,
      slack,
      jira,
      crlDer: await ca.crlDer(),
      ownExits,
    });
    return {
      settings: { ...settings, log: undefined } as Omit<ChaosSettings, 'log'>,
      elapsedMs: Date.now() - started,
      kills,
      serverRestarts: restarts,
      faulted: {
        slack: slack.standIn.calls.filter((call) => call.status !== 200).length,
        jira: jira.standIn.calls.filter((call) => call.status >= 429).length,
      },
      checks,
    };
  } finally {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
    }
    await inventory?.store.close();
    await slack?.standIn.close();
    await jira?.standIn.close();
    await server?.stop();
    if (process.env.CERTFLOW_CHAOS_KEEP !== '1') fs.rmSync(folder, { recursive: true, force: true });
  }
}
