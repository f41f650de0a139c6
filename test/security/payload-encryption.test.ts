/**
 * R-KEY-1 end to end: a renewal runs on the dev server with certflow's production worker wiring and payload keys,
 * then its history, exported raw, holds no subject, SAN, e-mail or reason text in clear, while the codec endpoint
 * on certflow's HTTP server, the way the Temporal CLI and Web UI call it, reads them back.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLifecycleClient } from '../../src/core/application/lifecycle-client';
import { payloadDataConverter } from '../../src/runtime/payload-codec';
import { resolveTemporalServer } from '../../src/runtime/temporal-tools';
import { bootstrapEndpointCertificates } from '../../src/runtime/services';
import { createCertflowWorker } from '../../src/runtime/worker';
import { ownerGroupFixture } from '../support/lifecycle-fixtures';
import { openTestServices, type TestServices } from '../support/services';
import { until } from '../support/until';
import { createDevServerEnv, REPO_ROOT, uniqueTaskQueue, workflowBundle } from '../support/temporal';

const run = promisify(execFile);
const CODEC_TOKEN = randomBytes(24).toString('hex');
const REASON = 'suspected compromise of the payroll frontend R-KEY-1-marker';
const OWNER_EMAIL = 'payload-owner@example.com';
const APPROVER_EMAIL = 'payload-approver@example.com';

describe('R-KEY-1: encrypted Temporal payloads', () => {
  let env: TestWorkflowEnvironment;
  let services: TestServices;

  beforeAll(async () => {
    env = await createDevServerEnv();
    services = await openTestServices(
      {
        CERTFLOW_PAYLOAD_KEYS: `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`,
        CERTFLOW_CODEC_TOKEN: CODEC_TOKEN,
      },
      { tlsEndpoints: [{ host: '127.0.0.1', port: 0 }] },
    );
    await services.store.upsertOwnerGroup(
      ownerGroupFixture({
        id: 'payroll',
        name: 'Payroll',
        contacts: [{ email: OWNER_EMAIL }],
        approvers: [{ email: APPROVER_EMAIL }, { email: 'second-approver@example.com' }],
        slack: {},
      }),
    );
  });
  afterAll(async () => {
    await services?.close();
    await env?.teardown();
  });

  it(
    'R-KEY-1: an exported history holds no subject, SAN, e-mail or reason text; the codec endpoint reads it',
    { timeout: 120_000 },
    async () => {
      await bootstrapEndpointCertificates(services, { ownerGroup: 'payroll', lifetimeDays: 90, now: new Date() });
      const taskQueue = uniqueTaskQueue('payload-encryption');
      const worker = await createCertflowWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        workflowBundle: workflowBundle(),
        lifecycle: services.lifecycle,
        payloadKeys: services.config.payloadKeys,
      });
      const client = new Client({
        connection: env.connection,
        namespace: 'default',
        dataConverter: payloadDataConverter(services.config.payloadKeys),
      });
      const lifecycles = createLifecycleClient({ client, taskQueue, store: services.store });

      const workflowId = await worker.runUntil(async () => {
        await lifecycles.syncLifecycles();
        let id = '';
        for await (const batch of services.store.eachManagedCertificate({}, 10)) id = batch[0]?.managed.id ?? id;
        const request = await lifecycles.requestRenewal(id, {
          requestedBy: { id: `email:${OWNER_EMAIL}` },
          reason: REASON,
        });
        await until(async () => {
          const view = await lifecycles.status(id);
          return view.records.some((record) => record.kind === 'approval.requested') ? view : undefined;
        }, 'the approval request');
        await lifecycles.decide({
          requestId: request.id,
          decision: 'approve',
          decidedBy: { id: `email:${APPROVER_EMAIL}` },
        });
        const renewed = await until(
          async () => {
            const view = await lifecycles.status(id);
            return view.cycle === 2 ? view : undefined;
          },
          'the renewal',
          60_000,
        );
        await client.workflow.getHandle(renewed.workflowId).terminate('test done');
        return renewed.workflowId;
      });

      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      const secrets = ['localhost', OWNER_EMAIL, APPROVER_EMAIL, REASON, 'R-KEY-1-marker'];
      for (const secret of secrets) expect(raw, `"${secret}" in the history`).not.toContain(secret);
      expect(raw).toContain('binary/encrypted');

      // The Temporal CLI, pointed at the codec endpoint with the token, shows the same history in clear.
      const cli = resolveTemporalServer('devServer', process.env, REPO_ROOT);
      if (cli.type !== 'existing-path')
        throw new Error('the Temporal CLI is not provisioned (npm test runs bootstrap)');
      const show = (...extra: string[]) =>
        run(
          cli.path,
          [
            'workflow',
            'show',
            '--workflow-id',
            workflowId,
            '--address',
            env.address,
            '--output',
            'json',
            '--codec-endpoint',
            `${services.http.url}/codec`,
            ...extra,
          ],
          { maxBuffer: 64 * 1024 * 1024 },
        );
      const { stdout } = await show('--codec-auth', `Bearer ${CODEC_TOKEN}`);
      expect(payloadText(stdout)).toContain(OWNER_EMAIL);
      expect(payloadText(stdout)).toContain(REASON);
      expect(stdout).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
      // Without the token the endpoint refuses, and the CLI shows nothing in clear.
      const refused = await show().then(
        ({ stdout: text }) => text,
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
      expect(payloadText(refused)).not.toContain(OWNER_EMAIL);
    },
  );
});

/** The text of every payload's data in `temporal workflow show --output json`, which prints data as base64. */
function payloadText(json: string): string {
  return [...json.matchAll(/"data": "([A-Za-z0-9+/=]*)"/g)]
    .map(([, data]) => Buffer.from(data ?? '', 'base64').toString('utf8'))
    .join('\n');
}
