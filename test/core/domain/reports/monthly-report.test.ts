import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../../src/core/domain/policy/load-policy';
import { csvCell, toCsv } from '../../../../src/core/domain/reports/csv';
import {
  monthlyReportCsv,
  reportId,
  reportInstant,
  reportPath,
  reportRows,
  reportWindow,
  summarizeReport,
  type ExpiringCertificate,
} from '../../../../src/core/domain/reports/monthly-report';
import {
  firstWorkingDay,
  InvalidReportCalendarError,
  parseHoliday,
  parseReportMonth,
  reportDay,
} from '../../../../src/core/domain/reports/working-day';

describe('first working day of the month (R-MON-5)', () => {
  it.each([
    ['2026-12', [], '2026-12-01'], // a Tuesday
    ['2026-08', [], '2026-08-03'], // starts on a Saturday
    ['2026-02', [], '2026-02-02'], // starts on a Sunday
    ['2027-01', ['2027-01-01'], '2027-01-04'], // New Year on a Friday, then the weekend
    ['2026-06', ['2026-06-01', '2026-06-02'], '2026-06-03'],
    ['2026-11', ['2026-10-30'], '2026-11-02'], // a holiday of another month changes nothing
  ])('%s with holidays %j is %s', (month, holidays, expected) => {
    expect(firstWorkingDay(month, holidays)).toBe(expected);
  });

  it.each([
    // instant, time zone, local date, first working day?
    ['2026-12-01T08:00:00Z', 'UTC', '2026-12-01', true],
    ['2026-12-02T08:00:00Z', 'UTC', '2026-12-02', false],
    ['2026-11-30T23:30:00Z', 'Europe/Berlin', '2026-12-01', true], // already Tuesday the 1st in Berlin
    ['2026-12-01T03:00:00Z', 'America/New_York', '2026-11-30', false], // still Monday the 30th in New York
    ['2026-08-01T08:00:00Z', 'UTC', '2026-08-01', false], // a Saturday
    ['2026-08-03T08:00:00Z', 'UTC', '2026-08-03', true],
  ])('%s in %s is %s (first working day: %s)', (instant, timeZone, date, first) => {
    const day = reportDay(Date.parse(instant), { timeZone, holidays: [] });
    expect(day.date).toBe(date);
    expect(day.isFirstWorkingDay).toBe(first);
  });

  it.each([
    () => parseReportMonth('2026-13'),
    () => parseReportMonth('Dec 2026'),
    () => parseHoliday('2026-02-30'),
    () =>
      firstWorkingDay('2026-02', [
        '2026-02-02',
        '2026-02-03',
        '2026-02-04',
        '2026-02-05',
        '2026-02-06',
        '2026-02-09',
        '2026-02-10',
        '2026-02-11',
        '2026-02-12',
        '2026-02-13',
        '2026-02-16',
        '2026-02-17',
        '2026-02-18',
        '2026-02-19',
        '2026-02-20',
        '2026-02-23',
        '2026-02-24',
        '2026-02-25',
        '2026-02-26',
        '2026-02-27',
      ]),
  ])('refuses bad input with the fix (%#)', (call) => {
    expect(call).toThrow(InvalidReportCalendarError);
    expect(call).toThrow(/write e\.g\.|remove some/);
  });
});

describe('CSV (RFC 4180, formula-safe)', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    [null, ''],
    [-4, '-4'], // a number is data, not a formula
  ])('%j becomes %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('ends every line with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x']])).toBe('a,b\r\n1,x\r\n');
  });
});

const certificate = (overrides: Partial<ExpiringCertificate>): ExpiringCertificate => ({
  managedCertificateId: 'm1',
  fingerprintSha256: 'ab'.repeat(32),
  commonName: 'api.example.com',
  names: ['api.example.com'],
  ownerGroup: 'payments-web',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-31T00:00:00.000Z',
  phase: 'monitoring',
  ticketKey: null,
  ...overrides,
});

describe('the report rows (R-MON-5)', () => {
  const asOf = reportInstant('2026-12', []);

  it('looks 120 days ahead from the first working day, with a stable id and path per audience', () => {
    expect(asOf).toBe('2026-12-01T00:00:00.000Z');
    expect(reportWindow(asOf)).toEqual({ from: asOf, to: '2027-03-31T00:00:00.000Z' });
    expect(reportId('2026-12', { kind: 'group', groupId: 'payments-web' })).toBe(
      'monthly-report/2026-12/group/payments-web',
    );
    expect(reportPath('2026-12', { kind: 'organisation' })).toBe('/reports/monthly/2026-12/organisation.csv');
  });

  it('gives each certificate its days left, renewal deadline, reminders ahead and approval, soonest first', () => {
    const rows = reportRows(
      [
        certificate({ managedCertificateId: 'late', notAfter: '2027-03-01T00:00:00.000Z' }),
        certificate({
          managedCertificateId: 'soon',
          notAfter: '2026-12-21T00:00:00.000Z',
          phase: 'awaiting-approval',
          ticketKey: 'CHG-7',
        }),
      ],
      { asOf, policy: DEFAULT_POLICY, groups: new Map() },
    );
    expect(rows.map((row) => row.managedCertificateId)).toEqual(['soon', 'late']);
    const [soon, late] = rows;
    expect(soon).toMatchObject({
      daysLeft: 20,
      renewalDeadline: '2026-11-21T00:00:00.000Z',
      approval: 'awaiting approval',
      ticketKey: 'CHG-7',
      reminders: [],
    });
    expect(late).toMatchObject({
      daysLeft: 90,
      renewalDeadline: '2027-01-30T00:00:00.000Z',
      approval: 'none requested',
    });
    expect(late?.reminders).toEqual(['2026-12-31T00:00:00.000Z', '2027-01-30T00:00:00.000Z']);
    expect(summarizeReport(rows, asOf)).toEqual({
      certificates: 2,
      overdue: 1,
      awaitingApproval: 1,
      firstExpiry: '2026-12-21T00:00:00.000Z',
    });
  });

  it('neutralises a hostile certificate name in the CSV', () => {
    const rows = reportRows([certificate({ commonName: '=cmd|calc', names: ['-x.example.com'] })], {
      asOf,
      policy: DEFAULT_POLICY,
      groups: new Map(),
    });
    const [, line] = monthlyReportCsv(rows).split('\r\n');
    expect(line?.startsWith("payments-web,'=cmd|calc,'-x.example.com,2027-01-31T00:00:00.000Z,61,")).toBe(true);
  });
});
