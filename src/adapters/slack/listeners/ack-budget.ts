/**
 * Slack waits 3 seconds for an acknowledgement, then shows the user an error even if the work succeeds later.
 * A listener that must acknowledge with the result (a modal's errors) waits for it only this long.
 */

/** How long a listener waits for its result before it acknowledges without it; leaves room for the network. */
export const DEFAULT_ACK_BUDGET_MS = 2_500;

/** A promise's outcome, or `pending` when it did not settle within the budget. */
export type WithinBudget<T> =
  | { readonly state: 'fulfilled'; readonly value: T }
  | { readonly state: 'rejected'; readonly error: unknown }
  | { readonly state: 'pending' };

/** Waits for `work` at most `budgetMs`; the work goes on after a `pending` answer, for the caller to await. */
export async function settleWithin<T>(work: Promise<T>, budgetMs: number): Promise<WithinBudget<T>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<WithinBudget<T>>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), budgetMs);
  });
  const settled = work.then(
    (value): WithinBudget<T> => ({ state: 'fulfilled', value }),
    (error: unknown): WithinBudget<T> => ({ state: 'rejected', error }),
  );
  try {
    return await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}
