/**
 * ACME Renewal Information (RFC 9773, R-REN-3) in the lifecycle: a CA's suggested renewal window moves a
 * certificate's renewal deadline earlier, never later. A window that ends after the deadline in force asks for
 * nothing certflow would not do anyway; one that ends before it (a CA planning to revoke) brings the deadline to a
 * point inside the window, chosen by `jitter` as RFC 9773 section 4.2 asks so that a mass revocation does not send
 * every certificate to the CA in the same minute, and never before `now`, so the schedule acts on it at once.
 */

/** The window a CA suggested for one certificate version. */
export interface SuggestedRenewalWindow {
  /** The version the CA was asked about. */
  readonly fingerprintSha256: string;
  /** The configured issuer that answered, e.g. `acme:letsencrypt`. */
  readonly issuer: string;
  /** ISO 8601 UTC. */
  readonly start: string;
  readonly end: string;
  /** The CA's explanation for people (its incident report), or null. */
  readonly explanationUrl: string | null;
}

/** A renewal deadline taken from a CA's window, carried by the lifecycle until the version is replaced. */
export interface CaRenewalDeadline {
  readonly window: SuggestedRenewalWindow;
  /** ISO 8601 UTC: the renewal deadline now in force. */
  readonly deadline: string;
}

/** Input of {@link decideCaRenewalDeadline}. */
export interface CaRenewalDecisionInput {
  readonly offered: SuggestedRenewalWindow;
  /** The version the lifecycle watches. */
  readonly fingerprintSha256: string;
  /** The renewal deadline in force (the schedule's, already moved by an earlier window). ISO 8601. */
  readonly deadlineInForce: string;
  /** The deadline an earlier window set for this version, or null. */
  readonly current: CaRenewalDeadline | null;
  readonly now: string;
  /** In [0, 1): where in the window the deadline falls. */
  readonly jitter: number;
}

/** Move the deadline to the one given, or keep the one in force and say why. */
export type CaRenewalDecision =
  { readonly kind: 'move'; readonly taken: CaRenewalDeadline } | { readonly kind: 'keep'; readonly why: string };

/**
 * A certificate's place in a window, in [0, 1), from its fingerprint: spread like a random draw across certificates
 * (RFC 9773 section 4.2), yet the same for one certificate every time it is asked.
 */
export function windowJitter(fingerprintSha256: string): number {
  const leading = Number.parseInt(fingerprintSha256.slice(0, 8), 16);
  return Number.isNaN(leading) ? 0 : leading / 2 ** 32;
}

/** Decides whether a CA's suggested window moves the renewal deadline (earlier only); see the module comment. */
export function decideCaRenewalDeadline(input: CaRenewalDecisionInput): CaRenewalDecision {
  const { offered, current } = input;
  if (offered.fingerprintSha256 !== input.fingerprintSha256) {
    return { kind: 'keep', why: `the window is for version ${offered.fingerprintSha256.slice(0, 16)}, not this one` };
  }
  const start = Date.parse(offered.start);
  const end = Date.parse(offered.end);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
    return { kind: 'keep', why: `the window ${offered.start} to ${offered.end} is not a time range` };
  }
  if (current !== null && current.window.start === offered.start && current.window.end === offered.end) {
    return { kind: 'keep', why: `the deadline already follows this window (${current.deadline})` };
  }
  const inForce = Date.parse(input.deadlineInForce);
  const now = Date.parse(input.now);
  if (inForce <= now) return { kind: 'keep', why: `the deadline in force ${input.deadlineInForce} has passed` };
  if (end >= inForce) {
    return {
      kind: 'keep',
      why: `the window ends ${offered.end}, not before the deadline in force ${input.deadlineInForce}`,
    };
  }
  const jitter = Math.min(Math.max(input.jitter, 0), 1);
  const at = Math.max(start + Math.floor(jitter * (end - start)), now);
  return { kind: 'move', taken: { window: offered, deadline: new Date(at).toISOString() } };
}
