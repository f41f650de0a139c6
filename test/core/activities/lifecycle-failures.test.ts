import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { permanentOnRejection, retriedWhenInDoubt } from '../../../src/core/activities/lifecycle-failures';
import { NotificationInDoubtError, NotificationRejectedError } from '../../../src/core/ports/notification-port';

async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('the failures notification activities hand to Temporal (issue 17)', () => {
  it.each([
    ['permanentOnRejection', permanentOnRejection],
    ['retriedWhenInDoubt', retriedWhenInDoubt],
  ])(
    'R-CAM-4 exactly-once: %s retries a notification in doubt only once its earlier post can have appeared',
    async (_name, wrap) => {
      const failure = await thrownBy(() =>
        wrap(() => Promise.reject(new NotificationInDoubtError('posting k to C1: in doubt', 14_200))),
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ nonRetryable: false, nextRetryDelay: '15s', type: 'NotificationInDoubtError' });
    },
  );

  it('R-CAM-4: retriedWhenInDoubt leaves every other error as it was, a refusal included', async () => {
    const refusal = new NotificationRejectedError('channel_not_found');
    expect(await thrownBy(() => retriedWhenInDoubt(() => Promise.reject(refusal)))).toBe(refusal);
  });
});
