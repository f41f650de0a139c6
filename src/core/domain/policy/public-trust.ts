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

/** True when notBefore to notAfter, both ends included, is longer than `maxDays`. */
export function exceedsValidity(notBefore: string, notAfter: string, maxDays: number): boolean {
  return Date.parse(notAfter) - Date.parse(notBefore) + 1000 > maxDays * DAY_MS;
}
