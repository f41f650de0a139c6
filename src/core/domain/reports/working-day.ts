/**
 * "The first working day of the month" for the monthly report (R-MON-5): Monday to Friday, not a configured holiday,
 * in a configured time zone. Pure: the monthly-report workflow decides from its scheduled instant whether today is
 * that day, so a daily Temporal Schedule needs no calendar that knows holidays.
 */

/** Where and when people work: an IANA time zone and holidays (local dates, `YYYY-MM-DD`). */
export interface WorkingCalendar {
  readonly timeZone: string;
  readonly holidays: readonly string[];
}

/** A month as the report names it: `YYYY-MM`. */
export type ReportMonth = string;

/** A month, time zone or holiday the report cannot use; the message says the fix. */
export class InvalidReportCalendarError extends Error {
  override readonly name = 'InvalidReportCalendarError';
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Reads `YYYY-MM`; refuses anything else with the expected form. */
export function parseReportMonth(text: string): ReportMonth {
  if (!MONTH.test(text)) {
    throw new InvalidReportCalendarError(`month "${text}" is not YYYY-MM: write e.g. 2026-12`);
  }
  return text;
}

/** Reads a holiday `YYYY-MM-DD` that exists in the calendar (no 2026-02-30). */
export function parseHoliday(text: string): string {
  const match = DATE.exec(text);
  const valid =
    match !== null &&
    new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))).getUTCDate() === Number(match[3]);
  if (!valid) throw new InvalidReportCalendarError(`holiday "${text}" is not a date YYYY-MM-DD: write e.g. 2026-12-25`);
  return text;
}

/** Refuses a time zone the runtime's ICU does not know, naming an example. */
export function checkTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new InvalidReportCalendarError(
      `time zone "${timeZone}" is not an IANA time zone: write e.g. UTC, Europe/Berlin or America/New_York`,
    );
  }
  return timeZone;
}

/** The local calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(instantMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(instantMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The first day of `month` that is Monday to Friday and not a holiday, as `YYYY-MM-DD`. */
export function firstWorkingDay(month: ReportMonth, holidays: readonly string[]): string {
  const [year, monthNumber] = parseReportMonth(month).split('-').map(Number) as [number, number];
  const off = new Set(holidays);
  for (let day = 1; day <= 31; day += 1) {
    const date = new Date(Date.UTC(year, monthNumber - 1, day));
    if (date.getUTCMonth() !== monthNumber - 1) break;
    const text = date.toISOString().slice(0, 10);
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !off.has(text)) return text;
  }
  throw new InvalidReportCalendarError(
    `every weekday of ${month} is a holiday: remove some from CERTFLOW_MONTHLY_REPORT_HOLIDAYS`,
  );
}

/** What the report decides about one instant: its local date, its month, and whether it is the month's first working day. */
export interface ReportDay {
  readonly date: string;
  readonly month: ReportMonth;
  readonly firstWorkingDay: string;
  readonly isFirstWorkingDay: boolean;
}

/** Where an instant falls in the working calendar. */
export function reportDay(instantMs: number, calendar: WorkingCalendar): ReportDay {
  const date = localDate(instantMs, calendar.timeZone);
  const month = date.slice(0, 7);
  const first = firstWorkingDay(month, calendar.holidays);
  return { date, month, firstWorkingDay: first, isFirstWorkingDay: date === first };
}
