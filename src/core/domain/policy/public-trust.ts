import { DAY_MS } from '../duration';
/**
 * The CA/Browser Forum's maximum validity of publicly-trusted TLS server certificates (R-POL-2), by the date they are
 * issued: 398 days until ballot SC-081v3 takes effect, then 200 days from 2026-03-15, 100 from 2027-03-15 and 47 from
 * 2029-03-15. The Baseline Requirements count validity with both ends included (RFC 5280): notAfter − notBefore + 1 s.
 */

/** SC-081v3's steps, latest first: certificates issued on or after `from` may live at most `maxDays`. */
export const PUBLIC_TRUST_MAX_VALIDITY: readonly { readonly from: string; readonly maxDays: number }[] = [
  { from: '2029-03-15T00:00:00.000Z', maxDays: 47 },
  { from: '2027-03-15T00:00:00.000Z', maxDays: 100 },
  { from: '2026-03-15T00:00:00.000Z', maxDays: 200 },
];

/** The longest validity before SC-081v3 (ballot SC-31, 2020-09-01). */
export const PUBLIC_TRUST_MAX_DAYS_BEFORE_SC081 = 398;

/** The public-trust maximum in days for a certificate issued (notBefore) at `notBefore`, and since when it holds. */
export function publicTrustMaxValidity(notBefore: string): { readonly maxDays: number; readonly since: string | null } {
  const issued = Date.parse(notBefore);
  const step = PUBLIC_TRUST_MAX_VALIDITY.find((candidate) => issued >= Date.parse(candidate.from));
  return step === undefined
    ? { maxDays: PUBLIC_TRUST_MAX_DAYS_BEFORE_SC081, since: null }
    : { maxDays: step.maxDays, since: step.from };
}

/** The validity period in milliseconds, both ends included (RFC 5280 4.1.2.5): notAfter − notBefore + 1 s. */
export function validityPeriodMs(notBefore: string, notAfter: string): number {
  return Date.parse(notAfter) - Date.parse(notBefore) + 1000;
}

/** True when notBefore to notAfter, both ends included, is longer than `maxDays`. */
export function exceedsValidity(notBefore: string, notAfter: string, maxDays: number): boolean {
  return validityPeriodMs(notBefore, notAfter) > maxDays * DAY_MS;
}

const PERIOD_UNITS = [
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
] as const;

/**
 * The validity period, both ends included, for a violation message: `398 days` or `398 days and 1 second`, so a
 * certificate one second over its limit does not read as within it.
 */
export function validityPeriodText(notBefore: string, notAfter: string): string {
  const ms = validityPeriodMs(notBefore, notAfter);
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const parts = [`${days} day${days === 1 ? '' : 's'}`];
  for (const [unit, size] of PERIOD_UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? '' : 's'}`);
  }
  return parts.length === 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.slice(-1).join('')}`;
}
