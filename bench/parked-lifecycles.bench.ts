// npm run bench -- parked-lifecycles: many lifecycles parked on their timers, as users run them: the dev server as
// `certflow start` runs it (history in a SQLite file), a real `certflow worker` process on a SQLite inventory with
// Slack pointed at the stand-in, and the lifecycle client `certflow lifecycle sync` uses.
//   1. the same number of bare starts of a trivial workflow (it returns at once), with an in-process worker, as
//      many at a time as sync makes: what the server itself takes per start (the baseline);
//   2. the parked set grows in steps (CERTFLOW_BENCH_STEPS, default 4): each step's certificates are seeded and
//      `lifecycle sync` starts their lifecycles, then the idle worker's RSS is read (the lowest over 20 s). Sync's
//      starts/s against that baseline (goal ≥ 200/s); the worker's RSS as the parked set grows (goal: under 1 GiB and
//      flat, the last step at most 10% above the first: a bounded cache holds as many workflows however many park);
//   3. the worker idle after the last step, its RSS sampled over a minute (goal: flat), and the dev server's
//      database size;
//   4. a reminder wave: certificates due the same instant, imported and started as `certflow import` starts them,
//      whose 90-day reminders fall due together: Slack messages posted (digests) and the time from the timer to the
//      last one.
// CERTFLOW_BENCH_LIFECYCLES sizes the parked set (default 5,000, about 2 minutes here; the issue's goal is judged at
// CERTFLOW_BENCH_LIFECYCLES=50000), CERTFLOW_BENCH_WAVE the wave (default 5,000), CERTFLOW_BENCH_IDLE_SECONDS the idle
// sampling (default 60). Timings mean little while the machine is shared; counts and memory hold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { bench, describe } from 'vitest';
import { openInventoryStore } from '../src/adapters/database/database';
import { startSlackStandIn, type SlackStandIn } from '../src/adapters/slack/stand-in/slack-stand-in';
import { importCertificates } from '../src/core/application/import-certificates';
import { startImportedLifecycles } from '../src/core/application/imported-lifecycles';
import { createLifecycleClient, type LifecycleClient } from '../src/core/application/lifecycle-client';
import { decodeCertificates } from '../src/core/domain/certificates/decode-certificates';
import { DAY_MS } from '../src/core/domain/duration';
import { DEFAULT_POLICY } from '../src/core/domain/policy/load-policy';
import type { InventoryStore } from '../src/core/ports/inventory-store';
import { LIFECYCLE_WORKFLOW_TYPE } from '../src/core/workflows/definitions';
import { startDevServer, type DevServer } from '../src/runtime/dev-server';
import { resolveTemporalServer } from '../src/runtime/temporal-tools';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  type IssuedCertificate,
} from '../test/support/certificate-factory';
import { ownerGroupFixture } from '../test/support/lifecycle-fixtures';
import { freePort } from '../test/support/ports';
import { runCertflow, type CertflowProcess } from '../test/support/processes';
import { REPO_ROOT } from '../test/support/temporal';

/** A whole number from the environment, at least `least`; anything else stops the benchmark naming the fix. */
function wholeNumber(name: string, fallback: number, least: number): number {
  const text = process.env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least)
    throw new Error(`${name}=${text}: give a whole number of ${least} or more`);
  return value;
}

const LIFECYCLES = wholeNumber('CERTFLOW_BENCH_LIFECYCLES', 5_000, 2);
const WAVE = wholeNumber('CERTFLOW_BENCH_WAVE', 5_000, 1);
const IDLE_SECONDS = wholeNumber('CERTFLOW_BENCH_IDLE_SECONDS', 60, 0);
const STEPS = wholeNumber('CERTFLOW_BENCH_STEPS', 4, 2);
/**
 * How long the worker's RSS is read after each step, the lowest reading kept: V8 gives a burst's garbage back only
 * once the worker is idle a while (a cache of 50 read 355 MiB when the queue emptied, 256 MiB 30 s later).
 */
const SETTLE_SECONDS = 20;
/** Starts in flight at once: the lifecycle client's default, for the baseline too. */
const CONCURRENCY = 32;
const GROUPS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const TASK_QUEUE = 'certflow';
/** Issue 21's goals. */
const GOAL_STARTS_PER_SECOND = 200;
const GOAL_FULL_SIZE = 50_000;
const GOAL_RSS_BYTES = 2 ** 30;
/** Flat: the idle worker's RSS at the end of the minute at most this much above its start. */
const FLAT_TOLERANCE = 1.05;
/** Flat as the parked set grows: the idle worker's RSS after the last step at most this much above the first's. */
const GROWTH_TOLERANCE = 1.1;
const REMINDER_DAYS = 90;

const { TaskQueueType } = temporal.api.enums.v1;

function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

function rate(count: number, seconds: number): string {
  return `${(count / seconds).toFixed(0)}/s`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** Resident memory of a process (Linux), in bytes. */
function rssOf(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

function sizeOf(files: readonly string[]): number {
  return files.reduce((total, file) => total + (fs.existsSync(file) ? fs.statSync(file).size : 0), 0);
}

async function pause(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tasks waiting on the queue (workflow and activity), as the server reports them. */
async function backlog(connection: Connection, taskQueue: string): Promise<number> {
  let total = 0;
  for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    const response = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      taskQueueType,
      reportStats: true,
    });
    total += Number(response.stats?.approximateBacklogCount ?? 0);
  }
  return total;
}

/** Waits until `read` is true, polling every second; fails after `timeoutMs` naming what never came. */
async function waitFor(read: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(1000);
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function eachAtOnce<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

interface Bench {
  folder: string;
  devServer: DevServer;
  connection: Connection;
  client: Client;
  slack: SlackStandIn;
  store: InventoryStore;
  lifecycles: LifecycleClient;
  worker: CertflowProcess;
  issuer: IssuedCertificate;
  serial: number;
}

/** Imports `count` leaves with the given validity, spread over the groups, as `certflow import --owner` would. */
async function seed(bench: Bench, count: number, label: string, notBefore: Date, notAfter: Date) {
  const created: string[] = [];
  const replaced: Awaited<ReturnType<typeof importCertificates>>['managed']['replaced'][number][] = [];
  for (const [index, group] of GROUPS.entries()) {
    const share = Math.floor(count / GROUPS.length) + (index < count % GROUPS.length ? 1 : 0);
    const places = [];
    for (let offset = 0; offset < share; offset += 500) {
      const certificates = [];
      for (let n = offset; n < Math.min(share, offset + 500); n++) {
        bench.serial += 1;
        const leaf = createLeaf(bench.issuer, {
          subject: `CN=svc-${bench.serial}.${label}.${group}.example.com, O=Certflow Bench`,
          notBefore,
          notAfter,
        });
        certificates.push(...decodeCertificates(leaf.der, `${label}-${bench.serial}`).certificates);
      }
      places.push({ name: `${label}/${group}/${offset}`, certificates, errors: [] });
    }
    const report = await importCertificates(places, {
      store: bench.store,
      policy: DEFAULT_POLICY,
      actor: 'user:bench',
      where: 'bench',
      metadata: { ownerGroup: group },
    });
    created.push(...report.managed.created);
    replaced.push(...report.managed.replaced);
  }
  return { created, replaced };
}

/** What was started, stopped in reverse by {@link tearDown}: a set-up that fails half way leaves nothing running. */
const state: { bench?: Bench; done: boolean; stops: (() => Promise<void> | void)[] } = { done: false, stops: [] };

async function setUp(): Promise<Bench> {
  if (state.bench) return state.bench;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-bench-parked-'));
  state.stops.push(() => fs.rmSync(folder, { recursive: true, force: true }));
  const cli = resolveTemporalServer('devServer', process.env, REPO_ROOT);
  if (cli.type !== 'existing-path') throw new Error('the benchmark needs the provisioned Temporal CLI (npm run bench)');
  fs.mkdirSync(path.join(folder, 'temporal'));
  const devServer = await startDevServer({
    cliPath: cli.path,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    dataDir: path.join(folder, 'temporal'),
  });
  state.stops.push(() => devServer.stop());
  const connection = await Connection.connect({ address: devServer.address });
  state.stops.push(() => connection.close());
  const client = new Client({ connection });
  const users = GROUPS.map((group, index) => ({ id: `U0OWNER${index}`, name: `owner-${group}` }));
  const channels = GROUPS.map((group, index) => ({ id: `C0GROUP${index}`, name: `certs-${group}` }));
  const slack = await startSlackStandIn({
    port: 0,
    botToken: 'xoxb-bench-token',
    signingSecret: 'bench-signing-secret',
    users,
    channels,
  });
  state.stops.push(() => slack.close());
  const databaseUrl = `sqlite:${path.join(folder, 'inventory.sqlite')}`;
  const store = await openInventoryStore({ url: databaseUrl });
  state.stops.push(() => store.close());
  for (const [index, group] of GROUPS.entries()) {
    await store.upsertOwnerGroup(
      ownerGroupFixture({
        id: group,
        name: group,
        contacts: [{ slackUserId: `U0OWNER${index}` }],
        approvers: [{ slackUserId: `U0OWNER${index}` }],
        slack: { channelId: `C0GROUP${index}` },
      }),
    );
  }
  const worker = runCertflow(['worker'], {
    TEMPORAL_ADDRESS: devServer.address,
    CERTFLOW_TASK_QUEUE: TASK_QUEUE,
    CERTFLOW_DATA_DIR: path.join(folder, 'worker'),
    CERTFLOW_DATABASE_URL: databaseUrl,
    CERTFLOW_HTTP_PORT: String(await freePort()),
    CERTFLOW_LOG_LEVEL: 'WARN',
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: slack.apiUrl,
    CERTFLOW_JIRA: 'off',
  });
  state.stops.push(async () => {
    worker.child.kill('SIGTERM');
    await worker.exited;
  });
  // The worker syncs lifecycles when it starts: with an empty inventory that is its last start-up step.
  await worker.waitForLine(/^lifecycles: /);
  const root = createRootCa({ subject: 'CN=Certflow Bench Root CA, O=Certflow Bench' });
  const issuer = createIntermediateCa(root, { subject: 'CN=Certflow Bench Issuing CA, O=Certflow Bench' });
  const lifecycles = createLifecycleClient({ client, taskQueue: TASK_QUEUE, store, where: 'bench' });
  state.bench = { folder, devServer, connection, client, slack, store, lifecycles, worker, issuer, serial: 0 };
  return state.bench;
}

async function tearDown(): Promise<void> {
  state.bench = undefined;
  for (const stop of state.stops.splice(0).reverse()) await stop();
}

/** Stage 1: the same number of starts of a trivial workflow, `CONCURRENCY` at a time, run by an in-process worker. */
async function baselineStarts(bench: Bench): Promise<number> {
  const taskQueue = 'bench-trivial';
  const native = await NativeConnection.connect({ address: bench.devServer.address });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'workflows', 'trivial-start.ts'),
      logger: new DefaultLogger('WARN'),
    }),
  });
  const ids = Array.from({ length: LIFECYCLES }, (_, index) => `bench-trivial-${index}`);
  let seconds = 0;
  await worker.runUntil(async () => {
    const started = performance.now();
    await eachAtOnce(ids, CONCURRENCY, async (workflowId) => {
      await bench.client.workflow.start('trivialStartWorkflow', { taskQueue, workflowId });
    });
    seconds = (performance.now() - started) / 1000;
    const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
    await waitFor(async () => (await bench.client.workflow.count(query)).count === 0, 'trivial workflows', 600_000);
  });
  await native.close();
  return seconds;
}

/** The lowest of the process's RSS readings over {@link SETTLE_SECONDS}, one a second. */
async function settledRss(pid: number): Promise<number> {
  let lowest = rssOf(pid);
  for (let second = 0; second < SETTLE_SECONDS; second++) {
    await pause(1000);
    lowest = Math.min(lowest, rssOf(pid));
  }
  return lowest;
}

/** Waits until the worker has nothing queued, three polls in a row. */
async function workerIdle(bench: Bench): Promise<void> {
  let quiet = 0;
  await waitFor(
    async () => {
      quiet = (await backlog(bench.connection, TASK_QUEUE)) === 0 ? quiet + 1 : 0;
      return quiet >= 3;
    },
    'the worker to work through the wave',
    30 * 60_000,
  );
}

async function run(): Promise<void> {
  const bench = await setUp();
  // Each line as it comes: a large run takes long, and a run cut short still says how far it got.
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const load = () =>
    os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(', ');
  out(`parked lifecycles: ${LIFECYCLES} managed certificates in ${GROUPS.length} owner groups, load ${load()}`);
  out(`  ${bench.worker.stdout.find((line) => line.startsWith('worker: ')) ?? 'worker: (capacity not printed)'}`);

  const baselineSeconds = await baselineStarts(bench);
  const baselineRate = LIFECYCLES / baselineSeconds;
  out(
    `  baseline: ${LIFECYCLES} starts of a trivial workflow, ${CONCURRENCY} at a time: ${baselineSeconds.toFixed(1)} s, ` +
      rate(LIFECYCLES, baselineSeconds),
  );

  const pid = bench.worker.child.pid as number;
  const rssBefore = rssOf(pid);
  const now = Date.now();
  const steps: { parked: number; rss: number }[] = [];
  let syncSeconds = 0;
  let syncStarted = 0;
  let seedSeconds = 0;
  for (let step = 0; step < STEPS; step++) {
    const share = Math.floor(LIFECYCLES / STEPS) + (step < LIFECYCLES % STEPS ? 1 : 0);
    let started = performance.now();
    await seed(bench, share, `parked${step}`, new Date(now - 165 * DAY_MS), new Date(now + 200 * DAY_MS));
    seedSeconds += (performance.now() - started) / 1000;
    started = performance.now();
    const sync = await bench.lifecycles.syncLifecycles({ concurrency: CONCURRENCY });
    const seconds = (performance.now() - started) / 1000;
    syncSeconds += seconds;
    syncStarted += sync.started;
    await workerIdle(bench);
    const parked = (
      await bench.client.workflow.count(`WorkflowType = '${LIFECYCLE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`)
    ).count;
    steps.push({ parked, rss: await settledRss(pid) });
    out(
      `  step ${step + 1} of ${STEPS}: certflow lifecycle sync of ${sync.total} managed certificates, ${sync.started} ` +
        `started, ${sync.alreadyRunning} already running, ${sync.failed.length} failed in ${seconds.toFixed(1)} s ` +
        `(${rate(sync.started, seconds)}); ${parked} parked, worker idle at RSS ${mib((steps.at(-1) as { rss: number }).rss)}, load ${load()}`,
    );
  }
  const syncRate = syncStarted / syncSeconds;
  out(
    `  certflow lifecycle sync: ${syncStarted} started in ${syncSeconds.toFixed(1)} s: ${rate(syncStarted, syncSeconds)}, ` +
      `${(syncRate / baselineRate).toFixed(2)}x the baseline's rate (the inventory seeded in ${seedSeconds.toFixed(1)} s)`,
  );
  const again = performance.now();
  const resync = await bench.lifecycles.syncLifecycles({ concurrency: CONCURRENCY });
  out(
    `  sync again (resumable, idempotent): ${resync.started} started, ${resync.alreadyRunning} already running in ` +
      `${((performance.now() - again) / 1000).toFixed(1)} s`,
  );

  await workerIdle(bench);
  const running = await bench.client.workflow.count(
    `WorkflowType = '${LIFECYCLE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`,
  );
  const samples: number[] = [];
  for (let second = 0; second <= IDLE_SECONDS; second += 5) {
    samples.push(rssOf(pid));
    if (second < IDLE_SECONDS) await pause(5000);
  }
  const firstStep = steps[0] as { parked: number; rss: number };
  const lastStep = steps.at(-1) as { parked: number; rss: number };
  const perLifecycle = (lastStep.rss - firstStep.rss) / Math.max(1, lastStep.parked - firstStep.parked);
  const first = samples[0] as number;
  const last = samples.at(-1) as number;
  const peak = Math.max(...samples, ...steps.map((point) => point.rss));
  const dbFiles = ['', '-wal', '-shm'].map((suffix) => `${bench.devServer.dbFile}${suffix}`);
  out(
    `  worker idle with ${running.count} lifecycles parked: RSS ${mib(first)} at first, ${mib(last)} after ` +
      `${IDLE_SECONDS} s, peak ${mib(peak)} (${mib(rssBefore)} before the sync)`,
  );
  out(`  dev server database: ${mib(sizeOf(dbFiles))} (${dbFiles.map((file) => path.basename(file)).join(', ')})`);

  // The wave falls due once its lifecycles had time to start: twice what sync took for as many, and half a minute.
  const leadMs = Math.max(60_000, Math.round((2 * WAVE * 1000) / Math.max(syncRate, 1)) + 30_000);
  const dueAt = Date.now() + leadMs;
  const notAfter = new Date(dueAt + REMINDER_DAYS * DAY_MS);
  const started = performance.now();
  const wave = await seed(bench, WAVE, 'wave', new Date(notAfter.getTime() - 365 * DAY_MS), notAfter);
  const seeded = performance.now();
  const imported = await startImportedLifecycles(wave, {
    actor: 'user:bench',
    whenReachable: async (work) => ({
      done: await work({
        lifecycles: bench.lifecycles,
        campaigns: { inventoryChanged: async () => ({ told: [], unreachable: [] }) },
      }),
    }),
  });
  const importSeconds = (performance.now() - seeded) / 1000;
  const importStarted = imported !== null && 'started' in imported ? imported.started : 0;
  out(
    `  import's lifecycle starts: ${importStarted} of ${WAVE} in ${importSeconds.toFixed(1)} s, ` +
      `${rate(importStarted, importSeconds)} (the wave's reminders fall due ${(leadMs / 1000).toFixed(0)} s after the import began)`,
  );
  if (Date.now() > dueAt) out('  warning: the wave fell due before its lifecycles had all started');
  await waitFor(
    async () => {
      const page = await bench.store.queryAudit(
        { action: 'notification.reminder', from: new Date(dueAt - 1000).toISOString() },
        { limit: 1 },
      );
      return page.total >= WAVE;
    },
    `${WAVE} reminders`,
    30 * 60_000,
  );
  const targets = [
    ...GROUPS.map((_, index) => `C0GROUP${index}`),
    ...GROUPS.map((_, index) => bench.slack.dmChannel(`U0OWNER${index}`)).filter(
      (id): id is string => id !== undefined,
    ),
  ];
  const posted = targets
    .flatMap((channel) => bench.slack.messages(channel))
    .filter((m) => Number(m.ts) * 1000 >= dueAt);
  const lastMs = Math.max(...posted.map((message) => Number(message.ts) * 1000));
  out(
    `  reminder wave: ${WAVE} reminders due at once to ${GROUPS.length} groups (a channel and an owner each): ` +
      `${posted.length} Slack messages (${(posted.length / targets.length).toFixed(1)} per recipient), the last ` +
      `${((lastMs - dueAt) / 1000).toFixed(1)} s after the timers; worker RSS ${mib(rssOf(pid))} after it`,
  );
  out(`  took ${((performance.now() - started) / 1000).toFixed(0)} s from the wave's import to its last message`);

  const fullSize = LIFECYCLES >= GOAL_FULL_SIZE;
  out(
    `  goal sync at ≥ ${GOAL_STARTS_PER_SECOND} starts/s${fullSize ? '' : ` (judged at ${GOAL_FULL_SIZE})`}: ` +
      `${verdict(syncRate >= GOAL_STARTS_PER_SECOND)} (${syncRate.toFixed(0)}/s)`,
  );
  out(
    `  goal idle worker under ${mib(GOAL_RSS_BYTES)}: ${verdict(peak < GOAL_RSS_BYTES)} (peak ${mib(peak)})` +
      (fullSize ? '' : `, with ${LIFECYCLES} of the goal's ${GOAL_FULL_SIZE} parked`),
  );
  out(
    `  goal idle worker flat over ${IDLE_SECONDS} s (end ≤ ${FLAT_TOLERANCE}x start): ` +
      `${verdict(last <= first * FLAT_TOLERANCE)} (${(last / first).toFixed(3)}x)`,
  );
  out(
    `  goal worker flat as the parked set grows (${lastStep.parked} parked ≤ ${GROWTH_TOLERANCE}x ${firstStep.parked} ` +
      `parked): ${verdict(lastStep.rss <= firstStep.rss * GROWTH_TOLERANCE)} (${mib(firstStep.rss)} to ` +
      `${mib(lastStep.rss)}, ${(lastStep.rss / firstStep.rss).toFixed(3)}x, ${(perLifecycle / 1024).toFixed(1)} KiB ` +
      `per lifecycle parked after the first step)`,
  );
  out(
    `  goal reminder wave as digests (fewer messages than reminders): ${verdict(posted.length < WAVE)} ` +
      `(${posted.length} messages for ${WAVE} reminders)`,
  );
  out(`  load ${load()} after`);
}

describe(`parked lifecycles: ${LIFECYCLES} on the dev server`, () => {
  bench(
    'certflow lifecycle sync, the parked worker, a reminder wave',
    async () => {
      // tinybench may call a task once more to learn whether it is async: the work runs once.
      if (state.done) return;
      state.done = true;
      try {
        await run();
      } finally {
        await tearDown();
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
