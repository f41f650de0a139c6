import fs from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { CaUnavailableError } from '../../../src/core/ports/certificate-authority';
import { x509 } from '../../../src/adapters/shared/x509';
import { verifyTlsEndpoint } from '../../../src/adapters/deploy/verify-tls';
import type { LifecycleRequest } from '../../../src/core/domain/lifecycle/model';
import type { LifecycleNotification } from '../../../src/core/ports/notification-port';
import type { certificateLifecycleWorkflow } from '../../../src/core/workflows/certificate-lifecycle';
import {
  certificateReplacedSignal,
  decideRequestUpdate,
  LIFECYCLE_REFUSAL,
  lifecycleInputsChangedSignal,
  lifecycleWorkflowId,
  requestRenewalUpdate,
  requestRevocationUpdate,
} from '../../../src/core/workflows/definitions';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import { createLifecycleHarness, DAY_MS, GROUP, PEOPLE, type LifecycleHarness } from '../../support/lifecycle-harness';
import { workflowBundle } from '../../support/temporal';

let harness: LifecycleHarness | undefined;
const HISTORIES = path.join(__dirname, 'histories');

async function setUp(): Promise<LifecycleHarness> {
  harness = await createLifecycleHarness();
  return harness;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Days between a notification's instant and the certificate's notAfter. */
function daysBefore(notification: Pick<LifecycleNotification, 'dueAt'>, notAfter: string): number {
  return (Date.parse(notAfter) - Date.parse(notification.dueAt)) / DAY_MS;
}

async function refusalOf(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const failure = cause as ApplicationFailure;
  expect({ type: failure.type, message: failure.message }).toEqual({
    type: LIFECYCLE_REFUSAL,
    message: failure.message,
  });
  return { code: failure.details?.[0], message: failure.message };
}

/** Every run of a lifecycle, following continue-as-new from the first run. */
async function allHistories(
  h: LifecycleHarness,
  workflowId: string,
  firstRunId: string,
): Promise<temporal.api.history.v1.IHistory[]> {
  const histories: temporal.api.history.v1.IHistory[] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history = await h.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push(history);
    const last = history.events?.at(-1);
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return histories;
}

/** Checks over TLS what the harness's endpoint serves for api.payments.example.com, against the internal CA's root. */
async function endpointServes(h: LifecycleHarness, expectedFingerprint: string) {
  return await verifyTlsEndpoint({
    host: '127.0.0.1',
    port: h.endpoint.address().port,
    servername: 'api.payments.example.com',
    expectedFingerprint,
    trustAnchorPems: [h.ca.rootPem()],
    names: ['api.payments.example.com'],
    timeoutMs: 5_000,
  });
}

async function revokedSerials(h: LifecycleHarness): Promise<string[]> {
  const crl = new x509.X509Crl(await h.ca.crlDer());
  return crl.entries.map((entry) => entry.serialNumber.toLowerCase());
}

describe('certificateLifecycleWorkflow on the time-skipping server', () => {
  it(
    'R-RA-1, R-REN-1, R-REN-2, R-REV-1, R-KEY-1, R-LOG-1: requested at 85 days, approved, issued, installed on a TLS endpoint, verified, ticket closed, old certificate revoked 5 days later',
    { timeout: 90_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const workflowId = lifecycleWorkflowId(seeded.managedCertificateId);
      const { firstRunId, renewed } = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        // Found 85 days before expiry: the 90-day reminder is caught up once.
        await h.waitFor(
          seeded.managedCertificateId,
          () => h.notifier.ofKind('reminder').length === 1,
          'the catch-up reminder',
        );
        const request = await requestRenewal(h, handle, seeded.managedCertificateId, 'renew before the holidays');
        const approval = h.notifier.ofKind('approval-request')[0]!;
        expect(approval.audience.people.map((p) => p.email)).toEqual(['ann@example.com', 'bob@example.com']);
        expect(approval.request.requestedBy).toEqual(PEOPLE.owner);

        const approved = await handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob, reason: 'go' }],
        });
        expect(approved).toMatchObject({ status: 'approved', decidedBy: PEOPLE.bob });

        const next = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.cycle === 2 && v.certificate !== null,
          'the next cycle',
        );
        expect(next.phase).toBe('revocation-pending');
        expect(next.pendingRevocation).toMatchObject({ serialNumber: seeded.serialNumber, reason: 'superseded' });
        expect(await revokedSerials(h)).not.toContain(seeded.serialNumber);
        const fresh = next.certificate!;
        const served = await endpointServes(h, fresh.fingerprintSha256);
        expect(served).toMatchObject({ ok: true, chainComplete: true, namesMatch: true });
        // The next cycle is planned for the new certificate, from its own notAfter.
        expect(next.plan.every((entry) => entry.status === 'planned')).toBe(true);
        expect(next.plan.at(-1)).toMatchObject({ kind: 'expiry', at: fresh.notAfter });
        expect(Date.parse(fresh.notAfter) - Date.parse(seeded.notAfter)).toBeGreaterThan(14 * DAY_MS);

        await h.env.sleep(5 * DAY_MS + 60_000);
        const revoked = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.pendingRevocation === null && v.phase === 'monitoring',
          'the revocation',
        );
        await handle.terminate('test done');
        return { firstRunId: handle.firstExecutionRunId, renewed: revoked };
      });

      expect(await revokedSerials(h)).toContain(seeded.serialNumber);
      const ticket = h.ticketing.tickets[0]!;
      expect(h.ticketing.tickets).toHaveLength(1);
      expect(ticket.transitions).toEqual(['in-progress', 'done']);
      expect(ticket.comments.map((c) => c.step)).toEqual(['approved', 'issued', 'installed', 'verified', 'revoked']);
      // Reminders stopped with the renewal: the only reminder is the one caught up at the start.
      expect(h.notifier.ofKind('reminder')).toHaveLength(1);
      expect(h.notifier.decisions.map((d) => d.update.decidedBy)).toEqual([PEOPLE.bob]);
      expect(h.notifier.ofKind('renewal-progress').map((n) => n.step)).toEqual(['installed-and-verified']);

      const managed = await h.store.getManagedCertificate(seeded.managedCertificateId);
      expect(managed).toMatchObject({
        currentFingerprint: renewed.certificate?.fingerprintSha256,
        phase: 'monitoring',
      });
      const actions = (await h.store.queryAudit({}, { limit: 200 })).items.map((entry) => entry.action);
      for (const action of [
        'renewal.requested',
        'notification.approval-request',
        'request.approved',
        'ticket.opened',
        'key.generated',
        'certificate.issued',
        'certificate.installed',
        'certificate.verified',
        'renewal.completed',
        'certificate.revoked',
      ]) {
        expect(actions, action).toContain(action);
      }
      expect(actions.filter((action) => action === 'certificate.issued')).toHaveLength(1);

      // R-KEY-1: no private key material in any event of any run.
      const histories = await allHistories(h, workflowId, firstRunId);
      expect(histories.length).toBe(2);
      const keyRef =
        renewed.pendingRevocation === null
          ? await h.keyStore.readPrivateKeyPem(`${seeded.managedCertificateId}/c2-1`)
          : '';
      const keyBody = keyRef
        .split('\n')
        .filter((line) => !line.startsWith('-----'))
        .join('');
      expect(keyBody.length).toBeGreaterThan(100);
      for (const history of histories) {
        const text = historyToJSON(history);
        expect(text).not.toMatch(/PRIVATE KEY/);
        expect(text).not.toContain(keyBody.slice(0, 64));
        await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history)).resolves.toBeUndefined();
      }
      if (process.env.CERTFLOW_RECORD_HISTORIES === '1') {
        const day = new Date().toISOString().slice(0, 10);
        histories.forEach((history, index) => {
          const file = path.join(HISTORIES, `lifecycle-happy-path-run${index + 1}-${day}.json`);
          fs.writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
        });
      }
    },
  );

  it(
    'R-MON-1, R-MON-2, R-MON-3: with nobody acting, reminders at 90/60/30 days, the ticket at 60, escalation at 30, then the expiry incident',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 100, lifetimeDays: 200 });
      const result = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        const view = await h.waitFor(seeded.managedCertificateId, (v) => v.plan.length > 0, 'the dated plan');
        expect(view.plan.map((entry) => [entry.kind, entry.offsetDays])).toEqual([
          ['reminder', 90],
          ['reminder', 60],
          ['ticket', 60],
          ['reminder', 30],
          ['renewal-deadline', 30],
          ['escalation', 30],
          ['expiry', 0],
        ]);
        for (const entry of view.plan) {
          expect(Date.parse(seeded.notAfter) - Date.parse(entry.at)).toBe(entry.offsetDays * DAY_MS);
        }
        return await handle.result();
      });

      expect(result.outcome).toBe('expired');
      const sent = h.notifier.sent.map((n) => [n.kind, Math.round(daysBefore(n, seeded.notAfter) * 1000) / 1000]);
      // The owners keep their 30-day reminder when management is told (issue 14.7): reminders at 90, 60 AND 30.
      expect(sent.map(([kind]) => kind)).toEqual(['reminder', 'reminder', 'reminder', 'escalation', 'incident']);
      // Timers fire on the skipped clock at their instant; an activity in between may add a moment of wall time.
      const reminders = h.notifier.ofKind('reminder');
      expect(daysBefore(reminders[0]!, seeded.notAfter)).toBeCloseTo(90, 3);
      expect(daysBefore(reminders[1]!, seeded.notAfter)).toBeCloseTo(60, 3);
      expect(daysBefore(reminders[2]!, seeded.notAfter)).toBeCloseTo(30, 3);
      expect(reminders[2]!.renewalDeadline).toBe(new Date(Date.parse(seeded.notAfter) - 30 * DAY_MS).toISOString());
      expect(daysBefore(h.notifier.ofKind('escalation')[0]!, seeded.notAfter)).toBeCloseTo(30, 3);
      expect(daysBefore(h.notifier.ofKind('incident')[0]!, seeded.notAfter)).toBeCloseTo(0, 3);
      expect(reminders.map((n) => n.audience.people.map((p) => p.email))).toEqual([
        ['owner@example.com'],
        ['owner@example.com'],
        ['owner@example.com'],
      ]);
      expect(h.notifier.ofKind('escalation')[0]!.audience.people.map((p) => p.email)).toEqual([
        'boss@example.com',
        'ir@example.com',
      ]);

      expect(h.ticketing.tickets).toHaveLength(1);
      const ticket = h.ticketing.tickets[0]!;
      expect(ticket.request.renewalDeadline).toBe(new Date(Date.parse(seeded.notAfter) - 30 * DAY_MS).toISOString());
      expect(ticket.escalations.map((e) => e.level)).toEqual(['escalation', 'incident']);
      // The 60-day reminder is commented on the ticket opened with it.
      expect(ticket.comments.map((c) => c.step)).toEqual(['reminder']);

      const audit = await h.store.queryAudit({ action: 'notification.' }, { limit: 100 });
      expect(audit.items.map((entry) => entry.action)).toEqual([
        'notification.reminder',
        'notification.reminder',
        'notification.reminder',
        'notification.escalation',
        'notification.incident',
      ]);
      expect(new Set(audit.items.map((entry) => entry.where))).toEqual(
        new Set([lifecycleWorkflowId(seeded.managedCertificateId)]),
      );
      const managed = await h.store.getManagedCertificate(seeded.managedCertificateId);
      expect(managed?.phase).toBe('expired');
    },
  );

  it(
    'R-MON-1, R-MON-4: a 20-day certificate is reminded at 12, 8 and 4 days before expiry (80% rule)',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 19.5, lifetimeDays: 20 });
      await h.withWorker(async () => (await h.start(seeded.managedCertificateId)).result());
      const reminders = h.notifier
        .ofKind('reminder')
        .map((n) => Math.round(daysBefore(n, seeded.notAfter) * 1000) / 1000);
      expect(reminders[0]).toBeCloseTo(12, 2);
      expect(reminders[1]).toBeCloseTo(8, 2);
      expect(reminders[2]).toBeCloseTo(4, 2);
      expect(reminders).toHaveLength(3);
      expect(daysBefore(h.notifier.ofKind('escalation')[0]!, seeded.notAfter)).toBeCloseTo(4, 2);
      const deadline = h.ticketing.tickets[0]!.request.renewalDeadline;
      expect((Date.parse(seeded.notAfter) - Date.parse(deadline)) / DAY_MS).toBeCloseTo(4, 2);
    },
  );

  it('R-RA-2: strangers cannot request, non-approvers and the requester cannot approve; the refusal says why', async () => {
    const h = await setUp();
    const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
    await h.withWorker(async () => {
      const handle = await h.start(seeded.managedCertificateId);
      const stranger = await refusalOf(
        handle.executeUpdate(requestRenewalUpdate, { args: [{ requestedBy: PEOPLE.stranger, reason: 'please' }] }),
      );
      expect(stranger.code).toBe('not-owner');
      const selfApproved = await refusalOf(
        handle.executeUpdate(requestRenewalUpdate, {
          args: [{ requestedBy: PEOPLE.ann, reason: 'mine', preApprovedBy: PEOPLE.ann }],
        }),
      );
      expect(selfApproved.code).toBe('self-approval');

      const request = await handle.executeUpdate(requestRenewalUpdate, {
        args: [{ requestedBy: PEOPLE.ann, reason: 'due soon' }],
      });
      expect(request.status).toBe('awaiting-approval');
      expect(request.id).toBe(`${seeded.managedCertificateId}.1.1`);
      // Asking again returns the open request instead of opening another.
      const again = await handle.executeUpdate(requestRenewalUpdate, {
        args: [{ requestedBy: PEOPLE.owner, reason: 'me too' }],
      });
      expect(again.id).toBe(request.id);

      const owner = await refusalOf(
        handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.owner }],
        }),
      );
      expect(owner).toEqual({
        code: 'not-approver',
        message:
          'only approvers of group payments-web can approve or reject this request; email:owner@example.com is not one',
      });
      const self = await refusalOf(
        handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.ann }],
        }),
      );
      expect(self.code).toBe('self-approval');
      const rejected = await handle.executeUpdate(decideRequestUpdate, {
        args: [{ requestId: request.id, decision: 'reject', decidedBy: PEOPLE.bob, reason: 'wait for the freeze' }],
      });
      expect(rejected.status).toBe('rejected');
      const twice = await refusalOf(
        handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
        }),
      );
      expect(twice.code).toBe('already-decided');
      const view = await h.waitFor(
        seeded.managedCertificateId,
        (v: LifecycleView) =>
          v.records.some((r) => r.kind === 'request.rejected') && h.notifier.ofKind('decision').length > 0,
        'the rejection to be announced',
      );
      expect(view.request?.decisionReason).toBe('wait for the freeze');
      await handle.terminate('test done');
    });
    expect(h.notifier.ofKind('approval-request')).toHaveLength(1);
    expect(h.notifier.decisions.map((d) => d.update.request.status)).toEqual(['rejected']);
    // 85 days before expiry the change ticket is not due yet (60 days), and a rejected request does not open one.
    expect(h.ticketing.tickets).toEqual([]);
    const audit = await h.store.queryAudit({ action: 'request.rejected' }, { limit: 10 });
    expect(audit.items).toEqual([
      expect.objectContaining({ actor: PEOPLE.bob.id, where: lifecycleWorkflowId(seeded.managedCertificateId) }),
    ]);
  });

  /** Has the owner request a renewal and waits until the approvers were asked; returns the request. */
  async function requestRenewal(
    h: LifecycleHarness,
    handle: WorkflowHandle<typeof certificateLifecycleWorkflow>,
    managedCertificateId: string,
    reason: string,
  ): Promise<LifecycleRequest> {
    const request = await handle.executeUpdate(requestRenewalUpdate, {
      args: [{ requestedBy: PEOPLE.owner, reason }],
    });
    await h.waitFor(
      managedCertificateId,
      (v) => v.records.some((r) => r.kind === 'approval.requested'),
      'the approval request',
    );
    return request;
  }

  /** Starts a lifecycle 85 days before expiry, has the owner request and Bob approve; returns the request id. */
  async function requestAndApprove(h: LifecycleHarness, managedCertificateId: string): Promise<string> {
    const handle = await h.start(managedCertificateId);
    const request = await requestRenewal(h, handle, managedCertificateId, 'renew');
    await handle.executeUpdate(decideRequestUpdate, {
      args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
    });
    return request.id;
  }

  it('R-RA-3: an unanswered approval is re-sent after 3 days and escalated after 6', { timeout: 60_000 }, async () => {
    const h = await setUp();
    const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
    const requestedAt = await h.withWorker(async () => {
      const handle = await h.start(seeded.managedCertificateId);
      const request = await requestRenewal(h, handle, seeded.managedCertificateId, 'renew');
      await h.env.sleep(3 * DAY_MS + 60_000);
      await h.waitFor(
        seeded.managedCertificateId,
        (v) => v.records.some((r) => r.kind === 'approval.re-sent'),
        'the re-send',
      );
      await h.env.sleep(3 * DAY_MS);
      const view = await h.waitFor(
        seeded.managedCertificateId,
        (v) => v.request?.approvalEscalated === true && h.notifier.ofKind('escalation').length > 0,
        'the escalation',
      );
      expect(view.request).toMatchObject({ id: request.id, status: 'awaiting-approval', approvalReminders: 1 });
      await handle.terminate('test done');
      return view.request!.requestedAt;
    });
    const approvals = h.notifier.ofKind('approval-request');
    expect(approvals.map((n) => n.reminder)).toEqual([0, 1]);
    expect(Date.parse(approvals[1]!.dueAt) - Date.parse(requestedAt)).toBeGreaterThanOrEqual(3 * DAY_MS);
    expect(Date.parse(h.notifier.ofKind('escalation')[0]!.dueAt) - Date.parse(requestedAt)).toBeGreaterThanOrEqual(
      6 * DAY_MS,
    );
    expect(h.notifier.ofKind('escalation').map((n) => [n.cause, n.audience.people.map((p) => p.email)])).toEqual([
      ['approval-overdue', ['boss@example.com', 'ir@example.com']],
    ]);
  });

  it(
    'R-REN-1: a CA outage is retried without duplicates; when it lasts, the renewal fails and is escalated',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const calls: string[] = [];
      let failuresLeft = 2;
      h.deps.ca = {
        name: 'internal',
        issue: async (request) => {
          calls.push(request.idempotencyKey);
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            throw new CaUnavailableError('the CA answered 503');
          }
          return await h.ca.issue(request);
        },
        revoke: (request) => h.ca.revoke(request),
        issues: (issuer) => h.ca.issues(issuer),
      };
      await h.withWorker(async () => {
        await requestAndApprove(h, seeded.managedCertificateId);
        await h.env.sleep(10 * 60_000);
        await h.waitFor(seeded.managedCertificateId, (v) => v.cycle === 2, 'the renewal after the outage');

        // A lasting outage: every attempt fails, the request fails and people are told; nothing is issued.
        failuresLeft = Number.POSITIVE_INFINITY;
        const second = await h.env.client.workflow
          .getHandle(lifecycleWorkflowId(seeded.managedCertificateId))
          .executeUpdate(requestRenewalUpdate, { args: [{ requestedBy: PEOPLE.owner, reason: 'again' }] });
        await h.env.client.workflow
          .getHandle(lifecycleWorkflowId(seeded.managedCertificateId))
          .executeUpdate(decideRequestUpdate, {
            args: [{ requestId: second.id, decision: 'approve', decidedBy: PEOPLE.ann }],
          });
        await h.env.sleep(6 * 60 * 60_000);
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.request?.status === 'failed',
          'the failed renewal',
        );
        expect(view.request?.failure).toMatch(/^the CA \(internal\) did not issue a certificate: the CA answered 503/);
        expect(view.lastProblem).toBe(view.request?.failure);
        await h.env.client.workflow.getHandle(lifecycleWorkflowId(seeded.managedCertificateId)).terminate('test done');
      });
      // First request: two failures then one success, all with the same key; the CA issued one certificate for it.
      const firstKey = calls[0]!;
      expect(calls.slice(0, 3)).toEqual([firstKey, firstKey, firstKey]);
      expect(calls.filter((key) => key !== firstKey)).toHaveLength(6);
      const issued = (await h.store.queryAudit({ action: 'certificate.issued' }, { limit: 10 })).items;
      expect(issued).toHaveLength(1);
      expect(h.notifier.ofKind('escalation').map((n) => n.cause)).toEqual(['renewal-failed']);
      // Each renewal cycle has its own change ticket; the failed one is escalated.
      expect(h.ticketing.tickets).toHaveLength(2);
      expect(h.ticketing.tickets[1]?.escalations.map((e) => e.reason)).toEqual([
        expect.stringMatching(/^the CA \(internal\) did not issue a certificate/),
      ]);
    },
  );

  it(
    'R-REN-2: a failed verification keeps the old certificate in service and escalates',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const [endpointDeployer] = h.deps.deployers;
      // An installer that reports success but never reloads the server: the endpoint keeps serving the old certificate.
      h.deps.deployers.splice(0, 1, {
        name: 'silent',
        supports: (location) => endpointDeployer!.supports(location),
        install: (request) =>
          Promise.resolve({
            location: request.location,
            changed: true,
            previousFingerprint: null,
            detail: 'pretended',
          }),
        verify: (request) => endpointDeployer!.verify(request),
        rollback: (input) => endpointDeployer!.rollback(input),
      });
      await h.withWorker(async () => {
        await requestAndApprove(h, seeded.managedCertificateId);
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.request?.status === 'failed',
          'the failed verification',
        );
        expect(view.cycle).toBe(1);
        expect(view.certificate?.fingerprintSha256).toBe(seeded.fingerprint);
        expect(view.request?.failure).toMatch(
          /^verification failed, the old certificate stays in place: 127\.0\.0\.1:\d+ serves certificate [0-9a-f]{64}, not the expected [0-9a-f]{64}$/,
        );
        await h.env.client.workflow.getHandle(lifecycleWorkflowId(seeded.managedCertificateId)).terminate('test done');
      });
      const served = await endpointServes(h, seeded.fingerprint);
      expect(served.ok).toBe(true);
      expect((await h.store.getManagedCertificate(seeded.managedCertificateId))?.currentFingerprint).toBe(
        seeded.fingerprint,
      );
      expect(h.notifier.ofKind('escalation').map((n) => n.cause)).toEqual(['renewal-failed']);
      expect(h.ticketing.tickets[0]?.comments.map((c) => c.step)).toContain('verification-failed');
      // The certificate that never went into service is revoked; the old one is not.
      const revoked = await revokedSerials(h);
      expect(revoked).toHaveLength(1);
      expect(revoked).not.toContain(seeded.serialNumber);
    },
  );

  it(
    'R-MON-1: a newer certificate found outside certflow ends the reminders and starts the next cycle for it',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 70, lifetimeDays: 200, slot: 'old' });
      await h.withWorker(async () => {
        await h.start(seeded.managedCertificateId);
        await h.waitFor(
          seeded.managedCertificateId,
          () => h.notifier.ofKind('reminder').length === 1,
          'the catch-up reminder',
        );
        // Someone renewed by hand: the inventory sees a newer certificate with the same names.
        const newer = await h.seed({ daysLeft: 365, lifetimeDays: 366, slot: 'by-hand' });
        expect(newer.managedCertificateId).toBe(seeded.managedCertificateId);
        await h.env.client.workflow
          .getHandle(lifecycleWorkflowId(seeded.managedCertificateId))
          .signal(certificateReplacedSignal, { fingerprintSha256: newer.fingerprint, detectedBy: 'import' });
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.cycle === 2 && v.certificate !== null,
          'the next cycle',
        );
        expect(view.certificate?.fingerprintSha256).toBe(newer.fingerprint);
        expect(view.plan.every((entry) => entry.status === 'planned')).toBe(true);
        // The old certificate's 60-day reminder never comes.
        await h.env.sleep(30 * DAY_MS);
        await h.env.client.workflow.getHandle(lifecycleWorkflowId(seeded.managedCertificateId)).terminate('test done');
      });
      expect(h.notifier.ofKind('reminder')).toHaveLength(1);
      expect(h.notifier.ofKind('renewal-progress').map((n) => n.step)).toEqual(['replaced-outside-certflow']);
      // Not certflow's to revoke: it may still be in use where it was found.
      expect(await revokedSerials(h)).toEqual([]);
    },
  );

  it(
    'R-MON-1: a policy change mid-life re-plans the reminders without repeating those already sent',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 100, lifetimeDays: 200 });
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        await h.env.sleep(11 * DAY_MS);
        await h.waitFor(
          seeded.managedCertificateId,
          () => h.notifier.ofKind('reminder').length === 1,
          'the 90-day reminder',
        );
        h.policy = { ...h.policy, schedule: { ...h.policy.schedule, reminderDays: [90, 45, 14] } };
        await handle.signal(lifecycleInputsChangedSignal, { reason: 'policy', by: 'user:alice' });
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.plan.some((entry) => entry.kind === 'reminder' && entry.offsetDays === 45),
          'the new plan',
        );
        expect(view.plan.filter((entry) => entry.kind === 'reminder').map((e) => [e.offsetDays, e.status])).toEqual([
          [90, 'done'],
          [45, 'planned'],
          [14, 'planned'],
        ]);
        expect(view.records.some((record) => record.kind === 're-planned')).toBe(true);
        await handle.result();
      });
      const reminders = h.notifier.ofKind('reminder').map((n) => Math.round(daysBefore(n, seeded.notAfter)));
      // The ticket instant (60 days, unchanged) still tells the owners, with the ticket.
      expect(reminders).toEqual([90, 60, 45, 14]);
    },
  );

  it(
    'R-REV-1: revoking a compromised key needs an owner or security lead and an approval; without replacement it retires the certificate',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const result = await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId);
        const stranger = await refusalOf(
          handle.executeUpdate(requestRevocationUpdate, {
            args: [
              { requestedBy: PEOPLE.stranger, reason: 'leaked', revocationReason: 'keyCompromise', replace: false },
            ],
          }),
        );
        expect(stranger.code).toBe('not-owner');
        const request = await handle.executeUpdate(requestRevocationUpdate, {
          args: [
            {
              requestedBy: PEOPLE.security,
              reason: 'key found on a paste site',
              revocationReason: 'keyCompromise',
              replace: false,
            },
          ],
        });
        expect(request).toMatchObject({
          kind: 'revocation',
          status: 'awaiting-approval',
          revocationReason: 'keyCompromise',
        });
        await handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.ann }],
        });
        return await handle.result();
      });
      expect(result.outcome).toBe('retired');
      expect(await revokedSerials(h)).toEqual([seeded.serialNumber]);
      expect((await h.store.getManagedCertificate(seeded.managedCertificateId))?.retired).toBe(true);
      const audit = (await h.store.queryAudit({ action: 'certificate.revoked' }, { limit: 10 })).items;
      expect(audit).toEqual([
        expect.objectContaining({
          actor: PEOPLE.ann.id,
          details: expect.objectContaining({ reason: 'keyCompromise' }),
        }),
      ]);
    },
  );

  it(
    'R-MON-2: a group with auto-renew renews by itself at the ticket instant, pre-approved by its setting',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      await h.store.upsertOwnerGroup({ ...GROUP, autoRenew: true });
      const seeded = await h.seed({ daysLeft: 59, lifetimeDays: 200 });
      await h.withWorker(async () => {
        await h.start(seeded.managedCertificateId);
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.cycle === 2 && v.certificate !== null,
          'the automatic renewal',
        );
        expect(view.records.find((record) => record.kind === 'renewal.requested')?.detail).toMatch(
          /auto-renew of group payments-web/,
        );
        await h.env.client.workflow.getHandle(lifecycleWorkflowId(seeded.managedCertificateId)).terminate('test done');
      });
      expect(h.notifier.ofKind('approval-request')).toEqual([]);
      expect(h.notifier.ofKind('decision')[0]?.request.decidedBy?.id).toBe('group:payments-web');
      expect(h.ticketing.tickets[0]?.transitions).toEqual(['in-progress', 'done']);
    },
  );

  it(
    'R-MON-1, R-LOG-1: a worker stopped mid-lifecycle and an activity whose answer is lost: the lifecycle completes on a new worker, nothing duplicated',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const [endpointDeployer] = h.deps.deployers;
      let installs = 0;
      h.deps.deployers.splice(0, 1, {
        name: 'flaky-network',
        supports: (location) => endpointDeployer!.supports(location),
        install: async (request) => {
          const result = await endpointDeployer!.install(request);
          installs += 1;
          // The first installation happens, but its answer never reaches the workflow: the activity is retried.
          if (installs === 1) throw new Error('connection reset after the certificate was installed');
          return result;
        },
        verify: (request) => endpointDeployer!.verify(request),
        rollback: (input) => endpointDeployer!.rollback(input),
      });
      const handle = await h.withWorker(
        async () => {
          const started = await h.start(seeded.managedCertificateId);
          await started.executeUpdate(requestRenewalUpdate, { args: [{ requestedBy: PEOPLE.owner, reason: 'renew' }] });
          await h.waitFor(
            seeded.managedCertificateId,
            (v) => v.records.some((r) => r.kind === 'approval.requested'),
            'the request',
          );
          return started;
        },
        // Without a workflow cache the worker holds no sticky poll, which the Java test server would keep open on
        // shutdown while the workflow still runs.
        { identity: 'worker-1', maxCachedWorkflows: 0 },
      );
      // No worker runs now: the approver's decision waits in the workflow's history.
      const request = (await h.store.queryAudit({ action: 'renewal.requested' }, { limit: 1 })).items[0]!;
      const approving = handle.executeUpdate(decideRequestUpdate, {
        args: [{ requestId: String(request.details.requestId), decision: 'approve', decidedBy: PEOPLE.bob }],
      });
      await h.withWorker(
        async () => {
          await approving;
          await h.env.sleep(5 * 60_000);
          await h.waitFor(seeded.managedCertificateId, (v) => v.cycle === 2 && v.certificate !== null, 'the renewal');
          await handle.terminate('test done');
        },
        { identity: 'worker-2' },
      );

      expect(installs).toBe(2);
      expect(h.ticketing.tickets).toHaveLength(1);
      const keys = h.notifier.sent.map((n) => n.idempotencyKey);
      expect(new Set(keys).size).toBe(keys.length);
      const audit = (await h.store.queryAudit({}, { limit: 500 })).items;
      expect(audit.filter((entry) => entry.action === 'certificate.issued')).toHaveLength(1);
      expect(audit.filter((entry) => entry.action === 'notification.approval-request')).toHaveLength(1);
      expect(audit.filter((entry) => entry.action === 'certificate.installed')).toHaveLength(1);
    },
  );

  it(
    'R-REV-1: renewing again while the previous version waits for revocation revokes it at once; none is left valid',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      await h.withWorker(async () => {
        await requestAndApprove(h, seeded.managedCertificateId);
        const second = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.cycle === 2 && v.certificate !== null,
          'cycle 2',
        );
        expect(second.pendingRevocation?.serialNumber).toBe(seeded.serialNumber);
        const handle = h.env.client.workflow.getHandle(lifecycleWorkflowId(seeded.managedCertificateId));
        const again = await handle.executeUpdate(requestRenewalUpdate, {
          args: [{ requestedBy: PEOPLE.owner, reason: 'the new key went to the wrong host' }],
        });
        expect(again.id).toBe(`${seeded.managedCertificateId}.2.1`);
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.detail === again.id),
          'the request',
        );
        await handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: again.id, decision: 'approve', decidedBy: PEOPLE.ann }],
        });
        const third = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.cycle === 3 && v.certificate !== null,
          'cycle 3',
        );
        // The first version was revoked on the way; the second waits its 5 days.
        expect(await revokedSerials(h)).toEqual([seeded.serialNumber]);
        expect(third.pendingRevocation?.serialNumber).toBe(second.certificate?.serialNumber);
        await h.env.sleep(5 * DAY_MS + 60_000);
        await h.waitFor(seeded.managedCertificateId, (v) => v.pendingRevocation === null, 'the second revocation');
        await handle.terminate('test done');
        expect((await revokedSerials(h)).sort()).toEqual(
          [seeded.serialNumber, second.certificate!.serialNumber].sort(),
        );
      });
    },
  );

  it(
    'R-REN-2: an installation certflow cannot finish is rolled back, the unused certificate revoked and never adopted; the lifecycle goes on',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      // The certificate is also installed on another host, where certflow has no agent: no deployer can install there.
      await h.store.mergeMetadata(seeded.fingerprint, {
        locations: [{ kind: 'file', path: '/etc/ssl/api.pem', host: 'lb-2.internal' }],
      });
      const view = await h.withWorker(async () => {
        await requestAndApprove(h, seeded.managedCertificateId);
        const failed = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.request?.status === 'failed' && h.notifier.ofKind('escalation').length > 0,
          'the failed installation to be escalated',
        );
        await h.env.client.workflow.getHandle(lifecycleWorkflowId(seeded.managedCertificateId)).terminate('test done');
        return failed;
      });
      expect(view.cycle).toBe(1);
      expect(view.request?.failure).toMatch(
        /^installation failed, the old certificate stays in place: cannot install at .*lb-2\.internal/,
      );
      // The endpoint got the new certificate first, and has the old one back.
      const served = await endpointServes(h, seeded.fingerprint);
      expect(served.ok).toBe(true);
      const issued = (await h.store.queryAudit({ action: 'certificate.issued' }, { limit: 5 })).items[0]!;
      const revoked = await revokedSerials(h);
      expect(revoked).toEqual([String(issued.details.serialNumber)]);
      // A later sync or import does not make the revoked certificate the current version.
      expect(await h.store.assignManagedCertificates([issued.subject], new Date().toISOString())).toEqual({
        created: [],
        replaced: [],
      });
      expect((await h.store.getManagedCertificate(seeded.managedCertificateId))?.currentFingerprint).toBe(
        seeded.fingerprint,
      );
    },
  );

  it(
    'R-MON-1: a run continues as new on its history budget, carrying the open request, the records and the plan',
    { timeout: 60_000 },
    async () => {
      const h = await setUp();
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const workflowId = lifecycleWorkflowId(seeded.managedCertificateId);
      await h.withWorker(async () => {
        const handle = await h.start(seeded.managedCertificateId, { historyEventBudget: 60 });
        const request = await requestRenewal(h, handle, seeded.managedCertificateId, 'renew');
        const firstRun = (await handle.describe()).runId;
        // Each change of inputs costs a reload (an activity) and some events, until the run passes its budget.
        let runId = firstRun;
        for (let signals = 0; runId === firstRun && signals < 40; signals += 1) {
          await handle.signal(lifecycleInputsChangedSignal, { reason: 'metadata', by: `user:test-${signals}` });
          await h.waitFor(
            seeded.managedCertificateId,
            (v) => v.records.some((r) => r.detail.includes(`test-${signals})`)),
            'the re-plan',
          );
          runId = (await handle.describe()).runId;
        }
        expect(runId).not.toBe(firstRun);
        const history = await h.env.client.workflow.getHandle(workflowId, firstRun).fetchHistory();
        expect(history.events!.length).toBeLessThan(100);
        const view = await h.waitFor(seeded.managedCertificateId, (v) => v.certificate !== null, 'the new run');
        expect(view).toMatchObject({ cycle: 1, request: { id: request.id, status: 'awaiting-approval' } });
        expect(view.records.some((r) => r.kind === 'approval.requested')).toBe(true);
        expect(view.plan.find((entry) => entry.offsetDays === 90)?.status).toBe('done');
        // The request opened before continue-as-new is decided in the new run.
        await handle.executeUpdate(decideRequestUpdate, {
          args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
        });
        await h.waitFor(seeded.managedCertificateId, (v) => v.cycle === 2 && v.certificate !== null, 'the renewal');
        await handle.terminate('test done');
      });
      // Across runs, nothing was sent twice.
      const keys = h.notifier.sent.map((n) => n.idempotencyKey);
      expect(new Set(keys).size).toBe(keys.length);
      expect(h.notifier.ofKind('approval-request')).toHaveLength(1);
    },
  );
});
