// npm run bench: what the foundation costs. Each group has a baseline; vitest prints the ratio to it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { bench, describe } from 'vitest';
import { createCanaryActivities } from '../src/core/activities/canary';
import type { timerCanaryWorkflow } from '../src/core/workflows/timer-canary';
import {
  createDevServerEnv,
  createTimeSkippingEnv,
  REPO_ROOT,
  uniqueTaskQueue,
  workflowBundle,
} from '../test/support/temporal';
import { DAY_MS } from '../src/core/domain/duration';

/**
 * One bench task: a Temporal server and a worker polling its own task queue, started before the warm-up and
 * stopped after the timed iterations (vitest's describe hooks do not run around benches); one canary per iteration.
 */
function canaryBench(
  name: string,
  createEnv: () => Promise<TestWorkflowEnvironment>,
  sleepMs: number,
  options: { iterations: number; warmupIterations: number },
) {
  const state: { env?: TestWorkflowEnvironment; worker?: Worker; running?: Promise<void> } = {};
  const taskQueue = uniqueTaskQueue('bench');
  bench(
    name,
    async () => {
      await state.env!.client.workflow.execute<typeof timerCanaryWorkflow>('timerCanaryWorkflow', {
        taskQueue,
        workflowId: uniqueTaskQueue('canary'),
        args: [{ sleepMs }],
      });
    },
    {
      ...options,
      // tinybench calls setup before the warm-up and before the timed run, teardown after each.
      setup: async () => {
        if (state.env) return;
        state.env = await createEnv();
        state.worker = await Worker.create({
          connection: state.env.nativeConnection,
          taskQueue,
          workflowBundle: workflowBundle(),
          activities: createCanaryActivities({ workerIdentity: 'bench' }),
        });
        state.running = state.worker.run();
      },
      teardown: async (_task, mode) => {
        if (mode !== 'run') return;
        state.worker?.shutdown();
        await state.running;
        await state.env?.teardown();
      },
    },
  );
}

describe('timer canary on the time-skipping server', () => {
  const options = { iterations: 20, warmupIterations: 2 };
  canaryBench('baseline: no timer', createTimeSkippingEnv, 0, options);
  canaryBench('90-day timer (skipped)', createTimeSkippingEnv, 90 * DAY_MS, options);
});

describe('timer canary on the dev server', () => {
  const options = { iterations: 30, warmupIterations: 3 };
  canaryBench('baseline: no timer', createDevServerEnv, 0, options);
  canaryBench('100 ms real timer', createDevServerEnv, 100, options);
});

describe('set-up fast path of npm start / npm test', () => {
  const node = (args: string[]) => {
    const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}`);
  };
  bench('baseline: node -e 0', () => node(['-e', '0']), { iterations: 15, warmupIterations: 2 });
  bench(
    'node scripts/bootstrap.js (everything in place)',
    () => node([path.join('scripts', 'bootstrap.js'), '--quiet']),
    {
      iterations: 15,
      warmupIterations: 2,
    },
  );
});
