/** A duration given by a person ("90d", "36h", "90 days", "1500ms") could not be read. */
export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid duration "${input}": ${reason}; write a number and a unit, e.g. 90d, 36h, 15m, 30s or 500ms`);
  }
}

/** One day in milliseconds: the one definition every module uses. */
export const DAY_MS = 86_400_000;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: DAY_MS,
  day: DAY_MS,
  days: DAY_MS,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** Largest duration accepted: a century, far beyond any certificate lifetime, well inside Temporal's timer range. */
export const MAX_DURATION_MS = 100 * 365 * DAY_MS;

/** Parses a non-negative human duration ("90d", "1.5h", "90 days") into whole milliseconds. */
export function parseDuration(input: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(input);
  if (!match) throw new InvalidDurationError(input, 'expected a number followed by a unit');
  const [, amount, unit] = match as unknown as [string, string, string];
  const unitMs = UNIT_MS[unit.toLowerCase()];
  if (unitMs === undefined) throw new InvalidDurationError(input, `unknown unit "${unit}"`);
  const ms = Math.round(Number(amount) * unitMs);
  if (ms > MAX_DURATION_MS) throw new InvalidDurationError(input, 'longer than 100 years');
  return ms;
}

/** Formats milliseconds as the largest exact unit ("90d", "36h", "1500ms") for logs and CLI output. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
