/**
 * RFC 8659 §3: the relevant CAA record set of a name is the first non-empty CAA answer found climbing from the name
 * towards the root (the root itself excluded). A wildcard name's set is its base name's. A CNAME is followed as DNS
 * resolution follows it, but the climbing continues from the parent of the name asked about, never from the alias
 * target's parent. The climb is a generator that asks for one name at a time, so it holds no I/O: a table test
 * feeds it a map, and `findRelevantCaaSet` feeds it a resolver.
 */
import { type CaaLookup, type CaaLookupFailure, canonicalDnsName, type RelevantCaaSet } from './caa-record';

/** The longest alias chain followed, as resolvers bound theirs; a longer one is a failure, like a loop. */
const MAX_ALIASES = 8;

/** Either the relevant set or why it could not be determined. */
export type CaaSearchResult =
  | { readonly found: true; readonly set: RelevantCaaSet }
  | { readonly found: false; readonly failure: CaaLookupFailure };

/** A name a caller passed that cannot be looked up: empty, or a wildcard anywhere but the first label. */
export class CaaNameError extends Error {
  override readonly name = 'CaaNameError';
}

/**
 * Climbs from `name` (`*.` names from their base): yields each name to look up and receives its `CaaLookup`,
 * returning the relevant set or the first failure.
 */
export function* caaSearch(name: string): Generator<string, CaaSearchResult, CaaLookup> {
  const asked = canonicalDnsName(name);
  const wildcard = asked.startsWith('*.');
  const base = wildcard ? asked.slice(2) : asked;
  if (base === '' || base.includes('*') || base.split('.').some((label) => label === '')) {
    throw new CaaNameError(
      `"${name}" is not a DNS name CAA can be checked for; give e.g. www.example.com or *.example.com`,
    );
  }
  const fail = (failedAt: string, lookup: { rcode: string; detail: string }): CaaSearchResult => ({
    found: false,
    failure: { name: base, wildcard, failedAt, rcode: lookup.rcode, detail: lookup.detail },
  });
  for (let current: string | null = base; current !== null; current = parentName(current)) {
    let queried = current;
    let lookup: CaaLookup = yield queried;
    const chain = new Set([queried]);
    while (lookup.kind === 'alias') {
      const target = canonicalDnsName(lookup.target);
      if (chain.has(target) || chain.size > MAX_ALIASES) {
        return fail(queried, {
          rcode: 'SERVFAIL',
          detail: `the CNAME chain from ${current} loops or is longer than ${MAX_ALIASES}`,
        });
      }
      chain.add(target);
      queried = target;
      lookup = yield queried;
    }
    if (lookup.kind === 'failed') return fail(queried, lookup);
    if (lookup.kind === 'records' && lookup.records.length > 0) {
      return { found: true, set: { name: base, wildcard, owner: queried, records: lookup.records } };
    }
  }
  return { found: true, set: { name: base, wildcard, owner: null, records: [] } };
}

/** The relevant set of `name` from lookups already made, `name → CaaLookup`; a name missing from the map is a failure. */
export function relevantCaaSet(name: string, lookups: ReadonlyMap<string, CaaLookup>): CaaSearchResult {
  const search = caaSearch(name);
  let step = search.next();
  while (!step.done) {
    step = search.next(
      lookups.get(step.value) ?? { kind: 'failed', rcode: 'NOT-LOOKED-UP', detail: `${step.value} was not looked up` },
    );
  }
  return step.value;
}

/** The relevant set of `name`, asking `lookup` one name at a time in the order the climb needs them. */
export async function findRelevantCaaSet(
  name: string,
  lookup: (name: string) => Promise<CaaLookup>,
): Promise<CaaSearchResult> {
  const search = caaSearch(name);
  let step = search.next();
  while (!step.done) step = search.next(await lookup(step.value));
  return step.value;
}

/** `a.b.example.com` → `b.example.com`; a single label's parent is the root, where the climb stops. */
function parentName(name: string): string | null {
  const dot = name.indexOf('.');
  return dot < 0 ? null : name.slice(dot + 1);
}
