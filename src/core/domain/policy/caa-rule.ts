/**
 * R-CAA-1 in `certflow policy check`: every DNS name of a managed certificate must have a CAA set that lets the
 * issuer renewing it issue. The lookups happen before (an adapter); this turns each name's verdict into a
 * violation with its own rule id, or into a per-name error when the set could not be determined.
 */
import type { CaaVerdict } from '../caa/caa-permits';
import type { PolicyViolation } from '../inventory/model';

/** The CAA rules a violation can name. */
export const CAA_RULES = {
  forbidsIssuer: { ruleId: 'R-CAA-1', rule: 'caa-forbids-issuer' },
  lookupFailed: { ruleId: 'R-CAA-1', rule: 'caa-lookup-failed' },
} as const;

/** A DNS name (or `*.` wildcard) in a certificate, as opposed to an IP address or a CN that names no host. */
const DNS_NAME = /^(?:\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;

/** The names of a managed certificate CAA applies to, from its names key (CN and SANs, `,`-joined), once each. */
export function caaNames(namesKey: string): string[] {
  const names = namesKey
    .split(',')
    .map((name) => name.trim().toLowerCase().replace(/\.$/, ''))
    .filter((name) => DNS_NAME.test(name));
  return [...new Set(names)];
}

/** The violation for a name whose CAA set forbids the issuer or could not be found; null when it permits. */
export function caaViolation(verdict: CaaVerdict): PolicyViolation | null {
  if (verdict.permitted) return null;
  const rule = verdict.because === 'lookup-failed' ? CAA_RULES.lookupFailed : CAA_RULES.forbidsIssuer;
  // A set that forbids stops the renewal outright; a failed lookup may clear by itself, but a CA will not issue now.
  return {
    ...rule,
    severity: verdict.because === 'lookup-failed' ? 'high' : 'critical',
    message: verdict.message,
    remedy: verdict.remedy,
  };
}
