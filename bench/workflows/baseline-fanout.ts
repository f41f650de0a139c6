/**
 * The campaign benchmark's fixed baseline: what Temporal itself costs to replace a certificate when the work is the
 * four steps a replacement needs. One minimal child workflow per certificate runs four no-op activities (issue,
 * install, verify, revoke), a bounded number at a time. Its shape never depends on certflow's code, so certflow's
 * own overhead shows in the ratio instead of being calibrated away. Bundled by the benchmark only.
 */
import { executeChild, proxyActivities } from '@temporalio/workflow';

/** The four steps of one replacement, each a no-op activity. */
export interface BaselineActivities {
  issue(): Promise<void>;
  install(): Promise<void>;
  verify(): Promise<void>;
  revoke(): Promise<void>;
}

const { issue, install, verify, revoke } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

/** Input of {@link baselineFanoutWorkflow}. */
export interface BaselineFanoutInput {
  /** Children this parent runs, one per certificate. */
  children: number;
  /** Children in flight at once. */
  parallelism: number;
  /** Prefix of the children's workflow ids. */
  idPrefix: string;
}

/** One certificate's replacement: issue, install, verify, revoke, in a row. */
export async function baselineChildWorkflow(): Promise<void> {
  await issue();
  await install();
  await verify();
  await revoke();
}

/** Runs its children, `parallelism` at a time. */
export async function baselineFanoutWorkflow(input: BaselineFanoutInput): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next < input.children) {
      const index = next++;
      await executeChild(baselineChildWorkflow, { workflowId: `${input.idPrefix}-${index}` });
    }
  };
  await Promise.all(Array.from({ length: input.parallelism }, lane));
  return next;
}
