// npm run bench -- campaign-workers: is one worker the ceiling? The same CA-compromise campaign (internal CA,
// ECDSA P-256, files deployer, Slack and Jira off) run by one and then by two `certflow worker` processes on the same
// task queue, inventory (SQLite) and CA folder, against one dev server, as `certflow import` and `certflow campaign
// start` start it. Prints certificates/s of each, the speed-up, each worker's CPU and how busy the whole machine was,
// and names the bottleneck: the workers (CPU-bound, a second one helps), the machine's cores (all of them busy), or
// what the workers wait on (the dev server's SQLite, the inventory's SQLite, the CA's serial counter).
// CERTFLOW_BENCH_CAMPAIGN_WORKERS_SIZE (default 100) and CERTFLOW_BENCH_CAMPAIGN_PARALLELISM (default 50) size it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bench, describe } from 'vitest';
import { openInventoryDatabase } from '../src/adapters/database/database';
import { ensureDemoOwnerGroup } from '../src/adapters/slack/stand-in/demo-workspace';
import type { CampaignProgress } from '../src/core/domain/campaigns/model';
import { campaignWorkflowId } from '../src/core/workflows/definitions';
import {
  compromisedCertificateFiles,
  importAndStartCompromiseCampaign,
} from '../test/support/compromised-certificates';
import { freePort } from '../test/support/ports';
import { runCertflow, type CertflowProcess } from '../test/support/processes';
import { createDevServerEnv, uniqueTaskQueue } from '../test/support/temporal';

const SIZE = Number(process.env.CERTFLOW_BENCH_CAMPAIGN_WORKERS_SIZE ?? 100);
const PARALLELISM = Number(process.env.CERTFLOW_BENCH_CAMPAIGN_PARALLELISM ?? 50);
const LEAD = 'email:sec@example.com';
/** A second worker "helps" when it cuts the time by at least this much. */
const HELPS = 1.3;
/** The machine counts as saturated above this share of all its cores busy. */
const SATURATED = 0.9;

/** CPU seconds a process has used so far (Linux). */
function cpuSecondsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime, the 14th and 15th fields of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The machine's busy and total CPU time so far, in clock ticks (Linux). */
function machineTicks(): { busy: number; total: number } {
  const ticks = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

interface Run {
  workers: number;
  seconds: number;
  replaced: number;
  /** CPU seconds of each worker process during the campaign. */
  cpu: number[];
  /** Share of all the machine's cores busy during the campaign, whoever used them. */
  machineBusy: number;
}

/** One campaign over fresh certificates and a fresh inventory, run by `workers` worker processes. */
async function campaignWith(env: TestWorkflowEnvironment, workers: number): Promise<Run> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `certflow-bench-workers-${workers}-`));
  const shared: NodeJS.ProcessEnv = {
    TEMPORAL_ADDRESS: env.address,
    CERTFLOW_DATA_DIR: path.join(folder, 'data'),
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(folder, 'data', 'inventory.sqlite')}`,
    CERTFLOW_TASK_QUEUE: uniqueTaskQueue(`bench-workers-${workers}`),
    CERTFLOW_LOG_LEVEL: 'WARN',
    CERTFLOW_SECURITY_LEADS: LEAD,
    CERTFLOW_SLACK: 'off',
    CERTFLOW_JIRA: 'off',
  };
  const processes: CertflowProcess[] = [];
  const { store } = await openInventoryDatabase({ url: shared.CERTFLOW_DATABASE_URL ?? '' });
  try {
    const { files, issuerDn } = await compromisedCertificateFiles(folder, SIZE);
    await ensureDemoOwnerGroup(store);
    for (let index = 0; index < workers; index++) {
      const worker = runCertflow(['worker'], { ...shared, CERTFLOW_HTTP_PORT: String(await freePort()) });
      processes.push(worker);
      await worker.waitForLine(/^Ctrl-C stops the worker\.$/);
    }
    const cliEnv = { ...shared, CERTFLOW_SECURITY_LEADS: '', CERTFLOW_ACTOR: LEAD };
    const id = await importAndStartCompromiseCampaign(files, issuerDn, cliEnv, { parallel: PARALLELISM });
    const pids = processes.map((worker) => worker.child.pid as number);
    const cpuBefore = pids.map(cpuSecondsOf);
    const machineBefore = machineTicks();
    const started = performance.now();
    const end = (await env.client.workflow.getHandle(campaignWorkflowId(id)).result()) as CampaignProgress;
    const seconds = (performance.now() - started) / 1000;
    const machineAfter = machineTicks();
    return {
      workers,
      seconds,
      replaced: end.counts['old-revoked'],
      cpu: pids.map((pid, index) => cpuSecondsOf(pid) - (cpuBefore[index] ?? 0)),
      machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
    };
  } finally {
    for (const worker of processes) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await store.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

function describeRun(run: Run): string {
  const cpu = run.cpu.map((seconds) => `${seconds.toFixed(1)} s (${((100 * seconds) / run.seconds).toFixed(0)}%)`);
  return (
    `  ${run.workers} worker${run.workers === 1 ? '' : 's'}: ${run.seconds.toFixed(1)} s, ` +
    `${(SIZE / run.seconds).toFixed(2)} certificates/s, ${run.replaced} of ${SIZE} replaced; worker CPU ` +
    `${cpu.join(' + ')}; the machine's ${os.cpus().length} cores ${(100 * run.machineBusy).toFixed(0)}% busy`
  );
}

/** What limits the campaign, read from the two runs. */
function bottleneck(one: Run, two: Run): string {
  const speedUp = one.seconds / two.seconds;
  if (speedUp >= HELPS) return `the worker: a second one made it ${speedUp.toFixed(2)}x as fast`;
  if (two.machineBusy >= SATURATED) {
    return (
      `the machine's CPU: its cores were ${(100 * two.machineBusy).toFixed(0)}% busy (the dev server, the ` +
      'workers and everything else on it): more workers need more cores, on other machines against a Temporal ' +
      'cluster and a PostgreSQL inventory'
    );
  }
  const workerShare = two.cpu.reduce((sum, seconds) => sum + seconds, 0) / two.seconds;
  return (
    `not the workers (together ${(100 * workerShare).toFixed(0)}% of one core) nor the machine ` +
    `(${(100 * two.machineBusy).toFixed(0)}% busy): what they wait on, the dev server's SQLite history or the ` +
    "inventory's SQLite writes, the CA's serial counter; a Temporal cluster and a PostgreSQL inventory lift both"
  );
}

const state: { env?: TestWorkflowEnvironment; runs: Run[]; done: boolean } = { runs: [], done: false };

describe(`campaign with one and with two worker processes: ${SIZE} certificates`, () => {
  bench(
    'certflow worker x1 then x2, same task queue, inventory and CA',
    async () => {
      // tinybench may call a task once more to learn whether it is async: the work runs once.
      if (state.done) return;
      state.done = true;
      state.env = await createDevServerEnv();
      try {
        for (const workers of [1, 2]) state.runs.push(await campaignWith(state.env, workers));
        const [one, two] = state.runs as [Run, Run];
        const load = os
          .loadavg()
          .map((value) => value.toFixed(1))
          .join(', ');
        process.stdout.write(
          [
            `campaign with worker processes: ${SIZE} certificates, ${PARALLELISM} at a time, load ${load} after`,
            describeRun(one),
            describeRun(two),
            `  speed-up with two workers: ${(one.seconds / two.seconds).toFixed(2)}x`,
            `  bottleneck: ${bottleneck(one, two)}`,
            `  every certificate replaced in both runs: ${one.replaced === SIZE && two.replaced === SIZE ? 'met' : 'MISSED'}`,
            '',
          ].join('\n'),
        );
      } finally {
        await state.env.teardown();
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
