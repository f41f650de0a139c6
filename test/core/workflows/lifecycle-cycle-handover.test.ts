import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import {
  decideRequestUpdate,
  LIFECYCLE_REFUSAL,
  lifecycleWorkflowId,
  requestRenewalUpdate,
} from '../../../src/core/workflows/definitions';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import { createLifecycleHarness, PEOPLE, type LifecycleHarness } from '../../support/lifecycle-harness';
import { holdAtStep } from '../../support/step-gate';

let harness: LifecycleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Starts the lifecycle and, once it has its first state, has the owner request a renewal and Bob approve it. */
async function startAndApprove(h: LifecycleHarness, managedCertificateId: string) {
  const handle = await h.start(managedCertificateId);
  await h.waitFor(managedCertificateId, (v) => v.certificate !== null, 'the first state');
  const request = await handle.executeUpdate(requestRenewalUpdate, {
    args: [{ requestedBy: PEOPLE.owner, reason: 'before the holidays' }],
  });
  await handle.executeUpdate(decideRequestUpdate, {
    args: [{ requestId: request.id, decision: 'approve', decidedBy: PEOPLE.bob }],
  });
  return { handle, request };
}

describe('a lifecycle handing over to its next cycle (continue-as-new)', () => {
  it(
    'R-RA-1: a renewal requested while the renewal completes is refused with what happened, never accepted and lost (issue 14.1)',
    { timeout: 120_000 },
    async () => {
      const h = (harness = await createLifecycleHarness());
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      // Hold the run between "renewal completed" and its continue-as-new: the ~80 ms window the user's click hit.
      const gate = holdAtStep('renewal.completed');
      const { refusal, next, first } = await h.withWorker(
        async () => {
          const { handle, request } = await startAndApprove(h, seeded.managedCertificateId);
          await gate.reached;

          const late = handle.executeUpdate(requestRenewalUpdate, {
            args: [{ requestedBy: PEOPLE.owner, reason: 'clicked an old reminder' }],
          });
          const refused = await late.then(
            (accepted) => ({ accepted }),
            (error: unknown) => ({ error }),
          );
          gate.open();
          const view: LifecycleView = await h.waitFor(
            seeded.managedCertificateId,
            (v) => v.cycle === 2 && v.certificate !== null,
            'the next cycle',
          );
          return { refusal: refused, next: view, first: request };
        },
        { wrapActivities: gate.wrap },
      );

      expect(refusal).not.toHaveProperty('accepted');
      const error = (refusal as { error: unknown }).error;
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe(LIFECYCLE_REFUSAL);
      expect(cause.details?.[0]).toBe('already-replaced');
      expect(cause.message).toMatch(/was just renewed \(request .+\): [0-9a-f]{16} replaces it/);
      // The next cycle starts clean, and nothing was asked of an approver for the refused click.
      expect(next.request).toBeNull();
      expect(h.notifier.ofKind('approval-request').filter((n) => n.request.id !== first.id)).toEqual([]);
      const requested = (await h.store.queryAudit({ action: 'renewal.requested' }, { limit: 10 })).items;
      expect(requested).toHaveLength(1);
    },
  );
  it(
    "R-CAM-4: a renewal's next run starts with the new version's context, gathered with the renewal's last step, and loads nothing (issue 21)",
    { timeout: 120_000 },
    async () => {
      const h = (harness = await createLifecycleHarness());
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const workflowId = lifecycleWorkflowId(seeded.managedCertificateId);
      const { next, runId } = await h.withWorker(async () => {
        const { handle } = await startAndApprove(h, seeded.managedCertificateId);
        const view = await h.waitFor(
          seeded.managedCertificateId,
          (v) => v.cycle === 2 && v.certificate !== null,
          'the next cycle',
        );
        return { next: view, runId: (await handle.describe()).runId };
      });
      const managed = await h.store.getManagedCertificate(seeded.managedCertificateId);
      expect(next.certificate?.fingerprintSha256).toBe(managed?.currentFingerprint);
      expect(managed?.currentFingerprint).not.toBe(seeded.fingerprint);
      const history = await h.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const scheduled = (history.events ?? []).flatMap((event) =>
        event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
          ? [event.activityTaskScheduledEventAttributes?.activityType?.name]
          : [],
      );
      expect(scheduled).not.toContain('loadLifecycleContext');
    },
  );
});
