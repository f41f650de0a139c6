import { ApplicationFailure, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { CanaryActivities } from '../activities/canary';
import {
  timerCanaryStateQuery,
  type TimerCanaryInput,
  type TimerCanaryPhase,
  type TimerCanaryReport,
} from './definitions';

const { observeCanaryFired } = proxyActivities<CanaryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/** Failure type of a canary started with an input it cannot run. */
export const INVALID_CANARY_INPUT = 'InvalidCanaryInput';

/**
 * Proves the whole chain a certificate lifecycle relies on: a durable timer survives for `sleepMs`, then an
 * activity runs on a live worker and reports the server clock. `lateByMs` measures how late the timer fired.
 */
export async function timerCanaryWorkflow(input: TimerCanaryInput): Promise<TimerCanaryReport> {
  if (!Number.isFinite(input.sleepMs) || input.sleepMs < 0) {
    throw ApplicationFailure.nonRetryable(
      `sleepMs must be a non-negative number of milliseconds, got ${String(input.sleepMs)}`,
      INVALID_CANARY_INPUT,
    );
  }
  // Workflow time is deterministic: it is the time of the workflow task, replayed identically.
  const startedAtMs = Date.now();
  const dueAtMs = startedAtMs + input.sleepMs;
  let phase: TimerCanaryPhase = 'sleeping';
  setHandler(timerCanaryStateQuery, () => ({
    phase,
    startedAt: new Date(startedAtMs).toISOString(),
    dueAt: new Date(dueAtMs).toISOString(),
  }));

  // A zero-length timer still waits for the server's timer queue (about a second on the dev server): skip it.
  if (input.sleepMs > 0) await sleep(input.sleepMs);
  phase = 'reporting';
  const observation = await observeCanaryFired({ dueAt: new Date(dueAtMs).toISOString() });
  phase = 'done';
  return {
    label: input.label ?? '',
    startedAt: new Date(startedAtMs).toISOString(),
    dueAt: new Date(dueAtMs).toISOString(),
    firedAt: new Date(observation.scheduledAtMs).toISOString(),
    lateByMs: observation.scheduledAtMs - dueAtMs,
    observedBy: observation.workerIdentity,
  };
}
