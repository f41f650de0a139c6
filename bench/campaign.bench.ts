// npm run bench -- campaign: a CA-compromise campaign over 10,000 certificates (internal CA, ECDSA P-256, files
// deployer) end to end on the dev server, against a baseline in the same process: as many minimal child workflows
// running as many no-op activities per certificate as the campaign's renewal path runs, as many at a time.
// CERTFLOW_BENCH_CAMPAIGN_SIZE and CERTFLOW_BENCH_CAMPAIGN_PARALLELISM change the size and the parallelism.
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { bench, describe } from 'vitest';
import type { CampaignProgress } from '../src/core/domain/campaigns/model';
import { campaignWorkflowId } from '../src/core/workflows/definitions';
import { CAMPAIGN_PEOPLE, createCampaignHarness, type CampaignHarness } from '../test/support/campaign-harness';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../test/support/temporal';
import type { BaselineFanoutInput } from './workflows/baseline-fanout';

const SIZE = Number(process.env.CERTFLOW_BENCH_CAMPAIGN_SIZE ?? 10_000);
const PARALLELISM = Number(process.env.CERTFLOW_BENCH_CAMPAIGN_PARALLELISM ?? 50);
const GROUPS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const CALIBRATION = 20;
/** Baseline parents: each runs its share of the children, so no parent's history grows past 10,000 events. */
const BASELINE_PARENTS = 10;
/** Progress published every 10 s as in production; no rescans during the run. */
const TIMINGS = { progressEveryMs: 10_000, rescanEveryMs: 24 * 3_600_000, retryAfterMs: 60_000 };

/** Samples this process's resident memory (the worker runs in it) until stopped; returns the peak in MiB. */
function sampleMemory(): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 200);
  return () => {
    clearInterval(timer);
    return Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20);
  };
}

/** The longest history of any run on the task queue (every run: continued-as-new ones count separately). */
async function largestHistory(
  env: TestWorkflowEnvironment,
  taskQueue: string,
): Promise<{ id: string; events: number }> {
  let largest = { id: '', events: 0 };
  for await (const run of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    if (run.historyLength > largest.events) largest = { id: run.workflowId, events: run.historyLength };
  }
  return largest;
}

const state: {
  env?: TestWorkflowEnvironment;
  harness?: CampaignHarness;
  stopWorker?: () => Promise<void>;
  activitiesPerCertificate?: number;
  baseline?: { seconds: number; peakMiB: number; largest: { id: string; events: number } };
  campaign?: { seconds: number; peakMiB: number; progress: CampaignProgress };
} = {};

/** The server, the certificates and the worker, before anything is timed. */
async function setUp(): Promise<void> {
  if (state.harness) return;
  state.env = await createDevServerEnv({ searchAttributes: false });
  const harness = await createCampaignHarness({ env: state.env, workflowBundle: workflowBundle(), timings: TIMINGS });
  state.harness = harness;
  const perGroup = Math.ceil(SIZE / GROUPS.length);
  const seeds = [];
  for (const group of GROUPS) seeds.push(...(await harness.seed([group], perGroup)));
  const calibration = await harness.seed(['calibration'], CALIBRATION);
  state.stopWorker = await harness.startWorker({ identity: 'bench-worker' });
  await harness.startLifecycles([...seeds.slice(0, SIZE), ...calibration]);
  // Calibration: how many activities one certificate's replacement runs, campaign share included.
  const before = harness.activityCalls();
  const calibrating = await harness.campaigns.start({
    selector: { ownerGroups: ['calibration'] },
    kind: 'ca-compromise',
    reason: 'benchmark calibration',
    launchedBy: CAMPAIGN_PEOPLE.securityLead,
    parallelism: PARALLELISM,
  });
  await state.env.client.workflow.getHandle(campaignWorkflowId(calibrating.id)).result();
  state.activitiesPerCertificate = Math.round((harness.activityCalls() - before) / CALIBRATION);
}

async function tearDown(): Promise<void> {
  const { harness, baseline, campaign } = state;
  if (!harness || !baseline || !campaign) return;
  const largest = await largestHistory(harness.env, harness.taskQueue);
  const perCertificate = campaign.seconds / SIZE;
  const baselinePerCertificate = baseline.seconds / SIZE;
  const lines = [
    `campaign benchmark: ${SIZE} certificates, ${PARALLELISM} at a time, ${state.activitiesPerCertificate} activities per certificate`,
    `  campaign: ${campaign.seconds.toFixed(1)} s, ${(SIZE / campaign.seconds).toFixed(1)} certificates/s, ` +
      `status ${campaign.progress.status}, ${campaign.progress.counts['old-revoked']} old certificates revoked, ` +
      `${campaign.progress.failedAttempts} failed attempts`,
    `  baseline: ${baseline.seconds.toFixed(1)} s, ${(SIZE / baseline.seconds).toFixed(1)} children/s`,
    `  cost per certificate: ${(perCertificate * 1000).toFixed(1)} ms vs ${(baselinePerCertificate * 1000).toFixed(1)} ms ` +
      `(ratio ${(perCertificate / baselinePerCertificate).toFixed(2)}x; target <= 3x)`,
    `  peak worker memory (RSS): campaign ${campaign.peakMiB} MiB, baseline ${baseline.peakMiB} MiB`,
    `  largest history: campaign run ${largest.events} events (${largest.id}), baseline ${baseline.largest.events} events ` +
      `(target < 10,000)`,
    `  whole campaign under 15 minutes: ${campaign.seconds < 900 ? 'yes' : 'no'}`,
  ];
  // Straight to the terminal: vitest's bench reporter does not show a task's console output.
  process.stdout.write(`${lines.join('\n')}\n`);
  state.harness = undefined;
  await state.stopWorker?.();
  await harness.close();
  await state.env?.teardown();
}

describe(`campaign: ${SIZE} certificates on the dev server`, () => {
  bench(
    'baseline: minimal child workflows, same no-op activities per certificate',
    async () => {
      // tinybench may call a task once more to learn whether it is async: the work runs once, timed here.
      if (state.baseline) return;
      const env = state.env as TestWorkflowEnvironment;
      const taskQueue = uniqueTaskQueue('baseline');
      const bundle: WorkflowBundle = await bundleWorkflowCode({
        workflowsPath: path.join(__dirname, 'workflows', 'baseline-fanout.ts'),
        logger: new DefaultLogger('WARN'),
      });
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities: { noop: async () => undefined },
      });
      const peak = sampleMemory();
      const started = Date.now();
      await worker.runUntil(async () => {
        const perParent = Math.ceil(SIZE / BASELINE_PARENTS);
        await Promise.all(
          Array.from({ length: BASELINE_PARENTS }, (_, parent) => {
            const input: BaselineFanoutInput = {
              children: Math.min(perParent, SIZE - parent * perParent),
              parallelism: Math.max(1, Math.round(PARALLELISM / BASELINE_PARENTS)),
              activitiesPerChild: state.activitiesPerCertificate ?? 1,
              idPrefix: `${taskQueue}-${parent}`,
            };
            return env.client.workflow.execute('baselineFanoutWorkflow', {
              taskQueue,
              workflowId: `${taskQueue}-parent-${parent}`,
              args: [input],
            });
          }),
        );
      });
      const seconds = (Date.now() - started) / 1000;
      state.baseline = { seconds, peakMiB: peak(), largest: await largestHistory(env, taskQueue) };
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0, setup: setUp },
  );

  bench(
    'campaign: CA compromise, internal CA, ECDSA P-256, files deployer, end to end',
    async () => {
      if (state.campaign) return;
      const harness = state.harness as CampaignHarness;
      const peak = sampleMemory();
      const started = Date.now();
      const campaign = await harness.campaigns.start({
        selector: { issuerDn: harness.oldIssuerDn, ownerGroups: GROUPS },
        kind: 'ca-compromise',
        reason: 'benchmark: Old Corp issuing CA compromised',
        launchedBy: CAMPAIGN_PEOPLE.securityLead,
        parallelism: PARALLELISM,
      });
      const progress = (await harness.env.client.workflow
        .getHandle(campaignWorkflowId(campaign.id))
        .result()) as CampaignProgress;
      state.campaign = { seconds: (Date.now() - started) / 1000, peakMiB: peak(), progress };
    },
    {
      iterations: 1,
      time: 0,
      warmupIterations: 0,
      warmupTime: 0,
      setup: setUp,
      teardown: async (_task, mode) => {
        if (mode === 'run') await tearDown();
      },
    },
  );
});
