import { describe, expect, it } from 'vitest';
import type { PolicyResult, PolicyViolation } from '../../../../src/core/domain/inventory/model';
import { type RuleCount, RuleCounter } from '../../../../src/core/domain/policy/rule-counts';

const RULES = {
  keySize: ['R-POL-3', 'key-size'],
  keyAlgorithm: ['R-POL-3', 'key-algorithm'],
  signature: ['R-POL-4', 'signature-algorithm'],
  subjectDn: ['R-POL-5', 'subject-dn'],
  wildcard: ['R-POL-5', 'wildcard-name'],
} as const;

function result(...rules: (keyof typeof RULES)[]): PolicyResult {
  const violations: PolicyViolation[] = rules.map((name) => {
    const [ruleId, rule] = RULES[name];
    return { ruleId, rule, severity: 'high', message: `${rule} broken`, remedy: 'reissue it' };
  });
  return {
    fingerprintSha256: 'ab'.repeat(32),
    policyVersion: 'v1',
    compliant: violations.length === 0,
    violations,
    evaluatedAt: '2026-06-01T00:00:00.000Z',
  };
}

function counted(results: PolicyResult[]): RuleCount[] {
  const counter = new RuleCounter();
  for (const each of results) counter.add(each);
  return counter.rows();
}

describe('counting certificates per policy rule', () => {
  it.each<[string, PolicyResult[], RuleCount[]]>([
    ['no results, no rows', [], []],
    ['compliant certificates count nowhere', [result(), result()], []],
    [
      'one requirement id with two rules gives a row per rule, each with its own count',
      [
        ...Array.from({ length: 4 }, () => result('keySize')),
        ...Array.from({ length: 2 }, () => result('keyAlgorithm')),
      ],
      [
        { ruleId: 'R-POL-3', rule: 'key-size', count: 4 },
        { ruleId: 'R-POL-3', rule: 'key-algorithm', count: 2 },
      ],
    ],
    [
      'a certificate breaking a rule twice (two subject attributes) counts once for it',
      [result('subjectDn', 'subjectDn', 'wildcard')],
      [
        { ruleId: 'R-POL-5', rule: 'subject-dn', count: 1 },
        { ruleId: 'R-POL-5', rule: 'wildcard-name', count: 1 },
      ],
    ],
    [
      'rows go by count, then requirement id, then rule name',
      [result('signature', 'wildcard', 'keySize'), result('wildcard')],
      [
        { ruleId: 'R-POL-5', rule: 'wildcard-name', count: 2 },
        { ruleId: 'R-POL-3', rule: 'key-size', count: 1 },
        { ruleId: 'R-POL-4', rule: 'signature-algorithm', count: 1 },
      ],
    ],
  ])('R-POL-6: %s', (_case, results, rows) => {
    expect(counted(results)).toEqual(rows);
  });

  it('R-POL-6: counts add up across batches', () => {
    const counter = new RuleCounter();
    counter.add(result('keySize'));
    expect(counter.rows()).toEqual([{ ruleId: 'R-POL-3', rule: 'key-size', count: 1 }]);
    counter.add(result('keySize', 'keyAlgorithm'));
    expect(counter.rows()).toEqual([
      { ruleId: 'R-POL-3', rule: 'key-size', count: 2 },
      { ruleId: 'R-POL-3', rule: 'key-algorithm', count: 1 },
    ]);
  });
});
