/**
 * R-CAA-1 against a real DNS server: Knot on a loopback port (test/support/dns-server.ts) serving CAA records at
 * several levels, an in-zone and an out-of-zone CNAME, a zone it cannot load (SERVFAIL) and names in no zone of its
 * own (REFUSED). The resolver adapter answers, the domain climbs and judges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caaPermits } from '../../../src/core/domain/caa/caa-permits';
import { findRelevantCaaSet } from '../../../src/core/domain/caa/relevant-caa-set';
import type { CaaLookup } from '../../../src/core/domain/caa/caa-record';
import { CaaLookupCache } from '../../../src/adapters/dns/caa-lookup-cache';
import { NodeCaaResolver } from '../../../src/adapters/dns/node-caa-resolver';
import { type DnsServer, startDnsServer } from '../../support/dns-server';
import { freePort } from '../../support/ports';

let server: DnsServer;
let resolver: NodeCaaResolver;

beforeAll(async () => {
  server = await startDnsServer();
  resolver = new NodeCaaResolver({ servers: [server.address], timeoutMs: 2000, tries: 2 });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const verdict = async (name: string, identity = 'ca.example.net') =>
  caaPermits({ found: await findRelevantCaaSet(name, (next) => resolver.caaRecords(next)), identity });

describe('R-CAA-1: CAA from a real DNS server', () => {
  it('R-CAA-1: reads the records, tags and flags as published', async () => {
    const lookup = await resolver.caaRecords('critical.example.test');
    expect(lookup.kind === 'records' && [...lookup.records].sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
      { flags: 0, tag: 'issue', value: 'ca.example.net' },
      { flags: 128, tag: 'tbs', value: 'Unknown' },
    ]);
  });

  it.each<[string, string, string, boolean, string, string | null]>([
    ['the zone apex lists the CA', 'example.test', 'ca.example.net', true, 'listed', 'example.test'],
    [
      'a name without CAA climbs two levels to the apex',
      'a.deep.example.test',
      'ca.example.net',
      true,
      'listed',
      'example.test',
    ],
    ['a name that does not exist climbs too', 'nowhere.example.test', 'ca.example.net', true, 'listed', 'example.test'],
    ['a child set overrides the apex', 'shop.example.test', 'ca.example.net', false, 'not-listed', 'shop.example.test'],
    ['… and lists its own CA', 'shop.example.test', 'other-ca.example', true, 'listed', 'shop.example.test'],
    [
      'an in-zone CNAME has its target’s set',
      'www.example.test',
      'other-ca.example',
      true,
      'listed',
      'www.example.test',
    ],
    [
      'an out-of-zone CNAME is followed to the other zone',
      'cdn.example.test',
      'cdn-ca.example',
      true,
      'listed',
      'edge.other.test',
    ],
    [
      'the apex forbids wildcards with issuewild ";"',
      '*.example.test',
      'ca.example.net',
      false,
      'forbids-all',
      'example.test',
    ],
    ['issuewild names the wildcard CA', '*.wild.example.test', 'ca.example.net', true, 'listed', 'wild.example.test'],
    [
      'issue ";" forbids the plain name there',
      'wild.example.test',
      'ca.example.net',
      false,
      'forbids-all',
      'wild.example.test',
    ],
    [
      'issue ";" forbids every CA',
      'locked.example.test',
      'ca.example.net',
      false,
      'forbids-all',
      'locked.example.test',
    ],
    [
      'an unknown critical tag forbids',
      'critical.example.test',
      'ca.example.net',
      false,
      'critical-unknown-tag',
      'critical.example.test',
    ],
  ])('R-CAA-1: %s', async (_title, name, identity, permitted, because, owner) => {
    const found = await findRelevantCaaSet(name, (next) => resolver.caaRecords(next));
    expect(found.found && found.set.owner).toBe(owner);
    expect(caaPermits({ found, identity })).toMatchObject({ permitted, because });
  });

  it('R-CAA-1: a refusal names the record and the fix', async () => {
    expect(await verdict('shop.example.test')).toMatchObject({
      message:
        'shop.example.test. CAA 0 issue "other-ca.example" does not authorize the issuer "ca.example.net" for shop.example.test',
      remedy:
        'add `shop.example.test. CAA 0 issue "ca.example.net"` or renew with an issuer whose CAA identity is listed',
    });
  });

  it.each<[string, string, string]>([
    ['SERVFAIL from a zone the server cannot load', 'www.broken.test', 'SERVFAIL'],
    ['REFUSED for a name in no zone of the server', 'www.outside.invalid', 'REFUSED'],
  ])('R-CAA-1: %s forbids issuance, never reads as "no CAA"', async (_title, name, rcode) => {
    const result = await verdict(name);
    expect(result).toMatchObject({ permitted: false, because: 'lookup-failed' });
    expect(result.permitted === false && result.message).toContain(`(${rcode})`);
  });

  it('R-CAA-1: an unreachable server is a failure naming the server', async () => {
    const port = await freePort();
    const dead = new NodeCaaResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 300, tries: 1 });
    const lookup = await dead.caaRecords('example.test');
    expect(lookup).toMatchObject({ kind: 'failed' });
    expect(lookup.kind === 'failed' && lookup.detail).toContain(`127.0.0.1:${port}`);
  });

  it('the run cache asks each name once and bounds the queries in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const asked: string[] = [];
    const counting = {
      async caaRecords(name: string): Promise<CaaLookup> {
        asked.push(name);
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await resolver.caaRecords(name);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const cache = new CaaLookupCache(counting, 2);
    const names = [
      'a.deep.example.test',
      'b.deep.example.test',
      'c.deep.example.test',
      'shop.example.test',
      'nowhere.example.test',
    ];
    const verdicts = await Promise.all(
      names.map(async (name) =>
        caaPermits({
          found: await findRelevantCaaSet(name, (next) => cache.caaRecords(next)),
          identity: 'ca.example.net',
        }),
      ),
    );
    expect(verdicts.map((v) => v.permitted)).toEqual([true, true, true, false, true]);
    expect(asked.filter((name) => name === 'deep.example.test')).toHaveLength(1);
    expect(asked.filter((name) => name === 'example.test')).toHaveLength(1);
    expect(most).toBeLessThanOrEqual(2);
  });
});
