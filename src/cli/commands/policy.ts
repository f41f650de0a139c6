import { reevaluatePolicy } from '../../core/application/reevaluate-policy';
import { UsageError } from '../errors';
import { renderTable } from '../format/table';
import { whenLifecyclesReachable, type LifecycleCommandContext } from './lifecycle';

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
  context: LifecycleCommandContext,
  io: { out: (line: string) => void },
): Promise<boolean> {
  if (action === 'show') {
    io.out(JSON.stringify(context.policy, null, 2));
    return true;
  }
  if (action !== 'check') throw new UsageError(`unknown policy action "${action}"; use check or show`);
  const summary = await reevaluatePolicy(context.store, context.policy, context);
  // Lifecycles read CERTFLOW_POLICY_FILE: a check of that policy tells them to re-plan; a trial of another file does not.
  const inForce = context.policySource === (context.config.policyFile ?? null);
  const told = inForce
    ? await whenLifecyclesReachable(context, ({ lifecycles }) =>
        lifecycles.notifyInputsChanged({ all: true }, { reason: 'policy', by: context.actor }),
      )
    : null;
  if (options.json) {
    const lifecycles =
      told && 'done' in told
        ? { signalled: told.done.signalled }
        : { unavailable: told?.unavailable ?? 'not the policy in force' };
    io.out(JSON.stringify({ policySource: context.policySource, ...summary, lifecycles }, null, 2));
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
  if (told && 'done' in told) io.out(`Lifecycles told to re-plan: ${told.done.signalled.toLocaleString('en-US')}`);
  else if (told) io.out(`Lifecycles not told to re-plan: ${told.unavailable}; run this check again once certflow runs`);
  return summary.nonCompliant === 0;
}
