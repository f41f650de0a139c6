import { Context } from '@temporalio/activity';

/** What the canary's activity saw when the timer before it had fired. */
export interface CanaryObservation {
  /** Server time at which this attempt was scheduled, as epoch milliseconds. */
  scheduledAtMs: number;
  workerIdentity: string;
  attempt: number;
}

/** Dependencies of the canary activities. */
export interface CanaryActivityDeps {
  workerIdentity: string;
}

/** Activities of the timer canary: read-only, so safe under any number of retries. */
export function createCanaryActivities(deps: CanaryActivityDeps) {
  return {
    /** Reports the server clock at which the activity was scheduled, i.e. when the canary's timer fired. */
    async observeCanaryFired(input: { dueAt: string }): Promise<CanaryObservation> {
      const { info, log } = Context.current();
      log.info('timer canary fired', { dueAt: input.dueAt, workflowId: info.workflowExecution?.workflowId });
      return {
        scheduledAtMs: info.currentAttemptScheduledTimestampMs,
        workerIdentity: deps.workerIdentity,
        attempt: info.attempt,
      };
    },
  };
}

/** The canary activities as the workflow sees them. */
export type CanaryActivities = ReturnType<typeof createCanaryActivities>;
