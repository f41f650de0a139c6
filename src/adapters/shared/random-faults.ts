/**
 * The random fault mode both stand-ins share: a rate of calls that fail, drawn from a seeded generator so a chaos run
 * that failed repeats with the same seed, and which of the four failures a call meets.
 */

/** How a stand-in fails calls at random: `rate` of them (0–1), drawn from `seed`. */
export interface RandomFaultSettings {
  /** Share of calls that fail, from 0 (none) to 1 (all). */
  readonly rate: number;
  /** Seed of the generator: the same seed fails the same calls of the same sequence. */
  readonly seed: number;
  /** How long a "timeout" holds the call before answering: longer than the client waits. */
  readonly timeoutMs: number;
  /** The Retry-After of a 429, in seconds. */
  readonly retryAfterSeconds: number;
}

/**
 * A fault a stand-in answers a call with: rate limited (429 with Retry-After), a 500, held for `delayMs` (past a
 * client's timeout, a timeout), or, with `afterProcessing`, a 500 after the call took effect, as when the answer is
 * lost: the case that tests a client's idempotency.
 */
export type StandInFault =
  | { readonly status: 429; readonly retryAfterSeconds: number }
  | { readonly status: 500; readonly afterProcessing?: boolean }
  | { readonly delayMs: number };

/** Settings out of range: a rate outside 0–1, a seed or duration that is not a whole number ≥ 0. */
export class InvalidRandomFaultsError extends Error {
  override readonly name = 'InvalidRandomFaultsError';
  constructor(detail: string) {
    super(`invalid random faults: ${detail}`);
  }
}

/** mulberry32: a small, fast generator of numbers in [0, 1) whose sequence a 32-bit seed fixes. */
export function seededGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Draws, call by call, whether the call fails and how; validated at construction so a bad setting fails at once. */
export class RandomFaults {
  private readonly next: () => number;

  constructor(readonly settings: RandomFaultSettings) {
    if (!(settings.rate >= 0 && settings.rate <= 1)) throw new InvalidRandomFaultsError('rate must be from 0 to 1');
    for (const [name, value] of Object.entries({
      seed: settings.seed,
      timeoutMs: settings.timeoutMs,
      retryAfterSeconds: settings.retryAfterSeconds,
    })) {
      if (!(Number.isInteger(value) && value >= 0))
        throw new InvalidRandomFaultsError(`${name} must be a whole number ≥ 0`);
    }
    this.next = seededGenerator(settings.seed);
  }

  /** The failure this call meets, or undefined when it goes through. */
  draw(): StandInFault | undefined {
    if (this.next() >= this.settings.rate) return undefined;
    const { retryAfterSeconds, timeoutMs } = this.settings;
    const kinds: readonly StandInFault[] = [
      { status: 429, retryAfterSeconds },
      { status: 500 },
      { delayMs: timeoutMs },
      { status: 500, afterProcessing: true },
    ];
    return kinds[Math.floor(this.next() * kinds.length)];
  }
}
