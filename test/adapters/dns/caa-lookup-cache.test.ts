/** The run's CAA lookup cache in front of a resolver that stops answering: it gives up asking, never crashes. */
import { describe, expect, it } from 'vitest';
import { CaaLookupCache } from '../../../src/adapters/dns/caa-lookup-cache';
import type { CaaLookup } from '../../../src/core/domain/caa/caa-record';

function resolver(answer: (name: string) => CaaLookup) {
  const asked: string[] = [];
  return {
    asked,
    async caaRecords(name: string): Promise<CaaLookup> {
      asked.push(name);
      return answer(name);
    },
  };
}

describe('CaaLookupCache', () => {
  it('R-CAA-1: after a run of unanswered names it fails the rest without asking, each still a failure', async () => {
    const dead = resolver(() => ({ kind: 'failed', rcode: 'TIMEOUT', detail: 'no answer from 192.0.2.53:53' }));
    const cache = new CaaLookupCache(dead, 1, 3);
    const names = ['a.example', 'b.example', 'c.example', 'd.example', 'e.example'];
    const lookups = [];
    for (const name of names) lookups.push(await cache.caaRecords(name));
    expect(dead.asked).toEqual(['a.example', 'b.example', 'c.example']);
    expect(lookups.every((lookup) => lookup.kind === 'failed' && lookup.rcode === 'TIMEOUT')).toBe(true);
    expect(lookups[4]).toMatchObject({
      detail: 'no answer from 192.0.2.53:53; not asked after 3 names in a row got no answer',
    });
  });

  it('an answer in between resets the count; a SERVFAIL is an answer from the resolver', async () => {
    const flaky = resolver((name) =>
      name.startsWith('ok') || name.startsWith('bad')
        ? name.startsWith('ok')
          ? { kind: 'none' }
          : { kind: 'failed', rcode: 'SERVFAIL', detail: 'servfail' }
        : { kind: 'failed', rcode: 'UNREACHABLE', detail: 'down' },
    );
    const cache = new CaaLookupCache(flaky, 1, 2);
    for (const name of [
      'x1.example',
      'ok.example',
      'x2.example',
      'bad.example',
      'x3.example',
      'x4.example',
      'x5.example',
    ]) {
      await cache.caaRecords(name);
    }
    expect(flaky.asked).toEqual(['x1.example', 'ok.example', 'x2.example', 'bad.example', 'x3.example', 'x4.example']);
  });
});
