import { describe, expect, it } from 'vitest';
import {
  startImportedLifecycles,
  tellLifecyclesOfMetadata,
  type ImportFollowUpClients,
  type WhenLifecyclesReachable,
} from '../../../src/core/application/imported-lifecycles';
import type { ManagedCertificate } from '../../../src/core/ports/inventory-store';

/** Lifecycle and campaign clients that record what they are told; `running` lifecycles take signals. */
function recordingClients(running: readonly string[]) {
  const calls: string[] = [];
  const clients: ImportFollowUpClients = {
    lifecycles: {
      notifyReplaced: async (id, input) => {
        calls.push(`replaced ${id} ${input.fingerprintSha256} by ${input.detectedBy}`);
        return running.includes(id) ? 'signalled' : 'not-running';
      },
      ensureLifecycles: async (targets, options) => {
        const ids = [...(targets as Iterable<string>)];
        calls.push(`ensure ${ids.join(',')}`);
        options?.onProgress?.({ done: ids.length, total: null });
        return { started: ids.length, alreadyRunning: 0, skipped: [], failed: [] };
      },
      notifyInputsChanged: async (target, input) => {
        calls.push(`inputs ${JSON.stringify(target)} ${input.reason} by ${input.by}`);
        return { signalled: 1, notRunning: 0, via: 'direct' };
      },
    },
    campaigns: {
      inventoryChanged: async (by) => {
        calls.push(`campaigns by ${by}`);
        return { told: ['c1'], unreachable: [] };
      },
    },
  };
  let reached = 0;
  const whenReachable: WhenLifecyclesReachable = async (work) => {
    reached += 1;
    return { done: await work(clients) };
  };
  return { calls, whenReachable, reached: () => reached };
}

const unreachable: WhenLifecyclesReachable = async () => ({ unavailable: 'Temporal is not running' });

describe('what follows an import', () => {
  it('starts new lifecycles, tells running ones of their newer version and starts those not running, then tells campaigns', async () => {
    const { calls, whenReachable } = recordingClients(['m-running']);
    const progress: string[] = [];
    const outcome = await startImportedLifecycles(
      {
        created: ['m-new'],
        replaced: [
          { managedCertificateId: 'm-running', previousFingerprint: 'a', fingerprint: 'b' },
          { managedCertificateId: 'm-stopped', previousFingerprint: 'c', fingerprint: 'd' },
        ],
      },
      {
        whenReachable,
        actor: 'user:tester',
        progress: {
          setTotal: (total) => progress.push(`total ${total}`),
          update: (done) => progress.push(`done ${done}`),
          finish: () => progress.push('finish'),
        },
      },
    );
    expect(outcome).toEqual({
      started: 2,
      alreadyRunning: 0,
      signalled: 1,
      failed: [],
      campaigns: { told: ['c1'], unreachable: [] },
    });
    expect(calls).toEqual([
      'replaced m-running b by user:tester',
      'replaced m-stopped d by user:tester',
      'ensure m-new,m-stopped',
      'campaigns by user:tester',
    ]);
    expect(progress).toEqual(['total 2', 'done 2', 'finish']);
  });

  it('does not reach lifecycles when the import touched no managed certificate', async () => {
    const { whenReachable, reached } = recordingClients([]);
    const outcome = await startImportedLifecycles(
      { created: [], replaced: [] },
      { whenReachable, actor: 'user:tester' },
    );
    expect(outcome).toBeNull();
    expect(reached()).toBe(0);
  });

  it('says why lifecycles were not started when they cannot be reached', async () => {
    const outcome = await startImportedLifecycles(
      { created: ['m-new'], replaced: [] },
      { whenReachable: unreachable, actor: 'user:tester' },
    );
    expect(outcome).toEqual({ notStarted: 'Temporal is not running' });
  });

  it('R-OWN-1: tells the lifecycles of current versions whose metadata changed, and no one for old or retired versions', async () => {
    const managed = (id: string, currentFingerprint: string, retired = false) =>
      ({ id, currentFingerprint, retired }) as unknown as ManagedCertificate;
    const byFingerprint: Record<string, ManagedCertificate> = {
      current: managed('m1', 'current'),
      old: managed('m2', 'newer'),
      retired: managed('m3', 'retired', true),
    };
    const store = {
      findManagedCertificateByFingerprint: async (fingerprint: string) => byFingerprint[fingerprint] ?? null,
    };
    const { calls, whenReachable } = recordingClients([]);
    const told = await tellLifecyclesOfMetadata(['current', 'old', 'retired', 'unmanaged'], {
      store,
      whenReachable,
      actor: 'user:tester',
    });
    expect(told).toEqual({ done: 1 });
    expect(calls).toEqual(['inputs {"managedCertificateId":"m1"} metadata by user:tester']);
    const { whenReachable: untouched, reached } = recordingClients([]);
    expect(
      await tellLifecyclesOfMetadata(['old'], { store, whenReachable: untouched, actor: 'user:tester' }),
    ).toBeNull();
    expect(reached()).toBe(0);
  });
});
