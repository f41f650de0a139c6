import { describe, expect, it } from 'vitest';
import { InvalidRandomFaultsError, RandomFaults } from '../../../src/adapters/shared/random-faults';

const SETTINGS = { rate: 0.2, seed: 42, timeoutMs: 31_000, retryAfterSeconds: 1 };

function draws(settings: typeof SETTINGS, count: number) {
  const faults = new RandomFaults(settings);
  return Array.from({ length: count }, () => faults.draw());
}

describe('random stand-in faults', () => {
  it('the same seed fails the same calls the same way, so a failing chaos run repeats', () => {
    expect(draws(SETTINGS, 500)).toEqual(draws(SETTINGS, 500));
    expect(draws({ ...SETTINGS, seed: 43 }, 500)).not.toEqual(draws(SETTINGS, 500));
  });

  it('fails about `rate` of the calls, with each of the four failures', () => {
    const drawn = draws(SETTINGS, 10_000).filter((fault) => fault !== undefined);
    expect(drawn.length).toBeGreaterThan(1_800);
    expect(drawn.length).toBeLessThan(2_200);
    const kinds = new Set(drawn.map((fault) => JSON.stringify(fault)));
    expect([...kinds].sort()).toEqual(
      [
        { status: 429, retryAfterSeconds: 1 },
        { status: 500 },
        { delayMs: 31_000 },
        { status: 500, afterProcessing: true },
      ]
        .map((fault) => JSON.stringify(fault))
        .sort(),
    );
  });

  it.each([
    [{ ...SETTINGS, rate: 0 }, 0],
    [{ ...SETTINGS, rate: 1 }, 100],
  ])('rate %j fails %i of 100 calls', (settings, failed) => {
    expect(draws(settings, 100).filter((fault) => fault !== undefined)).toHaveLength(failed);
  });

  it.each([
    [{ rate: 1.5 }, 'rate must be from 0 to 1'],
    [{ rate: Number.NaN }, 'rate must be from 0 to 1'],
    [{ seed: -1 }, 'seed must be a whole number'],
    [{ timeoutMs: 1.5 }, 'timeoutMs must be a whole number'],
    [{ retryAfterSeconds: -2 }, 'retryAfterSeconds must be a whole number'],
  ])('refuses %j: %s', (change, message) => {
    expect(() => new RandomFaults({ ...SETTINGS, ...change })).toThrow(InvalidRandomFaultsError);
    expect(() => new RandomFaults({ ...SETTINGS, ...change })).toThrow(message);
  });
});
