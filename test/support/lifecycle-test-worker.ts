/**
 * Runs the stand-in lifecycle workflow (lifecycle-test-workflow.ts) on a worker of a test's own: bundled once per
 * test file, so the client and CLI tests never depend on the real workflow being written at the same time.
 */
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';

let bundle: Promise<WorkflowBundle> | null = null;

/** The stand-in lifecycle workflow's bundle, built on first use. */
export function lifecycleTestBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'lifecycle-test-workflow.ts'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

/** A running worker for the stand-in lifecycle workflow; `stop` shuts it down and waits for it. */
export interface LifecycleTestWorker {
  stop(): Promise<void>;
}

/** Starts a worker polling `taskQueue` on `env` for the stand-in lifecycle workflow. */
export async function startLifecycleTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
): Promise<LifecycleTestWorker> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await lifecycleTestBundle(),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}
