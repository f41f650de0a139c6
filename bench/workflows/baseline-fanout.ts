/**
 * The campaign benchmark's baseline: what Temporal itself costs for the same shape of work, minimal child workflows
 * each running a fixed number of no-op activities, a bounded number at a time. Bundled by the benchmark only.
 */
import { executeChild, proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

/** Input of {@link baselineFanoutWorkflow}. */
export interface BaselineFanoutInput {
  /** Children this parent runs. */
  children: number;
  /** Children in flight at once. */
  parallelism: number;
  /** No-op activities per child. */
  activitiesPerChild: number;
  /** Prefix of the children's workflow ids. */
  idPrefix: string;
}

/** One child: `activities` no-op activities in a row, like one certificate's renewal path. */
export async function baselineChildWorkflow(input: { activities: number }): Promise<void> {
  for (let i = 0; i < input.activities; i += 1) await noop();
}

/** Runs its children, `parallelism` at a time. */
export async function baselineFanoutWorkflow(input: BaselineFanoutInput): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next < input.children) {
      const index = next++;
      await executeChild(baselineChildWorkflow, {
        workflowId: `${input.idPrefix}-${index}`,
        args: [{ activities: input.activitiesPerChild }],
      });
    }
  };
  await Promise.all(Array.from({ length: input.parallelism }, lane));
  return next;
}
