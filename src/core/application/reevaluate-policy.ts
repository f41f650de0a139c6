import { compilePolicy, evaluateCertificatePolicy } from '../domain/policy/evaluate-policy';
import type { PolicyResult } from '../domain/inventory/model';
import type { Policy } from '../domain/policy/policy';
import { type RuleCount, RuleCounter } from '../domain/policy/rule-counts';
import type { ImportActor } from './import-certificates';
import type { InventoryStore } from '../ports/inventory-store';

/** What a policy re-evaluation found. */
export interface PolicyEvaluationSummary {
  readonly policyVersion: string;
  readonly evaluated: number;
  readonly nonCompliant: number;
  /** Per rule (not per requirement id: R-POL-3 is key-algorithm and key-size), the certificates breaking it, most first. */
  readonly byRule: readonly RuleCount[];
}

const BATCH = 1000;

/**
 * Re-evaluates every certificate in the inventory against `policy` and stores the results (R-POL-6: a policy
 * change re-evaluates everything), then audits the run. `only` limits it to those certificates: an import's, whose
 * issuer links changed.
 */
export async function reevaluatePolicy(
  store: InventoryStore,
  policy: Policy,
  options: ImportActor & {
    now?: () => Date;
    /** Sees each batch of results as it is stored (an import counts its own certificates among them). */
    onResults?: (results: readonly PolicyResult[]) => void;
    only?: readonly string[];
  },
): Promise<PolicyEvaluationSummary> {
  const now = options.now ?? (() => new Date());
  const at = now().toISOString();
  const compiled = compilePolicy(policy);
  const version = compiled.version;
  const byRule = new RuleCounter();
  let evaluated = 0;
  let nonCompliant = 0;
  for await (const batch of store.eachCertificate(BATCH, options.only)) {
    const results = batch.map((certificate) =>
      evaluateCertificatePolicy(certificate.facts, compiled, at, { issuerFingerprint: certificate.issuerFingerprint }),
    );
    await store.savePolicyResults(results);
    options.onResults?.(results);
    evaluated += results.length;
    for (const result of results) {
      if (!result.compliant) nonCompliant += 1;
      byRule.add(result);
    }
  }
  const summary: PolicyEvaluationSummary = {
    policyVersion: version,
    evaluated,
    nonCompliant,
    byRule: byRule.rows(),
  };
  await store.appendAudit([
    {
      at,
      actor: options.actor,
      action: 'policy.evaluated',
      subject: `policy:${version}`,
      where: options.where,
      details: { ...summary },
    },
  ]);
  return summary;
}
