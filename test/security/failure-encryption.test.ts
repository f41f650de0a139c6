/**
 * R-KEY-1 for failures: an activity failure names a subject, SANs and an e-mail address in its message, and Temporal
 * keeps failure messages and stack traces outside payloads unless the failure converter moves them in. With payload
 * keys set, the exported history holds none of them in clear, and a client with certflow's data converter reads
 * the message back.
 */
import { randomBytes } from 'node:crypto';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaRejectedError, type CertificateAuthorityPort } from '../../src/core/ports/certificate-authority';
import { approvedRenewal, encryptedLifecycles, seedPayrollCertificate } from '../support/encrypted-renewal';
import { openTestServices, type TestServices } from '../support/services';
import { until } from '../support/until';
import { createDevServerEnv } from '../support/temporal';
import { certificateAuthorities } from '../../src/core/ports/certificate-authorities';

const OWNER_EMAIL = 'failure-owner@example.com';
const APPROVER_EMAIL = 'failure-approver@example.com';
const CA_CONTACT = 'pki-desk-failure@example.com';

/** A CA that refuses every issuance with a message naming the subject, the SANs and a contact, as real CAs do. */
function rejectingCa(ca: CertificateAuthorityPort): CertificateAuthorityPort {
  return {
    name: ca.name,
    issue: async (request) => {
      throw new CaRejectedError(
        `renewal of ${request.subject} refused: SAN ${request.dnsNames.join(', ')} is not allowed, ask ${CA_CONTACT}`,
      );
    },
    revoke: (request) => ca.revoke(request),
    issues: (issuerDn) => ca.issues(issuerDn),
  };
}

describe('R-KEY-1: encrypted Temporal failures', () => {
  let env: TestWorkflowEnvironment;
  let services: TestServices;

  beforeAll(async () => {
    env = await createDevServerEnv();
    services = await openTestServices(
      { CERTFLOW_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}` },
      { tlsEndpoints: [{ host: '127.0.0.1', port: 0 }] },
    );
    await seedPayrollCertificate(services, {
      owner: OWNER_EMAIL,
      approvers: [APPROVER_EMAIL, 'second-failure-approver@example.com'],
    });
  });
  afterAll(async () => {
    await services?.close();
    await env?.teardown();
  });

  it(
    'R-KEY-1: a failed activity naming a subject, SAN and e-mail leaves none in clear; the client reads it back',
    { timeout: 120_000 },
    async () => {
      const { worker, client, lifecycles } = await encryptedLifecycles(env, services, {
        ...services.lifecycle,
        issuers: certificateAuthorities([rejectingCa(services.lifecycle.issuers.get('internal'))]),
      });

      const failed = await worker.runUntil(async () => {
        const id = await approvedRenewal(services, lifecycles, {
          owner: OWNER_EMAIL,
          approver: APPROVER_EMAIL,
          reason: 'routine renewal',
        });
        const handle = client.workflow.getHandle((await lifecycles.status(id)).workflowId);
        const event = await until(
          async () => {
            const history = await handle.fetchHistory();
            const failure = history.events?.find((e) => e.activityTaskFailedEventAttributes)
              ?.activityTaskFailedEventAttributes?.failure;
            return failure ? { history, failure } : undefined;
          },
          'the refused issuance',
          60_000,
        );
        await handle.terminate('test done');
        return event;
      });

      const raw = Buffer.from(temporal.api.history.v1.History.encode(failed.history).finish()).toString('latin1');
      for (const secret of ['localhost', 'CN=', CA_CONTACT, OWNER_EMAIL, APPROVER_EMAIL]) {
        expect(raw, `"${secret}" in the history`).not.toContain(secret);
      }
      expect(failed.failure.message).toBe('Encoded failure');

      const error = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failed.failure);
      expect(error?.message).toMatch(/^renewal of CN=.*localhost.* refused: SAN .*localhost.*, ask /);
      expect(error?.message).toContain(CA_CONTACT);
    },
  );
});
