/** Holding a lifecycle at one of its audited steps, for tests that act while the step is under way. */
import type { Activities } from './lifecycle-harness';

/** A gate a test opens by hand: `reached` resolves when an activity arrives at it, which then waits for `open()`. */
export interface StepGate {
  readonly reached: Promise<void>;
  readonly open: () => void;
  /** The worker's activities with the step's audit (`recordLifecycleStep` for `action`) held at the gate. */
  readonly wrap: (activities: Activities) => Activities;
}

/** Holds the audit activity of the step `action` (e.g. `renewal.completed`) until the test opens the gate. */
export function holdAtStep(action: string): StepGate {
  let arrived!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    reached,
    open,
    wrap: (activities) => ({
      ...activities,
      recordLifecycleStep: async (input) => {
        if (input.action === action) {
          arrived();
          await opened;
        }
        return await activities.recordLifecycleStep(input);
      },
    }),
  };
}
