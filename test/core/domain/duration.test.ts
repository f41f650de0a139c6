import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  InvalidDurationError,
  MAX_DURATION_MS,
  parseDuration,
} from '../../../src/core/domain/duration';

describe('parseDuration', () => {
  it.each([
    ['90d', 90 * 86_400_000],
    ['90 days', 90 * 86_400_000],
    ['1 day', 86_400_000],
    ['36h', 36 * 3_600_000],
    ['1.5h', 5_400_000],
    ['15m', 900_000],
    ['15min', 900_000],
    ['30s', 30_000],
    ['500ms', 500],
    ['0s', 0],
    ['2w', 14 * 86_400_000],
    [' 10 S ', 10_000],
  ])('reads %j as %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([
    ['', /expected a number followed by a unit/],
    ['90', /expected a number followed by a unit/],
    ['d', /expected a number followed by a unit/],
    ['-5s', /expected a number followed by a unit/],
    ['5 fortnights', /unknown unit "fortnights"/],
    ['1e3s', /expected a number followed by a unit/],
    ['101y', /unknown unit "y"/],
    [`${MAX_DURATION_MS / 86_400_000 + 1}d`, /longer than 100 years/],
  ])('rejects %j with a message that says why and how to write one', (input, reason) => {
    const error = (() => {
      try {
        parseDuration(input);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidDurationError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toMatch(/e\.g\. 90d, 36h/);
  });
});

describe('formatDuration', () => {
  it.each([
    [90 * 86_400_000, '90d'],
    [36 * 3_600_000, '36h'],
    [900_000, '15m'],
    [30_000, '30s'],
    [1_500, '1500ms'],
    [0, '0ms'],
  ])('writes %d ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [500, 30_000, 900_000, 5_400_000, 90 * 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
