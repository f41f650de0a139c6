import { describe, expect, it } from 'vitest';
import {
  burndownSeries,
  burndownSvg,
  expiryHistogramSvg,
  expiryWeekRanges,
  MAX_BURNDOWN_BARS,
} from '../../../src/adapters/web/dashboard-charts';

const NOW = new Date('2026-12-01T00:00:00.000Z');

describe('R-REP-1: the expiry histogram', () => {
  it('covers the next 120 days in weeks, the last one 1 day long', () => {
    const ranges = expiryWeekRanges(NOW);
    expect(ranges).toHaveLength(18);
    expect(ranges[0]).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-08T00:00:00.000Z' });
    expect(ranges[17]).toEqual({ from: '2027-03-30T00:00:00.000Z', to: '2027-03-31T00:00:00.000Z' });
  });

  it('draws one bar per week with its count, escaped titles and no inline style', () => {
    const weeks = expiryWeekRanges(NOW).map((range, index) => ({ ...range, count: index === 3 ? 7 : 0 }));
    const svg = expiryHistogramSvg(weeks);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(18);
    expect(svg).toContain('data-week="4" data-count="7"');
    expect(svg).toContain('aria-label="Certificates expiring per week for the next 120 days: 7 in all"');
    expect(svg).not.toMatch(/style=/);
  });
});

describe('R-REP-1: a campaign burndown, done per hour against the deadline', () => {
  const launchedAt = '2026-12-01T00:00:00.000Z';
  const deadline = '2026-12-03T00:00:00.000Z';
  it.each([
    {
      name: 'a two-day campaign half way: 48 hourly bars, finishes counted in their hour',
      now: '2026-12-02T00:00:00.000Z',
      finishedAt: ['2026-12-01T00:10:00.000Z', '2026-12-01T00:50:00.000Z', '2026-12-01T05:00:00.000Z'],
      bars: 48,
      bucketHours: 1,
      counts: { 0: 2, 5: 1 },
    },
    {
      name: 'past its deadline: the bars run to now',
      now: '2026-12-03T10:30:00.000Z',
      finishedAt: ['2026-12-03T10:00:00.000Z'],
      bars: 59,
      bucketHours: 1,
      counts: { 58: 1 },
    },
    {
      name: 'an instant before the launch (clock skew) counts in the first hour',
      now: '2026-12-01T01:00:00.000Z',
      finishedAt: ['2026-11-30T23:59:59.000Z'],
      bars: 48,
      bucketHours: 1,
      counts: { 0: 1 },
    },
  ])('$name', ({ now, finishedAt, bars, bucketHours, counts }) => {
    const series = burndownSeries({ launchedAt, deadline, now: new Date(now), total: 10, finishedAt });
    expect(series.doneByBucket).toHaveLength(bars);
    expect(series.bucketHours).toBe(bucketHours);
    expect(series.done).toBe(finishedAt.length);
    for (const [index, count] of Object.entries(counts)) expect(series.doneByBucket[Number(index)]).toBe(count);
  });

  it('a thirty-day campaign gets wider buckets, never more than a week of bars', () => {
    const series = burndownSeries({
      launchedAt,
      deadline: '2026-12-31T00:00:00.000Z',
      now: NOW,
      total: 1,
      finishedAt: [],
    });
    expect(series.bucketHours).toBe(5);
    expect(series.doneByBucket.length).toBeLessThanOrEqual(MAX_BURNDOWN_BARS);
  });

  it('the chart has a bar per bucket, the remaining line to now and the numbers as data attributes', () => {
    const series = burndownSeries({
      launchedAt,
      deadline,
      now: new Date('2026-12-01T03:30:00.000Z'),
      total: 4,
      finishedAt: ['2026-12-01T00:30:00.000Z', '2026-12-01T02:10:00.000Z'],
    });
    const svg = burndownSvg(series, new Date('2026-12-01T03:30:00.000Z'));
    expect(svg.match(/<rect class="done-bar"/g)).toHaveLength(48);
    expect(svg).toContain('data-done="2" data-total="4" data-bars="48"');
    // The start and one point per hour begun by now (4).
    expect(/<polyline class="remaining" points="([^"]+)"/.exec(svg)?.[1]?.split(' ')).toHaveLength(5);
  });
});
