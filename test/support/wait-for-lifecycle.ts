/**
 * Waits for a lifecycle on the time-skipping server to reach a state, by query. The Java test server never answers a
 * query that is in flight when its run continues as new, and the abandoned query then blocks time skipping: so this
 * queries only a quiet run, one whose last event shows it waiting (a timer, or nothing) with no activity or workflow
 * task in flight. Time is locked while the test does not skip it, so a quiet run stays quiet until the test acts.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { QueryDefinition } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { lifecycleStateQuery, lifecycleWorkflowId } from '../../src/core/workflows/definitions';
import type { LifecycleView } from '../../src/core/domain/lifecycle/lifecycle-view';

const EVENT = temporal.api.enums.v1.EventType;
/** Last events of a run that waits for a timer, a signal or an update, and does nothing until one comes. */
const QUIET_EVENTS: ReadonlySet<temporal.api.enums.v1.EventType> = new Set([
  EVENT.EVENT_TYPE_TIMER_STARTED,
  EVENT.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
]);

/** Polls until the lifecycle's state satisfies `predicate`; fails at once when the lifecycle failed. */
export async function waitForLifecycle(
  env: TestWorkflowEnvironment,
  managedCertificateId: string,
  predicate: (view: LifecycleView) => boolean,
  what: string,
): Promise<LifecycleView> {
  return await waitForQuietQuery(env, lifecycleWorkflowId(managedCertificateId), lifecycleStateQuery, predicate, what);
}

/** Polls a workflow's query, asked only while its run is quiet, until `predicate` holds; fails at once on failure. */
export async function waitForQuietQuery<T>(
  env: TestWorkflowEnvironment,
  workflowId: string,
  query: QueryDefinition<T>,
  predicate: (answer: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | null = null;
  let pending: unknown = null;
  let run: { status: string; lastEvent: string | undefined } | null = null;
  while (Date.now() < deadline) {
    // The time-skipping server never answers a query that is in flight when its run continues as new, and the
    // abandoned query then blocks time skipping: query only a quiet run. Time is locked while the test does not
    // skip it, so a quiet run stays quiet until the test acts.
    const description = await env.client.workflow.getHandle(workflowId).describe();
    const activities = description.raw.pendingActivities ?? [];
    pending = await Promise.all(
      activities.map(async (activity) => ({
        type: activity.activityType?.name,
        attempt: activity.attempt,
        failure: (await failureText(env, activity.lastFailure)) ?? undefined,
      })),
    );
    run = { status: description.status.name, lastEvent: undefined };
    if (description.status.name === 'FAILED') {
      // No use waiting: a failed lifecycle never reaches the state, and its failure says why.
      const history = await env.client.workflow.getHandle(workflowId, description.runId).fetchHistory();
      const failure = history.events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
      const cause = await failureText(env, failure?.cause);
      throw new Error(
        `${workflowId} failed while the test waited for ${what}: ${(await failureText(env, failure)) ?? 'unknown'}` +
          (cause ? ` (${cause})` : ''),
      );
    }
    if (description.status.name === 'RUNNING' && activities.length === 0) {
      const handle = env.client.workflow.getHandle(workflowId, description.runId);
      const lastEvent = (await handle.fetchHistory()).events?.at(-1)?.eventType;
      run.lastEvent = lastEvent === undefined || lastEvent === null ? undefined : EVENT[lastEvent];
      if (lastEvent !== undefined && lastEvent !== null && QUIET_EVENTS.has(lastEvent)) {
        last = await handle.query(query);
        if (predicate(last)) return last;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(
    `timed out waiting for ${what}; run: ${JSON.stringify(run)}; pending activities: ${JSON.stringify(pending)}; ` +
      `last state: ${JSON.stringify(last, null, 2)}`,
  );
}

/** A history failure's message: certflow's failure converter moves it into encoded attributes (R-KEY-1). */
async function failureText(
  env: TestWorkflowEnvironment,
  failure: temporal.api.failure.v1.IFailure | null | undefined,
): Promise<string | null> {
  const error = await decodeOptionalFailureToOptionalError(env.client.options.loadedDataConverter, failure);
  return error?.message ?? null;
}
