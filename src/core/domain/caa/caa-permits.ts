/**
 * RFC 8659 §4: does a relevant CAA record set let the issuer with CAA identity `identity` issue for a name? `issue`
 * authorizes the domains it names; for a wildcard name `issuewild`, when the set has any, replaces `issue`; a value
 * with no domain (`;`) authorizes nobody; the parameters after `;` do not change who is authorized; a record with the
 * Issuer Critical flag and a tag certflow does not know forbids issuance; tags compare case-insensitively; `iodef`
 * only says where to report. A failed lookup forbids: RFC 8659 §3 lets a CA issue only on a determined set.
 */
import { CAA_CRITICAL_FLAG, type CaaRecord, canonicalDnsName, presentCaaRecord } from './caa-record';
import type { CaaSearchResult } from './relevant-caa-set';

/** Tags whose meaning certflow knows (RFC 8659 and the IANA registry); a critical record with another tag forbids. */
const KNOWN_TAGS: ReadonlySet<string> = new Set([
  'issue',
  'issuewild',
  'iodef',
  'contactemail',
  'contactphone',
  'issuemail',
]);

/** One label of an issuer domain name (RFC 8659 §4.2): letters and digits, hyphens inside. */
const ISSUER_DOMAIN = /^[a-z0-9](?:-*[a-z0-9])*(?:\.[a-z0-9](?:-*[a-z0-9])*)*$/i;

/** Why a CAA set permits. */
export type CaaPermission = 'no-caa' | 'no-issue-property' | 'listed';

/** Why a CAA set (or its lookup) forbids. */
export type CaaRefusal = 'not-listed' | 'forbids-all' | 'critical-unknown-tag' | 'lookup-failed';

/** The judgment for one name and one issuer identity; a refusal names the record and the fix. */
export type CaaVerdict =
  | {
      readonly permitted: true;
      readonly name: string;
      readonly wildcard: boolean;
      readonly because: CaaPermission;
      /** The record that authorizes, in presentation form, or null when nothing restricts. */
      readonly record: string | null;
    }
  | {
      readonly permitted: false;
      readonly name: string;
      readonly wildcard: boolean;
      readonly because: CaaRefusal;
      /** The records that forbid, in presentation form (empty when the lookup failed). */
      readonly records: readonly string[];
      readonly message: string;
      readonly remedy: string;
    };

/** Judges the relevant set `found` (from `relevantCaaSet` or `findRelevantCaaSet`) for the issuer `identity`. */
export function caaPermits({ found, identity }: { found: CaaSearchResult; identity: string }): CaaVerdict {
  if (!found.found) {
    const { name, wildcard, failedAt, rcode, detail } = found.failure;
    return {
      permitted: false,
      name,
      wildcard,
      because: 'lookup-failed',
      records: [],
      message: `the CAA lookup of ${failedAt} failed (${rcode}): ${detail}; a CA must not issue for ${displayName(name, wildcard)} until it succeeds`,
      remedy: `make ${failedAt}'s DNS servers answer CAA queries (or point CERTFLOW_DNS_SERVERS at a resolver that does) and check again`,
    };
  }
  const { name, wildcard, owner, records } = found.set;
  const shown = displayName(name, wildcard);
  if (owner === null || records.length === 0)
    return { permitted: true, name, wildcard, because: 'no-caa', record: null };
  const present = (record: CaaRecord) => presentCaaRecord(owner, record);
  const critical = records.filter(
    (record) => (record.flags & CAA_CRITICAL_FLAG) !== 0 && !KNOWN_TAGS.has(record.tag.toLowerCase()),
  );
  if (critical.length > 0) {
    return {
      permitted: false,
      name,
      wildcard,
      because: 'critical-unknown-tag',
      records: critical.map(present),
      message: `${critical.map(present).join(', ')} is marked critical with a tag no CA knows, so no CA may issue for ${shown}`,
      remedy: `remove the record or its critical flag (128) at ${owner}, or replace the tag with one a CA understands (issue, issuewild, iodef)`,
    };
  }
  const tagged = (tag: string) => records.filter((record) => record.tag.toLowerCase() === tag);
  const wild = wildcard ? tagged('issuewild') : [];
  const tag = wild.length > 0 ? 'issuewild' : 'issue';
  const restricting = wild.length > 0 ? wild : tagged('issue');
  if (restricting.length === 0) return { permitted: true, name, wildcard, because: 'no-issue-property', record: null };
  const wanted = canonicalDnsName(identity);
  const listing = restricting.find((record) => issuerDomain(record.value) === wanted);
  if (listing) return { permitted: true, name, wildcard, because: 'listed', record: present(listing) };
  const forbidsAll = restricting.every((record) => issuerDomain(record.value) === null);
  const listed = restricting.map(present);
  return {
    permitted: false,
    name,
    wildcard,
    because: forbidsAll ? 'forbids-all' : 'not-listed',
    records: listed,
    message: forbidsAll
      ? `${listed.join(', ')} forbids every CA to issue for ${shown}`
      : `${listed.join(', ')} does not authorize the issuer "${wanted}" for ${shown}`,
    remedy:
      `add \`${owner}. CAA 0 ${tag} "${wanted}"\`` +
      (forbidsAll ? ` in place of ${listed.join(', ')}` : ` or renew with an issuer whose CAA identity is listed`),
  };
}

/** The issuer domain of an `issue`/`issuewild` value, lower case; null when it names none (`;`) or is malformed. */
export function issuerDomain(value: string): string | null {
  const domain = value.split(';', 1)[0]!.trim();
  return ISSUER_DOMAIN.test(domain) ? domain.toLowerCase() : null;
}

function displayName(name: string, wildcard: boolean): string {
  return wildcard ? `*.${name}` : name;
}
