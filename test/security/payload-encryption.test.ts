/**
 * R-KEY-1 end to end: a renewal runs on the dev server with certflow's production worker wiring and payload keys,
 * then its history, exported raw, holds no subject, SAN, e-mail or reason text in clear, while the codec endpoint
 * on certflow's HTTP server, the way the Temporal CLI and Web UI call it, reads them back.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTemporalServer } from '../../src/runtime/temporal-tools';
import { approvedRenewal, encryptedLifecycles, seedPayrollCertificate } from '../support/encrypted-renewal';
import { openTestServices, type TestServices } from '../support/services';
import { until } from '../support/until';
import { createDevServerEnv, REPO_ROOT } from '../support/temporal';

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
    await seedPayrollCertificate(services, {
      owner: OWNER_EMAIL,
      approvers: [APPROVER_EMAIL, 'second-approver@example.com'],
    });
  });
  afterAll(async () => {
    await services?.close();
    await env?.teardown();
  });

  it(
    'R-KEY-1: an exported history holds no subject, SAN, e-mail or reason text; the codec endpoint reads it',
    { timeout: 120_000 },
    async () => {
      const { worker, client, lifecycles } = await encryptedLifecycles(env, services);

      const workflowId = await worker.runUntil(async () => {
        const id = await approvedRenewal(services, lifecycles, {
          owner: OWNER_EMAIL,
          approver: APPROVER_EMAIL,
          reason: REASON,
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
