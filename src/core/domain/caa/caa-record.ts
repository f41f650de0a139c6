/**
 * CAA resource records (RFC 8659) as certflow reads them, and what one CAA lookup at one name found. The climbing
 * (`relevant-caa-set.ts`) and the judgment (`caa-permits.ts`) work on these, so both are pure and table-tested.
 */

/** One CAA record: its flags octet, its property tag and its value as published (the tag in any case). */
export interface CaaRecord {
  /** The flags octet; bit 128 is the Issuer Critical flag. */
  readonly flags: number;
  readonly tag: string;
  readonly value: string;
}

/** The Issuer Critical flag (RFC 8659 §4.1): a CA that does not understand the tag must not issue. */
export const CAA_CRITICAL_FLAG = 128;

/**
 * What a CAA query at one name answered. `alias` is a CNAME whose target the resolver did not chase (an
 * authoritative server answers a CNAME into another zone without the target's records). `failed` is any lookup
 * that did not give a definite answer: SERVFAIL, REFUSED, a timeout, an unreachable server. RFC 8659 §3 has a
 * CA issue only when it can determine the relevant record set, so certflow never reads a failure as "no CAA".
 */
export type CaaLookup =
  | { readonly kind: 'records'; readonly records: readonly CaaRecord[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'alias'; readonly target: string }
  | { readonly kind: 'failed'; readonly rcode: string; readonly detail: string };

/** The relevant CAA record set of a name (RFC 8659 §3): the records and the name that holds them. */
export interface RelevantCaaSet {
  /** The name asked about, without a trailing dot and lower case; a wildcard's base name for `*.` names. */
  readonly name: string;
  /** Whether the name asked about was a wildcard (`*.example.com`), so `issuewild` applies. */
  readonly wildcard: boolean;
  /** Where the records were found (the name, a parent, or an alias target), or null when no name up the tree had any. */
  readonly owner: string | null;
  readonly records: readonly CaaRecord[];
}

/** Why the relevant set could not be determined: the name whose lookup failed, its rcode and the resolver's words. */
export interface CaaLookupFailure {
  readonly name: string;
  readonly wildcard: boolean;
  /** The name whose lookup failed (the name itself, a parent or an alias target). */
  readonly failedAt: string;
  readonly rcode: string;
  readonly detail: string;
}

/** Lower-cases a DNS name and drops its trailing dot, the form certflow compares names in. */
export function canonicalDnsName(name: string): string {
  return name.trim().replace(/\.$/, '').toLowerCase();
}

/** A CAA record in zone-file presentation form, e.g. `example.com. CAA 0 issue "ca.example"`, for messages. */
export function presentCaaRecord(owner: string, record: CaaRecord): string {
  const value = record.value.replace(/["\\]/g, (character) => `\\${character}`);
  return `${owner}. CAA ${record.flags} ${record.tag} "${value}"`;
}
