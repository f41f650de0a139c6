/**
 * The parked-lifecycles benchmark's baseline: the least a workflow start can be, a workflow that returns at once. Its
 * starts, as many and as many at a time as `certflow lifecycle sync` makes, show what the server itself takes per
 * start. Bundled by the benchmark only.
 */

/** Returns at once: one workflow task, no activity, no timer. */
export async function trivialStartWorkflow(): Promise<void> {
  // Nothing: the start is what is measured.
}
