import { afterEach, describe, expect, it } from 'vitest';
import { decideRequestUpdate, requestRenewalUpdate } from '../../../src/core/workflows/definitions';
import { createLifecycleHarness, PEOPLE, type LifecycleHarness } from '../../support/lifecycle-harness';
import { holdAtStep } from '../../support/step-gate';
import { until } from '../../support/until';

let harness: LifecycleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('an approver’s decision shown on the approval request', () => {
  it(
    'R-RA-1, R-MON-1: the approval request shows the decision while the decision’s audit step is still under way, not one activity after it (issue 20)',
    { timeout: 90_000 },
    async () => {
      const h = (harness = await createLifecycleHarness());
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const id = seeded.managedCertificateId;
      const gate = holdAtStep('request.approved');
      const { shownWhileHeld, request } = await h.withWorker(
        async () => {
          const handle = await h.start(id);
          await h.waitFor(id, (v) => v.certificate !== null, 'the first state');
          const asked = await handle.executeUpdate(requestRenewalUpdate, {
            args: [{ requestedBy: PEOPLE.owner, reason: 'before the holidays' }],
          });
          await h.waitFor(id, () => h.notifier.ofKind('approval-request').length === 1, 'the approval request');
          const approved = await handle.executeUpdate(decideRequestUpdate, {
            args: [{ requestId: asked.id, decision: 'approve', decidedBy: PEOPLE.bob }],
          });
          expect(approved).toMatchObject({ id: asked.id, status: 'approved' });
          await gate.reached;
          // The audit of the approval is held: the message must change all the same.
          const shown = await until(
            () => (h.notifier.decisions.length > 0 ? [...h.notifier.decisions] : undefined),
            'the decision shown on the approval request while its audit step is held',
          ).finally(() => gate.open());
          await until(
            async () =>
              (await h.store.queryAudit({ action: 'request.approved' }, { limit: 10 })).items.length > 0 || undefined,
            'the approval audited once the gate opened',
          );
          await handle.terminate('test done');
          return { shownWhileHeld: shown, request: asked };
        },
        { wrapActivities: gate.wrap },
      );

      expect(shownWhileHeld).toHaveLength(1);
      expect(shownWhileHeld[0]!.update).toMatchObject({
        request: { id: request.id, status: 'approved' },
        decidedBy: PEOPLE.bob,
      });
      expect(shownWhileHeld[0]!.receipt.idempotencyKey).toContain(`approval/${request.id}/0`);
      const audited = (await h.store.queryAudit({ action: 'request.approved' }, { limit: 10 })).items;
      expect(audited.map((entry) => entry.actor)).toEqual([PEOPLE.bob.id]);
    },
  );
});
