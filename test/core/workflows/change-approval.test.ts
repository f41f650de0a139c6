import type { WorkflowHandle } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/core/domain/lifecycle/model';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { verifyTlsEndpoint } from '../../../src/adapters/deploy/verify-tls';
import type { certificateLifecycleWorkflow } from '../../../src/core/workflows/certificate-lifecycle';
import {
  changeTicketUpdatedSignal,
  decideRequestUpdate,
  requestRenewalUpdate,
  requestRevocationUpdate,
} from '../../../src/core/workflows/definitions';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import type { ChangeTicketUpdate } from '../../../src/core/ports/ticketing-port';
import { createLifecycleHarness, DAY_MS, PEOPLE, type LifecycleHarness } from '../../support/lifecycle-harness';

let harness: LifecycleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const CHANGE_MANAGER: Actor = { id: 'jira:5b10ac8d82e05b22cc7d4ef5', displayName: 'Cleo Change Manager' };

/** A harness whose policy requires (or not) an approved change before a renewal deploys. */
async function setUp(requireChangeApproval: boolean): Promise<LifecycleHarness> {
  harness = await createLifecycleHarness();
  harness.policy = { ...DEFAULT_POLICY, renewal: { ...DEFAULT_POLICY.renewal, requireChangeApproval } };
  return harness;
}

/** Whether the endpoint serves the certificate with this fingerprint, checked over TLS against the internal CA. */
async function serves(h: LifecycleHarness, fingerprint: string): Promise<boolean> {
  const result = await verifyTlsEndpoint({
    host: '127.0.0.1',
    port: h.endpoint.address().port,
    servername: 'api.payments.example.com',
    expectedFingerprint: fingerprint,
    trustAnchorPems: [h.ca.rootPem()],
    names: ['api.payments.example.com'],
    timeoutMs: 5_000,
  });
  return result.ok;
}

async function issuedCount(h: LifecycleHarness): Promise<number> {
  return (await h.store.queryAudit({ action: 'certificate.issued' }, { limit: 10 })).items.length;
}

/** Starts a lifecycle 85 days before expiry; the owner requests a renewal and Bob approves it. */
async function requestAndApprove(
  h: LifecycleHarness,
  managedCertificateId: string,
): Promise<WorkflowHandle<typeof certificateLifecycleWorkflow>> {
  const handle = await h.start(managedCertificateId);
  const request = await handle.executeUpdate(requestRenewalUpdate, {
    args: [{ requestedBy: PEOPLE.owner, reason: 'renew before the holidays' }],
  });
  await h.waitFor(
    managedCertificateId,
    (v) => v.records.some((r) => r.kind === 'approval.requested'),
    'the approval request',
  );
  await handle.executeUpdate(decideRequestUpdate, {
    args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
  });
  return handle;
}

/** Waits until the approved renewal is held at the change gate, with its ticket open. */
async function waitUntilHeld(h: LifecycleHarness, managedCertificateId: string): Promise<LifecycleView> {
  return await h.waitFor(
    managedCertificateId,
    (v) => v.phase === 'awaiting-approval' && v.changeApproval?.status === 'waiting' && v.ticket !== null,
    'the renewal to wait for the change approval',
  );
}

function change(
  ticketKey: string,
  decision: ChangeTicketUpdate['decision'],
  at: number,
  extra: Partial<ChangeTicketUpdate> = {},
): ChangeTicketUpdate {
  return {
    ticketKey,
    decision,
    reason: null,
    changeWindowStart: null,
    changedBy: CHANGE_MANAGER,
    at: new Date(at).toISOString(),
    ...extra,
  };
}

const renewed = (v: LifecycleView) => v.cycle === 2 && v.certificate !== null;

describe('the change-approval gate (renewal.requireChangeApproval) on the time-skipping server', () => {
  it(
    'R-RA-1, R-MON-2: without requireChangeApproval an approved renewal deploys at once, waiting for no change',
    { timeout: 60_000 },
    async () => {
      const h = await setUp(false);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const next = await h.withWorker(async () => {
        const handle = await requestAndApprove(h, seeded.managedCertificateId);
        const view = await h.waitFor(seeded.managedCertificateId, renewed, 'the next cycle');
        await handle.terminate('test done');
        return view;
      });
      expect(await serves(h, next.certificate!.fingerprintSha256)).toBe(true);
      expect(next.changeApproval).toBeNull();
      expect(next.records.filter((r) => r.kind.startsWith('change.'))).toEqual([]);
      expect(h.ticketing.tickets[0]?.transitions).toEqual(['in-progress', 'done']);
    },
  );

  it(
    'R-MON-2, R-RA-1, R-LOG-1: an approved renewal waits, deploying nothing, until its change ticket is approved; then it deploys and verifies',
    { timeout: 60_000 },
    async () => {
      const h = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const next = await h.withWorker(async () => {
        const handle = await requestAndApprove(h, seeded.managedCertificateId);
        const held = await waitUntilHeld(h, seeded.managedCertificateId);
        expect(held.changeApproval).toEqual({
          required: true,
          status: 'waiting',
          ticketKey: held.ticket!.key,
          changeWindowStart: null,
          decidedBy: null,
          reason: null,
        });
        expect(held.request?.status).toBe('approved');
        // Nothing issued or deployed: the endpoint still serves the old certificate, the ticket is not in progress.
        expect(await serves(h, seeded.fingerprint)).toBe(true);
        expect(await issuedCount(h)).toBe(0);
        expect(h.ticketing.tickets[0]?.transitions).toEqual([]);
        expect(h.ticketing.tickets[0]?.comments.at(-1)?.body).toMatch(/Deploying waits for this change to be approved/);

        await handle.signal(changeTicketUpdatedSignal, change(held.ticket!.key, 'approved', Date.now()));
        const view = await h.waitFor(seeded.managedCertificateId, renewed, 'the next cycle');
        await handle.terminate('test done');
        return view;
      });
      expect(await serves(h, next.certificate!.fingerprintSha256)).toBe(true);
      expect(next.records.map((r) => r.kind)).toEqual(
        expect.arrayContaining(['change.waiting', 'change.approved', 'certificate.issued', 'renewal.completed']),
      );
      const ticket = h.ticketing.tickets[0]!;
      expect(h.ticketing.tickets).toHaveLength(1);
      expect(ticket.transitions).toEqual(['in-progress', 'done']);
      expect(ticket.comments.map((c) => c.step)).toEqual(['approved', 'issued', 'installed', 'verified']);
      const actions = (await h.store.queryAudit({ action: 'change.' }, { limit: 10 })).items;
      expect(actions.map((entry) => [entry.action, entry.actor])).toEqual(
        expect.arrayContaining([
          ['change.waiting', expect.any(String)],
          ['change.approved', CHANGE_MANAGER.id],
        ]),
      );
    },
  );

  it(
    'R-MON-2, R-RA-1, R-LOG-1: a change approved with a window 2 days ahead deploys only once the window has started',
    { timeout: 60_000 },
    async () => {
      const h = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const { next, windowStart } = await h.withWorker(async () => {
        const handle = await requestAndApprove(h, seeded.managedCertificateId);
        const held = await waitUntilHeld(h, seeded.managedCertificateId);
        const now = await h.env.currentTimeMs();
        const windowStart = new Date(now + 2 * DAY_MS).toISOString();
        await handle.signal(
          changeTicketUpdatedSignal,
          change(held.ticket!.key, 'approved', now, { changeWindowStart: windowStart }),
        );
        const approved = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.changeApproval?.status === 'approved' && v.phase === 'awaiting-approval',
          'the wait for the change window',
        );
        expect(approved.changeApproval).toMatchObject({ changeWindowStart: windowStart, decidedBy: CHANGE_MANAGER });

        await h.env.sleep(DAY_MS);
        const midway = await h.waitFor(seeded.managedCertificateId, () => true, 'a quiet lifecycle');
        expect(midway).toMatchObject({ cycle: 1, phase: 'awaiting-approval' });
        expect(await issuedCount(h)).toBe(0);
        expect(await serves(h, seeded.fingerprint)).toBe(true);

        await h.env.sleep(DAY_MS + 60_000);
        const next = await h.waitFor(seeded.managedCertificateId, renewed, 'the next cycle');
        await handle.terminate('test done');
        return { next, windowStart };
      });
      expect(await serves(h, next.certificate!.fingerprintSha256)).toBe(true);
      const issued = next.records.find((r) => r.kind === 'certificate.issued')!;
      expect(Date.parse(issued.at)).toBeGreaterThanOrEqual(Date.parse(windowStart));
      expect(next.records.map((r) => r.kind)).toContain('change.window-waited');
    },
  );

  it(
    'R-MON-2, R-RA-1, R-LOG-1: a rejected change ends the renewal request with the reason, deploys nothing and is commented on the ticket',
    { timeout: 60_000 },
    async () => {
      const h = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const view = await h.withWorker(async () => {
        const handle = await requestAndApprove(h, seeded.managedCertificateId);
        const held = await waitUntilHeld(h, seeded.managedCertificateId);
        await handle.signal(
          changeTicketUpdatedSignal,
          change(held.ticket!.key, 'rejected', Date.now(), { reason: 'change freeze until 5 January' }),
        );
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) =>
            v.request?.status === 'rejected' && v.phase === 'monitoring' && h.notifier.ofKind('decision').length === 2,
          'the change rejection to be announced',
        );
        await handle.terminate('test done');
        return view;
      });
      expect(view.request).toMatchObject({
        decidedBy: CHANGE_MANAGER,
        decisionReason: 'change freeze until 5 January',
      });
      expect(view.changeApproval).toMatchObject({ status: 'rejected', reason: 'change freeze until 5 January' });
      expect(view.records.map((r) => r.kind)).toContain('change.rejected');
      expect(await serves(h, seeded.fingerprint)).toBe(true);
      expect(await issuedCount(h)).toBe(0);
      // The requester and owners are told through the decision path, as for an approver's decision.
      expect(h.notifier.ofKind('decision').map((n) => n.request.status)).toEqual(['approved', 'rejected']);
      expect(h.notifier.ofKind('decision')[1]?.audience.people.map((p) => p.email)).toEqual(['owner@example.com']);
      const ticket = h.ticketing.tickets[0]!;
      expect(ticket.transitions).toEqual([]);
      expect(ticket.comments.at(-1)).toMatchObject({ step: 'rejected' });
      expect(ticket.comments.at(-1)?.body).toContain('change freeze until 5 January');
      const audit = (await h.store.queryAudit({ action: 'change.rejected' }, { limit: 10 })).items;
      expect(audit).toEqual([expect.objectContaining({ actor: CHANGE_MANAGER.id })]);
    },
  );

  it(
    'R-MON-2, R-MON-3: while a renewal waits for its change approval the plan goes on: escalation at 30 days',
    { timeout: 60_000 },
    async () => {
      const h = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const view = await h.withWorker(async () => {
        const handle = await requestAndApprove(h, seeded.managedCertificateId);
        await waitUntilHeld(h, seeded.managedCertificateId);
        await h.env.sleep(56 * DAY_MS);
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'escalation'),
          'the escalation at 30 days',
        );
        await handle.terminate('test done');
        return view;
      });
      expect(view).toMatchObject({ cycle: 1, phase: 'awaiting-approval', changeApproval: { status: 'waiting' } });
      expect(h.notifier.ofKind('escalation').map((n) => n.cause)).toEqual(['not-renewed']);
      expect(h.ticketing.tickets[0]?.escalations.map((e) => e.level)).toEqual(['escalation']);
      expect(await issuedCount(h)).toBe(0);
    },
  );

  it(
    'R-REV-1: a revocation is not held at the change gate: it supersedes the renewal waiting there',
    { timeout: 60_000 },
    async () => {
      const h = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const view = await h.withWorker(async () => {
        const handle = await requestAndApprove(h, seeded.managedCertificateId);
        await waitUntilHeld(h, seeded.managedCertificateId);
        await handle.executeUpdate(requestRevocationUpdate, {
          args: [
            {
              requestedBy: PEOPLE.security,
              reason: 'key found on a paste site',
              revocationReason: 'keyCompromise',
              replace: false,
            },
          ],
        });
        const view = await h.waitFor(
          seeded.managedCertificateId,
          () => h.notifier.ofKind('approval-request').length === 2,
          'the revocation to be put to the approvers',
        );
        await handle.terminate('test done');
        return view;
      });
      expect(view.request).toMatchObject({ kind: 'revocation', status: 'awaiting-approval' });
      expect(view.changeApproval).toMatchObject({ required: true, status: null });
      expect(await issuedCount(h)).toBe(0);
    },
  );

  it(
    'R-MON-2, R-LOG-1: a signal for another ticket is ignored and recorded; pending withdraws an approval, so the window passing deploys nothing',
    { timeout: 60_000 },
    async () => {
      const h = await setUp(true);
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const next = await h.withWorker(async () => {
        const handle = await requestAndApprove(h, seeded.managedCertificateId);
        const held = await waitUntilHeld(h, seeded.managedCertificateId);
        const ticketKey = held.ticket!.key;
        const now = await h.env.currentTimeMs();

        await handle.signal(changeTicketUpdatedSignal, change('CHG-999', 'approved', now));
        const ignored = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'change.ignored'),
          'the wrong ticket to be ignored',
        );
        expect(ignored.records.find((r) => r.kind === 'change.ignored')?.detail).toMatch(
          new RegExp(`CHG-999 approved .*not this cycle's ticket \\(${ticketKey}\\)`),
        );
        expect(ignored.changeApproval?.status).toBe('waiting');

        const windowStart = new Date(now + DAY_MS).toISOString();
        await handle.signal(
          changeTicketUpdatedSignal,
          change(ticketKey, 'approved', now, { changeWindowStart: windowStart }),
        );
        await h.waitFor(
          seeded.managedCertificateId,
          (v) =>
            v.changeApproval?.status === 'approved' &&
            v.records.filter((r) => r.kind === 'change.waiting').length === 2,
          'the wait for the change window',
        );
        await handle.signal(changeTicketUpdatedSignal, change(ticketKey, 'pending', now + 1_000));
        await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.records.some((r) => r.kind === 'change.pending') && v.changeApproval?.status === 'waiting',
          'the approval to be withdrawn',
        );
        await h.env.sleep(2 * DAY_MS);
        const still = await h.waitFor(seeded.managedCertificateId, () => true, 'a quiet lifecycle');
        expect(still).toMatchObject({ cycle: 1, phase: 'awaiting-approval', changeApproval: { status: 'waiting' } });
        expect(await issuedCount(h)).toBe(0);

        await handle.signal(changeTicketUpdatedSignal, change(ticketKey, 'approved', now + 2 * DAY_MS));
        const next = await h.waitFor(seeded.managedCertificateId, renewed, 'the next cycle');
        await handle.terminate('test done');
        return next;
      });
      expect(await serves(h, next.certificate!.fingerprintSha256)).toBe(true);
      expect(next.records.filter((r) => r.kind.startsWith('change.')).map((r) => r.kind)).toEqual([
        'change.waiting',
        'change.ignored',
        'change.approved',
        'change.waiting',
        'change.pending',
        'change.waiting',
        'change.approved',
      ]);
    },
  );
});
