import { afterEach, describe, expect, it } from 'vitest';
import { lifecycleWorkflowId, renewalWindowSuggestedSignal } from '../../../src/core/workflows/definitions';
import type { SuggestedRenewalWindow } from '../../../src/core/domain/lifecycle/ca-renewal-window';
import { createLifecycleHarness, DAY_MS, GROUP, type LifecycleHarness } from '../../support/lifecycle-harness';

let harness: LifecycleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("a lifecycle told a CA's suggested renewal window (ACME renewal information)", () => {
  it(
    'R-REN-3: a window ending before the deadline moves it there, audits it, tells the owners why; the same window again and a later one change nothing; at the moved deadline auto-renew renews',
    { timeout: 120_000 },
    async () => {
      const h = (harness = await createLifecycleHarness());
      await h.store.upsertOwnerGroup({ ...GROUP, autoRenew: true });
      const seeded = await h.seed({ daysLeft: 85, lifetimeDays: 200 });
      const id = seeded.managedCertificateId;
      await h.withWorker(async () => {
        const handle = await h.start(id);
        const first = await h.waitFor(id, (v) => v.certificate !== null, 'the first state');
        const policyDeadline = Date.parse(first.renewalDeadline ?? '');
        const now = await h.env.currentTimeMs();
        const offered: SuggestedRenewalWindow = {
          fingerprintSha256: seeded.fingerprint,
          issuer: 'acme:pebble',
          start: new Date(now + 2 * DAY_MS).toISOString(),
          end: new Date(now + 3 * DAY_MS).toISOString(),
          explanationUrl: 'https://ca.example/incidents/mass-revocation',
        };
        await handle.signal(renewalWindowSuggestedSignal, offered);
        const moved = await h.waitFor(
          id,
          (v) => v.records.some((record) => record.kind === 'renewal-window'),
          'the moved deadline',
        );
        const deadline = Date.parse(moved.renewalDeadline ?? '');
        expect(deadline).toBeGreaterThanOrEqual(Date.parse(offered.start));
        expect(deadline).toBeLessThanOrEqual(Date.parse(offered.end));
        expect(deadline).toBeLessThan(policyDeadline);

        // Asked again (the next day's check) and a later window: the deadline stays.
        await handle.signal(renewalWindowSuggestedSignal, offered);
        await handle.signal(renewalWindowSuggestedSignal, {
          ...offered,
          start: new Date(now + 10 * DAY_MS).toISOString(),
          end: new Date(now + 11 * DAY_MS).toISOString(),
        });
        // A window about a version this lifecycle does not watch is not its business.
        await handle.signal(renewalWindowSuggestedSignal, {
          ...offered,
          fingerprintSha256: 'f'.repeat(64),
          end: offered.start,
        });
        const after = await h.waitFor(id, () => true, 'the signals weighed');
        expect(after.renewalDeadline).toBe(moved.renewalDeadline);

        // At the moved deadline (days before the policy's), the group's auto-renew renews by itself.
        await h.env.sleep(deadline - now + 60_000);
        const renewed = await h.waitFor(id, (v) => v.cycle === 2 && v.certificate !== null, 'the renewal');
        expect(renewed.records.find((record) => record.kind === 'renewal.requested')?.detail).toMatch(/auto-renew/);
        await h.env.client.workflow.getHandle(lifecycleWorkflowId(id)).terminate('test done');
      });
      const early = h.notifier.ofKind('reminder').filter((reminder) => reminder.earlyRenewal !== undefined);
      expect(early).toHaveLength(1);
      expect(early[0]?.earlyRenewal).toEqual({
        issuer: 'acme:pebble',
        explanationUrl: 'https://ca.example/incidents/mass-revocation',
      });
      const audit = await h.store.queryAudit({ action: 'lifecycle.ca-renewal-window' }, { limit: 10 });
      expect(audit.items).toHaveLength(1);
      expect(audit.items[0]?.details).toMatchObject({
        issuer: 'acme:pebble',
        explanationUrl: 'https://ca.example/incidents/mass-revocation',
      });
    },
  );
});
