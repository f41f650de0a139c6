import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { timerCanaryWorkflow } from '../../src/core/workflows/timer-canary';
import { certflowSearchAttributes } from '../../src/core/workflows/search-attributes';
import { startDevServer, type DevServer } from '../../src/runtime/dev-server';
import { resolveTemporalServer } from '../../src/runtime/temporal-tools';
import { createCertflowWorker } from '../../src/runtime/worker';
import { freePort } from '../support/ports';
import { buildDist, processesMentioning, runCertflow } from '../support/processes';
import { openTestServices } from '../support/services';
import { createDevServerEnv, REPO_ROOT, uniqueTaskQueue, workflowBundle } from '../support/temporal';

const { IndexedValueType } = temporal.api.enums.v1;

/** The type each of certflow's search attributes must have, as the operator service names it. */
const WANTED_TYPES = Object.fromEntries(
  certflowSearchAttributes.map((key) => [key.name, `INDEXED_VALUE_TYPE_${key.type}`]),
);

/** certflow's custom search attributes in `namespace` with the type the server registered for each. */
async function registeredTypes(connection: Connection, namespace: string): Promise<Record<string, string>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return Object.fromEntries(
    certflowSearchAttributes
      .filter((key) => customAttributes[key.name] !== undefined)
      .map((key) => [key.name, IndexedValueType[customAttributes[key.name]!]]),
  );
}

describe('the embedded dev server as certflow start runs it, with the production worker wiring', () => {
  let dataDir: string;
  let devServer: DevServer;
  let connection: Connection;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-dev-server-'));
    const cli = resolveTemporalServer('devServer', process.env, REPO_ROOT);
    if (cli.type !== 'existing-path') throw new Error('the embedded dev server needs the provisioned Temporal CLI');
    // The production start-up path (src/runtime/dev-server.ts), not the test harness: it registers nothing itself.
    devServer = await startDevServer({
      cliPath: cli.path,
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
      dataDir,
    });
    connection = await Connection.connect({ address: devServer.address });
  });
  afterAll(async () => {
    await connection?.close();
    await devServer?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('R-MON-1: a short real timer fires and the activity runs on the worker built by createCertflowWorker', async () => {
    const taskQueue = uniqueTaskQueue('canary-dev');
    const services = await openTestServices();
    const native = await NativeConnection.connect({ address: devServer.address });
    try {
      const worker = await createCertflowWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        workflowBundle: workflowBundle(),
        identity: 'dev-server-test-worker',
        lifecycle: services.lifecycle,
      });
      const report = await worker.runUntil(
        new Client({ connection }).workflow.execute<typeof timerCanaryWorkflow>('timerCanaryWorkflow', {
          taskQueue,
          workflowId: uniqueTaskQueue('canary'),
          args: [{ sleepMs: 500 }],
        }),
      );
      expect(Date.parse(report.dueAt) - Date.parse(report.startedAt)).toBe(500);
      expect(Date.parse(report.firedAt)).toBeGreaterThanOrEqual(Date.parse(report.dueAt));
      expect(report.observedBy).toBe('dev-server-test-worker');
    } finally {
      await native.close();
      await services.close();
    }
  });

  it("registers certflow's search attributes with their types", async () => {
    expect(await registeredTypes(connection, 'default')).toEqual(WANTED_TYPES);
  });

  it('keeps the history in write-ahead-log mode with every commit synced', () => {
    // Bytes 18 and 19 of a SQLite file's header are its read and write versions: 2 in WAL mode, 1 in journal mode.
    const header = fs.readFileSync(path.join(dataDir, 'temporal.sqlite')).subarray(18, 20);
    expect([...header]).toEqual([2, 2]);
    // The sync level lives in the connection, not the file: the server is told it on its command line.
    const [server] = processesMentioning(path.join(dataDir, 'temporal.sqlite'));
    expect(server).toContain('--sqlite-pragma synchronous=full');
  });
});

describe('certflow worker on a standalone server nobody registered anything on', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    buildDist();
    env = await createDevServerEnv({ searchAttributes: false });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it("registers certflow's search attributes with their types when it starts", async () => {
    expect(await registeredTypes(env.connection, 'default')).toEqual({});
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-worker-attributes-'));
    const worker = runCertflow(['worker'], {
      TEMPORAL_ADDRESS: env.address,
      CERTFLOW_DATA_DIR: dataDir,
      CERTFLOW_HTTP_PORT: String(await freePort()),
      CERTFLOW_TASK_QUEUE: uniqueTaskQueue('attributes'),
      CERTFLOW_LOG_LEVEL: 'WARN',
    });
    try {
      await worker.waitForLine(/^Ctrl-C stops the worker\.$/);
      expect(await registeredTypes(env.connection, 'default')).toEqual(WANTED_TYPES);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
