/**
 * R-CAA-1 (RFC 8659): the relevant CAA set found by climbing, and whether it lets an issuer's CAA identity issue.
 * The lookups are a map name → answer, as a resolver would have given them; the examples are RFC 8659's.
 */
import { describe, expect, it } from 'vitest';
import type { CaaLookup, CaaRecord } from '../../../../src/core/domain/caa/caa-record';
import { caaPermits, issuerDomain } from '../../../../src/core/domain/caa/caa-permits';
import { CaaNameError, caaSearch, relevantCaaSet } from '../../../../src/core/domain/caa/relevant-caa-set';

const issue = (value: string, flags = 0): CaaRecord => ({ flags, tag: 'issue', value });
const issuewild = (value: string, flags = 0): CaaRecord => ({ flags, tag: 'issuewild', value });
const records = (...list: CaaRecord[]): CaaLookup => ({ kind: 'records', records: list });
const NONE: CaaLookup = { kind: 'none' };

/** A zone as lookups: every name not listed answers "none", like an authoritative server for names without CAA. */
function lookups(entries: Record<string, CaaLookup>, failing: Record<string, string> = {}): Map<string, CaaLookup> {
  const map = new Map<string, CaaLookup>(Object.entries(entries));
  for (const name of [
    'com',
    'example.com',
    'www.example.com',
    'a.b.example.com',
    'b.example.com',
    'net',
    'cdn.example.net',
    'example.net',
    'org',
  ]) {
    if (!map.has(name)) map.set(name, NONE);
  }
  for (const [name, rcode] of Object.entries(failing))
    map.set(name, { kind: 'failed', rcode, detail: `${rcode} from the server` });
  return map;
}

function asked(name: string, map: Map<string, CaaLookup>): string[] {
  const names: string[] = [];
  const search = caaSearch(name);
  let step = search.next();
  while (!step.done) {
    names.push(step.value);
    step = search.next(map.get(step.value) ?? NONE);
  }
  return names;
}

describe('R-CAA-1: the relevant CAA set (RFC 8659 §3)', () => {
  const zone = lookups({ 'example.com': records(issue('ca.example.net')) });

  it.each<[string, string, Map<string, CaaLookup>, string | null, string[]]>([
    ['the name itself has a set', 'example.com', zone, 'example.com', ['example.com']],
    [
      'climbs to the parent',
      'a.b.example.com',
      zone,
      'example.com',
      ['a.b.example.com', 'b.example.com', 'example.com'],
    ],
    [
      'stops at the first non-empty set',
      'a.b.example.com',
      lookups({ 'b.example.com': records(issue('x.example')), 'example.com': records(issue('y.example')) }),
      'b.example.com',
      ['a.b.example.com', 'b.example.com'],
    ],
    [
      'an empty answer counts as none and climbs on',
      'www.example.com',
      lookups({ 'www.example.com': records(), 'example.com': records(issue('ca.example.net')) }),
      'example.com',
      ['www.example.com', 'example.com'],
    ],
    ['a wildcard starts at its base name', '*.example.com', zone, 'example.com', ['example.com']],
    [
      'no set anywhere up to the top-level domain',
      'www.example.com',
      lookups({}),
      null,
      ['www.example.com', 'example.com', 'com'],
    ],
    [
      'names compare without case or trailing dot',
      'WWW.Example.COM.',
      zone,
      'example.com',
      ['www.example.com', 'example.com'],
    ],
  ])('%s', (_title, name, map, owner, order) => {
    const found = relevantCaaSet(name, map);
    expect(found.found && found.set.owner).toBe(owner);
    expect(asked(name, map)).toEqual(order);
  });

  it('R-CAA-1: a CNAME is followed, and the climb goes on from the alias, not from its target', () => {
    const map = lookups({
      'www.example.com': { kind: 'alias', target: 'cdn.example.net.' },
      'example.com': records(issue('ca.example.net')),
      'example.net': records(issue('other.example')),
    });
    expect(asked('www.example.com', map)).toEqual(['www.example.com', 'cdn.example.net', 'example.com']);
    const found = relevantCaaSet('www.example.com', map);
    expect(found.found && found.set.owner).toBe('example.com');
  });

  it("R-CAA-1: the alias target's own records are the set", () => {
    const map = lookups({
      'www.example.com': { kind: 'alias', target: 'cdn.example.net' },
      'cdn.example.net': records(issue('cdn-ca.example')),
    });
    const found = relevantCaaSet('www.example.com', map);
    expect(found.found && found.set.owner).toBe('cdn.example.net');
  });

  it.each<[string, Map<string, CaaLookup>, string, string]>([
    ['SERVFAIL at the name', lookups({}, { 'www.example.com': 'SERVFAIL' }), 'www.example.com', 'SERVFAIL'],
    ['REFUSED at a parent, below no set', lookups({}, { 'example.com': 'REFUSED' }), 'example.com', 'REFUSED'],
    [
      'a CNAME loop',
      lookups({
        'www.example.com': { kind: 'alias', target: 'b.example.com' },
        'b.example.com': { kind: 'alias', target: 'www.example.com' },
      }),
      'b.example.com',
      'SERVFAIL',
    ],
    ['a name the caller did not look up', new Map(), 'www.example.com', 'NOT-LOOKED-UP'],
  ])('R-CAA-1: a failed lookup is a failure, never "no CAA": %s', (_title, map, failedAt, rcode) => {
    const found = relevantCaaSet('www.example.com', map);
    expect(found).toMatchObject({ found: false, failure: { failedAt, rcode } });
    const verdict = caaPermits({ found, identity: 'ca.example.net' });
    expect(verdict).toMatchObject({ permitted: false, because: 'lookup-failed' });
  });

  it('a failure above a found set does not matter: the climb stopped below it', () => {
    const found = relevantCaaSet(
      'www.example.com',
      lookups({ 'www.example.com': records(issue('ca.example.net')) }, { com: 'SERVFAIL' }),
    );
    expect(found.found).toBe(true);
  });

  it.each(['', '*', 'a.*.example.com', 'a..example.com', '*.'])(
    'refuses the name %j with what to give instead',
    (name) => {
      expect(() => relevantCaaSet(name, new Map())).toThrow(CaaNameError);
    },
  );
});

describe('R-CAA-1: issue and issuewild (RFC 8659 §4)', () => {
  const judge = (set: CaaRecord[], name: string, identity = 'ca.example.net') =>
    caaPermits({ found: relevantCaaSet(name, lookups({ 'example.com': records(...set) })), identity });

  it.each<[string, CaaRecord[], string, string, boolean, string]>([
    ['no CAA anywhere permits', [], 'www.example.com', 'ca.example.net', true, 'no-caa'],
    [
      'RFC 8659 §4.2: issue "ca.example.net" permits that CA',
      [issue('ca.example.net')],
      'example.com',
      'ca.example.net',
      true,
      'listed',
    ],
    ['… and no other', [issue('ca.example.net')], 'example.com', 'other-ca.example', false, 'not-listed'],
    ['identity compared without case', [issue('CA.Example.NET')], 'example.com', 'ca.example.net', true, 'listed'],
    [
      'parameters after ";" do not change the domain',
      [issue('ca.example.net; account=230123')],
      'example.com',
      'ca.example.net',
      true,
      'listed',
    ],
    [
      'whitespace around the domain is allowed',
      [issue('  ca.example.net ; policy=ev')],
      'example.com',
      'ca.example.net',
      true,
      'listed',
    ],
    [
      'one of several issue records suffices',
      [issue('other.example'), issue('ca.example.net')],
      'example.com',
      'ca.example.net',
      true,
      'listed',
    ],
    ['RFC 8659 §4.2: issue ";" forbids every CA', [issue(';')], 'example.com', 'ca.example.net', false, 'forbids-all'],
    ['an empty value forbids every CA', [issue('')], 'example.com', 'ca.example.net', false, 'forbids-all'],
    [
      'a malformed domain authorizes nobody',
      [issue('ca.example.net!')],
      'example.com',
      'ca.example.net',
      false,
      'forbids-all',
    ],
    [
      'iodef alone does not restrict',
      [{ flags: 0, tag: 'iodef', value: 'mailto:security@example.com' }],
      'example.com',
      'ca.example.net',
      true,
      'no-issue-property',
    ],
    [
      'issuewild alone does not restrict a plain name',
      [issuewild(';')],
      'example.com',
      'ca.example.net',
      true,
      'no-issue-property',
    ],
    ['a wildcard falls back to issue', [issue('ca.example.net')], '*.example.com', 'ca.example.net', true, 'listed'],
    [
      'issuewild overrides issue for a wildcard',
      [issue('ca.example.net'), issuewild('wild-ca.example')],
      '*.example.com',
      'ca.example.net',
      false,
      'not-listed',
    ],
    [
      'issuewild names the wildcard CA',
      [issue(';'), issuewild('ca.example.net')],
      '*.example.com',
      'ca.example.net',
      true,
      'listed',
    ],
    [
      'issuewild ";" forbids wildcards only',
      [issue('ca.example.net'), issuewild(';')],
      '*.example.com',
      'ca.example.net',
      false,
      'forbids-all',
    ],
    [
      '… the plain name stays allowed',
      [issue('ca.example.net'), issuewild(';')],
      'example.com',
      'ca.example.net',
      true,
      'listed',
    ],
    [
      'tags compare without case',
      [{ flags: 0, tag: 'ISSUE', value: 'other.example' }],
      'example.com',
      'ca.example.net',
      false,
      'not-listed',
    ],
    [
      'RFC 8659 §4.1: an unknown tag with the critical flag forbids',
      [issue('ca.example.net'), { flags: 128, tag: 'tbs', value: 'Unknown' }],
      'example.com',
      'ca.example.net',
      false,
      'critical-unknown-tag',
    ],
    [
      'an unknown tag without it is ignored',
      [issue('ca.example.net'), { flags: 0, tag: 'tbs', value: 'Unknown' }],
      'example.com',
      'ca.example.net',
      true,
      'listed',
    ],
    [
      'a known tag with the critical flag is honoured',
      [issue('ca.example.net', 128)],
      'example.com',
      'ca.example.net',
      true,
      'listed',
    ],
  ])('%s', (_title, set, name, identity, permitted, because) => {
    expect(judge(set, name, identity)).toMatchObject({ permitted, because });
  });

  it('R-CAA-1: a refusal names the record and the record to add', () => {
    const verdict = judge([issue('other-ca.example')], 'www.example.com');
    expect(verdict).toMatchObject({
      permitted: false,
      records: ['example.com. CAA 0 issue "other-ca.example"'],
      message:
        'example.com. CAA 0 issue "other-ca.example" does not authorize the issuer "ca.example.net" for www.example.com',
      remedy: 'add `example.com. CAA 0 issue "ca.example.net"` or renew with an issuer whose CAA identity is listed',
    });
  });

  it('R-CAA-1: a wildcard refusal asks for issuewild', () => {
    const verdict = judge([issuewild(';')], '*.example.com');
    expect(verdict.permitted === false && verdict.remedy).toBe(
      'add `example.com. CAA 0 issuewild "ca.example.net"` in place of example.com. CAA 0 issuewild ";"',
    );
  });

  it.each<[string, string | null]>([
    ['ca.example.net', 'ca.example.net'],
    [' Ca.Example.Net ;a=b', 'ca.example.net'],
    [';', null],
    ['', null],
    ['-ca.example', null],
    ['ca.example.', null],
    ['ca..example', null],
    ['c--a.example', 'c--a.example'],
  ])('issuerDomain(%j) is %j', (value, domain) => {
    expect(issuerDomain(value)).toBe(domain);
  });
});
