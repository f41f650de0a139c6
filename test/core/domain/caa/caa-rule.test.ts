/** R-CAA-1 as a policy rule: which names of a managed certificate CAA applies to, and the violation of a refusal. */
import { describe, expect, it } from 'vitest';
import { caaPermits } from '../../../../src/core/domain/caa/caa-permits';
import { relevantCaaSet } from '../../../../src/core/domain/caa/relevant-caa-set';
import { caaNames, caaViolation } from '../../../../src/core/domain/policy/caa-rule';

describe('R-CAA-1: the policy rule', () => {
  it.each<[string, string[]]>([
    ['www.example.com', ['www.example.com']],
    ['example.com,www.example.com', ['example.com', 'www.example.com']],
    ['*.example.com,example.com', ['*.example.com', 'example.com']],
    ['10.0.0.1,2001:db8::1,www.example.com', ['www.example.com']],
    ['my service,localhost,www.example.com', ['www.example.com']],
    ['WWW.Example.com.,www.example.com', ['www.example.com']],
    ['_sip._tls.example.com', ['_sip._tls.example.com']],
    ['', []],
  ])('R-CAA-1: the CAA names of %j are %j', (namesKey, names) => {
    expect(caaNames(namesKey)).toEqual(names);
  });

  const lookups = new Map([
    ['example.com', { kind: 'records' as const, records: [{ flags: 0, tag: 'issue', value: 'other.example' }] }],
    ['www.example.com', { kind: 'none' as const }],
    ['down.example.com', { kind: 'failed' as const, rcode: 'SERVFAIL', detail: 'ns1 answered SERVFAIL' }],
  ]);
  const verdict = (name: string, identity: string) => caaPermits({ found: relevantCaaSet(name, lookups), identity });

  it.each<[string, string, string | null, string | null]>([
    ['www.example.com', 'other.example', null, null],
    ['www.example.com', 'ca.example.net', 'caa-forbids-issuer', 'critical'],
    ['down.example.com', 'ca.example.net', 'caa-lookup-failed', 'high'],
  ])('R-CAA-1: %s for %s is %s', (name, identity, rule, severity) => {
    const violation = caaViolation(verdict(name, identity));
    expect(violation && [violation.ruleId, violation.rule, violation.severity]).toEqual(
      rule === null ? null : ['R-CAA-1', rule, severity],
    );
  });
});
