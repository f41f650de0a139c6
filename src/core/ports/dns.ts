/**
 * What certflow asks of DNS: CAA lookups before an order and in `certflow policy check` (R-CAA-1, RFC 8659), and
 * the `_acme-challenge` TXT records of ACME's DNS-01 challenge (RFC 8555 §8.4), written by RFC 2136 dynamic updates.
 */
import type { CaaLookup } from '../domain/caa/caa-record';

/** Answers CAA queries at one name; never throws for a DNS answer: a failure is `{ kind: 'failed', rcode }`. */
export interface CaaResolver {
  /** The CAA records at `name` (CNAMEs followed as the resolver does), none, an unchased alias, or why it failed. */
  caaRecords(name: string): Promise<CaaLookup>;
}

/** One DNS-01 challenge answer: the identifier it proves and the TXT value (the key authorization's digest). */
export interface DnsChallengeRecord {
  /** The identifier being validated, e.g. `www.example.com` or `*.example.com`; the record goes to `_acme-challenge.<base>`. */
  readonly name: string;
  /** The TXT record's value, base64url of SHA-256 of the key authorization. */
  readonly value: string;
  /** Names the step in errors and logs (`<workflow id>/c<cycle>/<step>`); the updates are idempotent by themselves. */
  readonly idempotencyKey: string;
}

/**
 * Writes and removes DNS-01 TXT records through the zone's primary server. Both calls are idempotent: adding a
 * record that is there and deleting one that is gone change nothing (RFC 2136 §3.4.2), so a retried activity is safe.
 * Other TXT values at the same name stay: two orders for one name (a name and its wildcard) can be pending at once.
 */
export interface DnsChallengeUpdater {
  /** Adds the TXT record `_acme-challenge.<name>` = value. Throws `DnsUpdateError` when the server refuses. */
  present(record: DnsChallengeRecord): Promise<void>;
  /** Removes that one TXT record. Throws `DnsUpdateError` when the server refuses. */
  cleanUp(record: DnsChallengeRecord): Promise<void>;
}

/** Why a dynamic update failed: which zone, which server, the rcode (REFUSED, NOTAUTH, BADSIG…) and the fix. */
export class DnsUpdateError extends Error {
  override readonly name = 'DnsUpdateError';

  constructor(
    readonly details: {
      /** The zone updated, or null when no configured zone holds the name. */
      readonly zone: string | null;
      /** host:port of the server, or null when none is configured for the name. */
      readonly server: string | null;
      /** The DNS rcode or TSIG error (REFUSED, NOTAUTH, BADSIG, BADKEY, BADTIME), or TIMEOUT / UNREACHABLE / NO-ZONE. */
      readonly rcode: string;
      readonly message: string;
      /** Whether retrying later can succeed (a timeout or SERVFAIL) or a person must fix the configuration first. */
      readonly retryable: boolean;
    },
  ) {
    super(details.message);
  }
}
