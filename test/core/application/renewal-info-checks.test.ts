/**
 * The daily renewal-information check's schedule on a Temporal dev server (R-REN-3): ensured once and brought up to
 * date at the next start, it starts renewalInfoCheckWorkflow, whose one activity's counts are the run's result; a
 * lifecycle that does not run is reported as such, not as a failure.
 */
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureRenewalInfoSchedule,
  RENEWAL_INFO_SCHEDULE_ID,
  renewalWindowSignals,
} from '../../../src/core/application/renewal-info-checks';
import type { RenewalInfoCheckResult } from '../../../src/core/activities/renewal-info';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../../support/temporal';
import { until } from '../../support/until';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createDevServerEnv({ searchAttributes: false });
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

describe('the renewal-information check schedule (R-REN-3)', () => {
  it(
    'R-REN-3: is created once, updated at the next start, and its run returns what the check found',
    { timeout: 120_000 },
    async () => {
      const taskQueue = uniqueTaskQueue('renewal-info');
      expect(await ensureRenewalInfoSchedule({ client: env.client, taskQueue })).toBe('created');
      expect(await ensureRenewalInfoSchedule({ client: env.client, taskQueue })).toBe('updated');
      const schedule = env.client.schedule.getHandle(RENEWAL_INFO_SCHEDULE_ID);
      const described = await schedule.describe();
      expect(described.spec.intervals?.[0]?.every).toBe(86_400_000);
      expect(described.action).toMatchObject({ workflowType: 'renewalInfoCheckWorkflow', taskQueue });

      const found: RenewalInfoCheckResult = { asked: 3, signalled: 1, notRunning: 0, failed: 0, failures: [] };
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: workflowBundle(),
        activities: { checkRenewalInfo: async () => found },
      });
      const result = await worker.runUntil(async () => {
        await schedule.trigger();
        const run = await until(
          async () => (await schedule.describe()).info.recentActions[0]?.action.workflow,
          'the triggered check',
        );
        return (await env.client.workflow
          .getHandle(run.workflowId, run.firstExecutionRunId)
          .result()) as RenewalInfoCheckResult;
      });
      expect(result).toEqual(found);
      await schedule.delete();
    },
  );

  it('R-REN-3: a lifecycle that does not run is reported not running', async () => {
    const told = await renewalWindowSignals(env.client).suggestRenewalWindow('no-such-certificate', {
      fingerprintSha256: 'a'.repeat(64),
      issuer: 'acme:pebble',
      start: '2027-01-01T00:00:00.000Z',
      end: '2027-01-02T00:00:00.000Z',
      explanationUrl: null,
    });
    expect(told).toBe('not-running');
  });
});
