import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundlePath } from '@temporalio/worker';
import { inject } from 'vitest';
import { resolveTemporalServer } from '../../src/runtime/temporal-tools';
import { certflowSearchAttributes } from '../../src/core/workflows/search-attributes';

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

let runtimeInstalled = false;

/** Keeps the Temporal runtime's logs to errors, once per test process: expected failures would bury real ones. */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // Another file in this process installed it first: its settings are the same.
  }
}

/** A time-skipping test server of this file's own (the Java one provisioned into .tools/). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: resolveTemporalServer('testServer', process.env, REPO_ROOT) },
  });
}

/** An in-memory Temporal dev server of this file's own, with certflow's search attributes unless told otherwise. */
export async function createDevServerEnv(
  options: { searchAttributes: boolean } = { searchAttributes: true },
): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return await TestWorkflowEnvironment.createLocal({
    server: {
      executable: resolveTemporalServer('devServer', process.env, REPO_ROOT),
      searchAttributes: options.searchAttributes ? [...certflowSearchAttributes] : [],
    },
  });
}

/** The workflow bundle global-setup built once for the whole run. */
export function workflowBundle(): WorkflowBundlePath {
  return { codePath: inject('workflowBundlePath') };
}

/** A task queue no other test uses. */
export function uniqueTaskQueue(name: string): string {
  return `${name}-${randomUUID()}`;
}
