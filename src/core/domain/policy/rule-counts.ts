/**
 * How many certificates break each policy rule, for `certflow policy check` and the audit log. A row is one rule
 * (R-POL-3 holds key-algorithm and key-size), so each row's count is that rule's alone.
 */
import type { PolicyResult } from '../inventory/model';

/** One rule and the number of certificates violating it. */
export interface RuleCount {
  readonly ruleId: string;
  readonly rule: string;
  readonly count: number;
}

/** Counts policy results by rule as they come, batch after batch. */
export class RuleCounter {
  readonly #counts = new Map<string, { ruleId: string; rule: string; count: number }>();

  /** Counts each rule `result` breaks once, however many of the certificate's attributes break it. */
  add(result: PolicyResult): void {
    const seen = new Set<string>();
    for (const { ruleId, rule } of result.violations) {
      const key = `${ruleId} ${rule}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = this.#counts.get(key) ?? { ruleId, rule, count: 0 };
      entry.count += 1;
      this.#counts.set(key, entry);
    }
  }

  /** The rules broken, most certificates first, then by requirement id and rule name. */
  rows(): RuleCount[] {
    return [...this.#counts.values()]
      .map((entry) => ({ ...entry }))
      .sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId) || a.rule.localeCompare(b.rule));
  }
}
