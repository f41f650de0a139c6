import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../../../src/adapters/shared/http';
import type { LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import { serveApiOnHarness, type HarnessApi } from '../../support/harness-api';
import { createLifecycleHarness, PEOPLE, type LifecycleHarness } from '../../support/lifecycle-harness';

let h: LifecycleHarness;
let api: HarnessApi;
let server: RunningHttpServer;
let secrets: Readonly<Record<string, string>>;

async function post(route: string, token: string, body?: unknown): Promise<Response> {
  return await fetch(`${server.url}/api/v1${route}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  h = await createLifecycleHarness();
  api = await serveApiOnHarness(h, { owner: PEOPLE.owner, stranger: PEOPLE.stranger, ann: PEOPLE.ann });
  ({ server, secrets } = api);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await h?.close();
});

describe('lifecycles through the HTTP API (time-skipping server, SQLite inventory)', () => {
  it(
    "R-SEC-2, R-API-1: a renewal asked with the owner's token waits for an approver: a stranger's token is refused with 403, an approver's approves",
    { timeout: 120_000 },
    async () => {
      const seeded = await h.seed({ daysLeft: 150, lifetimeDays: 365 });
      await h.withWorker(async () => {
        await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (view) => view.plan.length > 0, 'the first plan');

        const status = await fetch(`${server.url}/api/v1/lifecycles/${seeded.managedCertificateId}`, {
          headers: { Authorization: `Bearer ${secrets.owner}` },
        });
        expect(status.status).toBe(200);
        expect(((await status.json()) as { managed: { id: string } }).managed.id).toBe(seeded.managedCertificateId);

        const renew = await post(`/lifecycles/${seeded.managedCertificateId}/renew`, secrets.owner!, {
          reason: 'rotate before the audit',
        });
        expect(renew.status).toBe(200);
        const request = (await renew.json()) as LifecycleRequest;
        expect(request).toMatchObject({ status: 'awaiting-approval', requestedBy: { id: PEOPLE.owner.id } });

        const refused = await post(`/lifecycles/${seeded.managedCertificateId}/approve`, secrets.stranger!, {
          requestId: request.id,
        });
        expect(refused.status).toBe(403);
        expect(refused.headers.get('content-type')).toBe('application/problem+json');
        expect(await refused.json()).toMatchObject({ status: 403, title: 'Refused' });

        const malformed = await fetch(`${server.url}/api/v1/lifecycles/${seeded.managedCertificateId}/approve`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${secrets.ann}`, 'Content-Type': 'application/json' },
          body: '{"requestId": ',
        });
        expect(malformed.status).toBe(400);
        expect(await malformed.json()).toMatchObject({ status: 400, title: 'Invalid request' });

        const foreign = await post(`/lifecycles/0123456789abcdef/approve`, secrets.ann!, { requestId: request.id });
        expect(foreign.status).toBe(404);

        const approved = await post(`/lifecycles/${seeded.managedCertificateId}/approve`, secrets.ann!, {
          requestId: request.id,
          note: 'fine',
        });
        expect(approved.status).toBe(200);
        expect(await approved.json()).toMatchObject({ id: request.id, decidedBy: { id: PEOPLE.ann.id } });

        const audit = await h.store.queryAudit({ actor: PEOPLE.stranger.id }, { limit: 10 });
        expect(audit.items.map((entry) => entry.where)).toContain('api:stranger');
      });
    },
  );
  it(
    "R-SEC-2, R-API-1: a revocation asked with the owner's token carries its reason code and waits for an approver; a stranger's token is refused",
    { timeout: 120_000 },
    async () => {
      const seeded = await h.seed({ daysLeft: 150, lifetimeDays: 365, names: ['shop.payments.example.com'] });
      await h.withWorker(async () => {
        await h.start(seeded.managedCertificateId);
        await h.waitFor(seeded.managedCertificateId, (view) => view.plan.length > 0, 'the first plan');
        const route = `/lifecycles/${seeded.managedCertificateId}/revoke`;

        const badCode = await post(route, secrets.owner!, { reason: 'leaked', reasonCode: 'stolen' });
        expect(badCode.status).toBe(400);
        expect(((await badCode.json()) as { errors: { parameter: string }[] }).errors[0]!.parameter).toBe(
          'json.reasonCode',
        );
        const refused = await post(route, secrets.stranger!, { reason: 'leaked', reasonCode: 'keyCompromise' });
        expect(refused.status).toBe(403);
        expect(((await refused.json()) as { detail: string }).detail).toContain('cannot request a revocation');

        const asked = await post(route, secrets.owner!, {
          reason: 'key in a public repo',
          reasonCode: 'keyCompromise',
        });
        expect(asked.status).toBe(200);
        expect(await asked.json()).toMatchObject({
          kind: 'revocation',
          status: 'awaiting-approval',
          revocationReason: 'keyCompromise',
          requestedBy: { id: PEOPLE.owner.id },
        });
      });
    },
  );
});
