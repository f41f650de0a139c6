/**
 * How many inputs each property of test/fuzz generates. `npm run fuzz` sets CERTFLOW_FUZZ_RUNS high (vitest.fuzz.config.mts);
 * `npm test` runs the same properties with a few inputs each so they stay cheap.
 */
const DEFAULT_RUNS = 20;

/** fast-check parameters for one property: `weight` scales the run count of properties that are cheap (>1) or dear (<1). */
export function fuzzParameters(weight = 1): { numRuns: number } {
  const raw = process.env.CERTFLOW_FUZZ_RUNS;
  const runs = raw === undefined || raw === '' ? DEFAULT_RUNS : Number(raw);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`CERTFLOW_FUZZ_RUNS "${raw}" must be a whole number of inputs per property, at least 1`);
  }
  return { numRuns: Math.max(1, Math.round(runs * weight)) };
}

/** True when a line carries a JavaScript stack frame: a crash that leaked, not an error written for a person. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at \S/.test(text);
}
