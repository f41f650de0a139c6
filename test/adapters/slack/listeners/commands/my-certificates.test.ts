import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dueCertificates,
  pendingApprovals,
  resolveCertificateTarget,
} from '../../../../../src/adapters/slack/listeners/commands/my-certificates';
import { DEFAULT_POLICY } from '../../../../../src/core/domain/policy/load-policy';
import { openInventoryStore } from '../../../../../src/adapters/database/database';
import { importCertificates } from '../../../../../src/core/application/import-certificates';
import { decodeCertificateFiles } from '../../../../../src/adapters/certificate-files/decode-certificate-file';
import type { InventoryStore } from '../../../../../src/core/ports/inventory-store';
import type { LifecycleView } from '../../../../../src/core/domain/lifecycle/lifecycle-view';
import { createIntermediateCa, createLeaf, createRootCa } from '../../../../support/certificate-factory';
import { ownerGroupFixture, requestFixture, summaryFixture } from '../../../../support/lifecycle-fixtures';
import { DAY_MS } from '../../../../../src/core/domain/duration';

const NOW = new Date('2026-06-01T00:00:00Z');
/** More certificates than are matched one lookup each, so the batched pass over the managed ones runs. */
const MANY = 230;
const BOB = { id: 'email:bob@example.com' };

let store: InventoryStore;
let ids: string[];
const issuing = createIntermediateCa(createRootCa());

/** A fake state query that counts calls and the most in flight at once; each lifecycle waits for approval. */
function countingLifecycles() {
  const counts = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const status = async (managedCertificateId: string): Promise<LifecycleView> => {
    counts.calls += 1;
    counts.inFlight += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
    await new Promise<void>((resolve) => setImmediate(resolve));
    counts.inFlight -= 1;
    const requestedBy = managedCertificateId === ids[0] ? BOB : { id: 'email:alice@example.com' };
    return {
      managedCertificateId,
      certificate: summaryFixture({ managedCertificateId }),
      request: requestFixture({ id: `${managedCertificateId}.1.1`, status: 'awaiting-approval', requestedBy }),
    } as LifecycleView;
  };
  return { counts, lifecycles: { status } };
}

beforeAll(async () => {
  store = await openInventoryStore({ url: ':memory:' });
  await store.upsertOwnerGroup(ownerGroupFixture({ id: 'bulk', approvers: [{ email: 'bob@example.com' }] }));
  const sources = Array.from({ length: MANY }, (_, index) => {
    const leaf = createLeaf(issuing, {
      subject: `CN=host-${index}.example.com, O=Example Corp, C=US`,
      notBefore: new Date(NOW.getTime() - 100 * DAY_MS),
      notAfter: new Date(NOW.getTime() + (index + 1) * DAY_MS),
    });
    return { name: `host-${index}.pem`, bytes: new TextEncoder().encode(leaf.pem) };
  });
  const report = await importCertificates(decodeCertificateFiles(sources), {
    store,
    policy: DEFAULT_POLICY,
    actor: 'user:tester',
    where: 'test',
    now: () => NOW,
    metadata: { ownerGroup: 'bulk' },
  });
  expect(report.errors).toEqual([]);
  ids = [];
  for await (const batch of store.eachManagedCertificate({}, 1000)) ids.push(...batch.map((item) => item.managed.id));
  for (const id of ids) {
    await store.updateManagedLifecycle(id, { phase: 'awaiting-approval', detail: null }, NOW.toISOString());
  }
});

afterAll(async () => {
  await store?.close();
});

describe('what /certflow and App Home gather', () => {
  it('R-MON-1: a big group lists every due certificate but queries only the lifecycles shown, a few at a time', async () => {
    const { counts, lifecycles } = countingLifecycles();
    const due = await dueCertificates({ store, lifecycles, log: () => undefined }, ['bulk'], {
      now: NOW,
      withinDays: MANY,
      show: 20,
    });
    expect(due).toHaveLength(MANY);
    expect(due[0]?.certificate.commonName).toBe('host-0.example.com');
    expect(due.filter((item) => item.openRequest !== null)).toHaveLength(20);
    expect(counts.calls).toBe(20);
    expect(counts.maxInFlight).toBeGreaterThan(1);
    expect(counts.maxInFlight).toBeLessThanOrEqual(8);
  });

  it('R-RA-2: pending approvals query at most what fits, leave out my own requests and count the rest', async () => {
    const { counts, lifecycles } = countingLifecycles();
    const found = await pendingApprovals({ store, lifecycles, log: () => undefined }, BOB, ['bulk'], 10);
    expect(counts.calls).toBe(10);
    expect(found.approvals).toHaveLength(9);
    expect(found.approvals.map((item) => item.request.requestedBy.id)).not.toContain(BOB.id);
    expect(found.unchecked).toBe(MANY - 10);
  });

  it('R-SEC-2: nobody approves in no group, and nothing is asked', async () => {
    const { counts, lifecycles } = countingLifecycles();
    expect(await pendingApprovals({ store, lifecycles, log: () => undefined }, BOB, [], 10)).toEqual({
      approvals: [],
      unchecked: 0,
    });
    expect(counts.calls).toBe(0);
  });

  it("a renewed certificate's past version, expiring sooner, neither lists it twice nor in its place", async () => {
    await store.upsertOwnerGroup(ownerGroupFixture({ id: 'small' }));
    const versions = [
      { notBeforeDaysAgo: 100, daysLeft: 5 },
      { notBeforeDaysAgo: 10, daysLeft: 50 },
    ].map(({ notBeforeDaysAgo, daysLeft }, index) => ({
      name: `renewed-${index}.pem`,
      bytes: new TextEncoder().encode(
        createLeaf(issuing, {
          subject: 'CN=renewed.example.com, O=Example Corp, C=US',
          notBefore: new Date(NOW.getTime() - notBeforeDaysAgo * DAY_MS),
          notAfter: new Date(NOW.getTime() + daysLeft * DAY_MS),
        }).pem,
      ),
    }));
    for (const version of versions) {
      await importCertificates(decodeCertificateFiles([version]), {
        store,
        policy: DEFAULT_POLICY,
        actor: 'user:tester',
        where: 'test',
        now: () => NOW,
        metadata: { ownerGroup: 'small' },
      });
    }
    const { lifecycles } = countingLifecycles();
    const due = await dueCertificates({ store, lifecycles, log: () => undefined }, ['small'], {
      now: NOW,
      withinDays: 60,
      show: 10,
    });
    expect(due.map((item) => item.certificate.notAfter)).toEqual([new Date(NOW.getTime() + 50 * DAY_MS).toISOString()]);
  });

  it('finds a certificate by any of its names, case-insensitively, and says when none has the name', async () => {
    const managed = await resolveCertificateTarget(store, 'HOST-7.example.com');
    expect(managed.id).toBe((await store.getCertificate(managed.currentFingerprint))?.id);
    await expect(resolveCertificateTarget(store, 'host-7.example')).rejects.toThrow(
      /no managed certificate is named "host-7.example"/,
    );
  });
});
