/**
 * The dashboard's charts as SVG rendered on the server (R-REP-1): a histogram of expirations by week and a campaign's
 * burndown. Plain SVG needs no chart library, no script to draw and nothing from a CDN, renders the same in every
 * browser, and passes a strict Content-Security-Policy (presentation attributes and classes only, no inline style).
 * The series are computed by pure functions here, so they are table-tested apart from the drawing.
 */
import { DAY_MS } from '../../core/domain/duration';
import { escapeHtml } from '../shared/escape-html';

const HOUR_MS = 3_600_000;

/** How far ahead the expiry histogram looks. */
export const EXPIRY_HORIZON_DAYS = 120;

/** One week of the histogram: [from, to) and how many certificates expire in it. */
export interface ExpiryWeek {
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

/** The weeks from `now` to `now + days` (the last one shorter when `days` is not a multiple of 7). */
export function expiryWeekRanges(now: Date, days = EXPIRY_HORIZON_DAYS): Array<{ from: string; to: string }> {
  const end = now.getTime() + days * DAY_MS;
  const ranges: Array<{ from: string; to: string }> = [];
  for (let from = now.getTime(); from < end; from += 7 * DAY_MS) {
    ranges.push({ from: new Date(from).toISOString(), to: new Date(Math.min(from + 7 * DAY_MS, end)).toISOString() });
  }
  return ranges;
}

/** A campaign's progress over time: members done per bucket (an hour, or more for long campaigns). */
export interface BurndownSeries {
  readonly launchedAt: string;
  readonly deadline: string;
  readonly total: number;
  readonly done: number;
  readonly bucketHours: number;
  /** Members finished in each bucket from the launch; the last bucket holds the later of the deadline and now. */
  readonly doneByBucket: readonly number[];
}

/** Most bars a burndown draws: a week of hours; longer campaigns get wider buckets. */
export const MAX_BURNDOWN_BARS = 168;

/**
 * Buckets the members' finishing instants from the launch to the later of the deadline and `now`, an hour each
 * unless that would draw more than {@link MAX_BURNDOWN_BARS} bars. Instants before the launch count in the first
 * bucket, after the end in the last.
 */
export function burndownSeries(input: {
  readonly launchedAt: string;
  readonly deadline: string;
  readonly now: Date;
  readonly total: number;
  readonly finishedAt: readonly string[];
}): BurndownSeries {
  const start = Date.parse(input.launchedAt);
  const end = Math.max(Date.parse(input.deadline), input.now.getTime(), start + HOUR_MS);
  const hours = Math.ceil((end - start) / HOUR_MS);
  const bucketHours = Math.max(1, Math.ceil(hours / MAX_BURNDOWN_BARS));
  const buckets = Math.ceil(hours / bucketHours);
  const doneByBucket = new Array<number>(buckets).fill(0);
  for (const at of input.finishedAt) {
    const index = Math.floor((Date.parse(at) - start) / (bucketHours * HOUR_MS));
    doneByBucket[Math.min(buckets - 1, Math.max(0, index))]! += 1;
  }
  return {
    launchedAt: input.launchedAt,
    deadline: input.deadline,
    total: input.total,
    done: input.finishedAt.length,
    bucketHours,
    doneByBucket,
  };
}

const WIDTH = 720;
const HEIGHT = 240;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 48 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** A round axis maximum at or above `max`, so the gridlines fall on whole numbers. */
function niceMax(max: number): number {
  if (max <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}

function yAxis(max: number): string {
  const ticks = [0, max / 2, max].map((value) => {
    const y = MARGIN.top + PLOT_H - (value / max) * PLOT_H;
    return (
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}"/>` +
      `<text class="tick" x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${Math.round(value)}</text>`
    );
  });
  return ticks.join('');
}

function svg(id: string, label: string, content: string): string {
  return (
    `<svg id="${id}" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" ` +
    `role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">${content}</svg>`
  );
}

/** The expiry histogram: one bar per week (`rect.bar`, with `data-count`), labelled every other week. */
export function expiryHistogramSvg(weeks: readonly ExpiryWeek[]): string {
  const max = niceMax(Math.max(0, ...weeks.map((week) => week.count)));
  const slot = PLOT_W / Math.max(1, weeks.length);
  const bars = weeks.map((week, index) => {
    const height = (week.count / max) * PLOT_H;
    const x = MARGIN.left + index * slot + slot * 0.15;
    const y = MARGIN.top + PLOT_H - height;
    const label = `week ${index + 1} (${week.from.slice(0, 10)} to ${week.to.slice(0, 10)}): ${week.count}`;
    return (
      `<rect class="bar" data-week="${index + 1}" data-count="${week.count}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" ` +
      `width="${(slot * 0.7).toFixed(1)}" height="${height.toFixed(1)}"><title>${escapeHtml(label)}</title></rect>` +
      (index % 2 === 0
        ? `<text class="tick" x="${(x + slot * 0.35).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" ` +
          `text-anchor="middle">${escapeHtml(week.from.slice(5, 10))}</text>`
        : '')
    );
  });
  const total = weeks.reduce((sum, week) => sum + week.count, 0);
  return svg(
    'expiry-histogram',
    `Certificates expiring per week for the next ${EXPIRY_HORIZON_DAYS} days: ${total} in all`,
    yAxis(max) +
      bars.join('') +
      `<text class="axis-label" x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 6}" text-anchor="middle">week starting (month-day)</text>`,
  );
}

/**
 * The burndown: members done per bucket as bars (`rect.done-bar`), the members still to do after each bucket as a
 * line, and the ideal line from every member at the launch to none at the deadline. `data-done` and `data-total` on
 * the chart let the page and its tests read the numbers.
 */
export function burndownSvg(series: BurndownSeries, now: Date): string {
  const buckets = series.doneByBucket.length;
  const start = Date.parse(series.launchedAt);
  const span = buckets * series.bucketHours * HOUR_MS;
  const xOf = (at: number) => MARGIN.left + ((at - start) / span) * PLOT_W;
  const max = niceMax(series.total);
  const yOf = (value: number) => MARGIN.top + PLOT_H - (value / max) * PLOT_H;
  const slot = PLOT_W / buckets;
  const unit = series.bucketHours === 1 ? 'hour' : `${series.bucketHours} hours`;
  const bars = series.doneByBucket.map((done, index) => {
    const from = new Date(start + index * series.bucketHours * HOUR_MS).toISOString();
    return (
      `<rect class="done-bar" data-done="${done}" x="${(MARGIN.left + index * slot + slot * 0.1).toFixed(1)}" ` +
      `y="${yOf(done).toFixed(1)}" width="${Math.max(0.5, slot * 0.8).toFixed(1)}" ` +
      `height="${(MARGIN.top + PLOT_H - yOf(done)).toFixed(1)}"><title>${escapeHtml(`${from}: ${done} done`)}</title></rect>`
    );
  });
  // The remaining line stops at now: later buckets have not happened yet.
  const nowMs = Math.min(now.getTime(), start + span);
  const points = [`${xOf(start).toFixed(1)},${yOf(series.total).toFixed(1)}`];
  let remaining = series.total;
  series.doneByBucket.forEach((done, index) => {
    const bucketEnd = start + (index + 1) * series.bucketHours * HOUR_MS;
    remaining -= done;
    const at = Math.min(bucketEnd, nowMs);
    if (start + index * series.bucketHours * HOUR_MS <= nowMs) {
      points.push(`${xOf(at).toFixed(1)},${yOf(remaining).toFixed(1)}`);
    }
  });
  const deadlineX = xOf(Date.parse(series.deadline)).toFixed(1);
  return svg(
    'burndown-chart',
    `Burndown: ${series.done} of ${series.total} done, deadline ${series.deadline}`,
    yAxis(max) +
      bars.join('') +
      `<line class="ideal" x1="${xOf(start).toFixed(1)}" y1="${yOf(series.total).toFixed(1)}" x2="${deadlineX}" y2="${yOf(0).toFixed(1)}"/>` +
      `<polyline class="remaining" points="${points.join(' ')}"/>` +
      `<line class="deadline" x1="${deadlineX}" x2="${deadlineX}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}"/>` +
      `<text class="tick" x="${deadlineX}" y="${MARGIN.top - 4}" text-anchor="middle">deadline</text>` +
      `<text class="axis-label" x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 6}" text-anchor="middle">` +
      `done per ${unit} from the launch; line: still to do; dashed: on schedule</text>`,
  ).replace('<svg ', `<svg data-done="${series.done}" data-total="${series.total}" data-bars="${buckets}" `);
}
