/** The command line is wrong; the message says what to type instead. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Temporal is not reachable at the configured address; the message says how to start or point at it. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
  constructor(address: string, cause: unknown) {
    super(
      `cannot reach Temporal at ${address}: ${(cause as Error).message ?? String(cause)}. ` +
        'Start certflow with `npm start` (embedded dev server), or set TEMPORAL_ADDRESS to a running server',
      { cause },
    );
  }
}
