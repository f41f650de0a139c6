import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certflowSearchAttributes } from '../../src/core/workflows/search-attributes';
import { freePort } from '../support/ports';
import { buildDist, runCertflow } from '../support/processes';
import { createDevServerEnv, uniqueTaskQueue } from '../support/temporal';

describe('certflow worker against a standalone Temporal server (the docker-compose mode)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    buildDist();
    env = await createDevServerEnv({ searchAttributes: false });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('registers its search attributes, runs workflows, and stops cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-worker-'));
    const settings = {
      TEMPORAL_ADDRESS: env.address,
      CERTFLOW_DATA_DIR: dataDir,
      CERTFLOW_HTTP_PORT: String(await freePort()),
      CERTFLOW_TASK_QUEUE: uniqueTaskQueue('worker'),
      CERTFLOW_LOG_LEVEL: 'WARN',
    };
    const worker = runCertflow(['worker'], settings);
    await worker.waitForLine(/^Ctrl-C stops the worker\.$/);
    expect(worker.stdout).toContain(
      `registered search attributes in namespace default: ${certflowSearchAttributes.map((key) => key.name).join(', ')}`,
    );
    expect(worker.stdout.join('\n')).not.toContain('Temporal Web UI');

    const canary = runCertflow(['canary', '--sleep', '0s', '--json'], settings);
    expect(await canary.exited).toBe(0);
    expect(JSON.parse(canary.stdout.join('\n'))).toMatchObject({ lateByMs: expect.any(Number) as number });

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.stdout).toContain('certflow stopped');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
