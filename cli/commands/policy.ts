import { reevaluatePolicy } from '../../integrations/inventory/reevaluate-policy';
import { UsageError } from '../errors';
import { renderTable } from '../format/table';
import type { InventoryContext } from '../inventory-context';

/** Options of `certflow policy`. */
export const POLICY_OPTIONS = {
  policy: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/**
 * Runs `certflow policy check|show`. `check` validates the policy, re-evaluates every certificate and reports the
 * violations per rule; it returns false (exit 1) when any certificate is non-compliant.
 */
export async function runPolicy(
  action: string,
  options: { json: boolean },
  context: InventoryContext,
  io: { out: (line: string) => void },
): Promise<boolean> {
  if (action === 'show') {
    io.out(JSON.stringify(context.policy, null, 2));
    return true;
  }
  if (action !== 'check') throw new UsageError(`unknown policy action "${action}"; use check or show`);
  const summary = await reevaluatePolicy(context.store, context.policy, context);
  if (options.json) {
    io.out(JSON.stringify({ policySource: context.policySource, ...summary }, null, 2));
    return summary.nonCompliant === 0;
  }
  io.out(`Policy ${context.policySource ?? '(NIST defaults)'} version ${summary.policyVersion.slice(0, 12)}`);
  io.out(
    `Evaluated ${summary.evaluated.toLocaleString('en-US')} certificates: ` +
      `${(summary.evaluated - summary.nonCompliant).toLocaleString('en-US')} compliant, ` +
      `${summary.nonCompliant.toLocaleString('en-US')} not`,
  );
  if (summary.byRule.length > 0) {
    io.out(
      renderTable(summary.byRule, [
        { header: 'RULE', cell: (row) => row.ruleId },
        { header: 'NAME', cell: (row) => row.rule },
        { header: 'CERTIFICATES', cell: (row) => row.count.toLocaleString('en-US'), align: 'right' },
      ]),
    );
    io.out('See them with: certflow list --rule <RULE>');
  }
  return summary.nonCompliant === 0;
}
