/** The campaign progress bar: its width, rounding and the bar that is full only when all is done. */
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../../src/core/domain/campaigns/progress-bar';

describe('progressBar', () => {
  it.each([
    [96, 200, '▓▓▓▓▓░░░░░ 48% (96/200)'],
    [0, 10, '░░░░░░░░░░ 0% (0/10)'],
    [10, 10, '▓▓▓▓▓▓▓▓▓▓ 100% (10/10)'],
    [199, 200, '▓▓▓▓▓▓▓▓▓░ 99% (199/200)'],
    [0, 0, '▓▓▓▓▓▓▓▓▓▓ 100% (0/0)'],
  ])('%i of %i is %s', (done, total, bar) => {
    expect(progressBar(done, total)).toBe(bar);
  });
});
