import { unconfiguredIssuer } from '../../adapters/acme/acme-issuers-config';
import { CaaLookupCache } from '../../adapters/dns/caa-lookup-cache';
import { NodeCaaResolver } from '../../adapters/dns/node-caa-resolver';
import { type CaaCheckSummary, checkCaa } from '../../core/application/check-caa';
import { reevaluatePolicy } from '../../core/application/reevaluate-policy';
import { UsageError } from '../errors';
import { renderTable } from '../format/table';
import { whenLifecyclesReachable, type LifecycleCommandContext } from './lifecycle';

/** Options of `certflow policy`. */
export const POLICY_OPTIONS = {
  policy: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** CAA queries in flight at once during a check: enough to hide latency, few enough not to flood a resolver. */
const CAA_CONCURRENCY = 8;

/**
 * Runs `certflow policy check|show`. `check` validates the policy, re-evaluates every certificate, checks every
 * managed name's CAA against the renewing issuer (R-CAA-1) and reports the violations per rule; it returns false
 * (exit 1) when any certificate is non-compliant or any name's CAA forbids the issuer or cannot be looked up.
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
  const issuerProblem = unconfiguredIssuer(
    `${context.policySource ?? 'the policy'}: renewal.issuer`,
    context.policy.renewal.issuer,
    context.config.issuers,
  );
  if (issuerProblem !== null) throw new UsageError(issuerProblem);
  const summary = await reevaluatePolicy(context.store, context.policy, context);
  const caa = await checkManagedCaa(context);
  const compliant = summary.nonCompliant === 0 && (caa === null || caa.findings.length === 0);
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
    const caaJson = caa ?? { unchecked: 'the default issuer has no CAA identity and CERTFLOW_CAA_IDENTITY is not set' };
    io.out(JSON.stringify({ policySource: context.policySource, ...summary, caa: caaJson, lifecycles }, null, 2));
    return compliant;
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
  printCaa(caa, io);
  if (told && 'done' in told) io.out(`Lifecycles told to re-plan: ${told.done.signalled.toLocaleString('en-US')}`);
  else if (told) io.out(`Lifecycles not told to re-plan: ${told.unavailable}; run this check again once certflow runs`);
  return compliant;
}

/**
 * R-CAA-1 for every managed certificate, against CERTFLOW_CAA_IDENTITY, else the default issuer's CAA identity when
 * it is an ACME CA (per certificate's own issuer once owner groups and policies name issuers); null when neither
 * gives one, as with the internal CA, which reads no CAA. One lookup cache per run.
 */
async function checkManagedCaa(
  context: LifecycleCommandContext,
): Promise<(CaaCheckSummary & { identity: string }) | null> {
  const { caaIdentity, issuers } = context.config;
  const identity = caaIdentity ?? issuers.acme.find((issuer) => issuer.name === issuers.defaultIssuer)?.caaIdentity;
  if (identity === undefined) return null;
  const resolver = new CaaLookupCache(new NodeCaaResolver({ servers: context.config.dnsServers }), CAA_CONCURRENCY);
  return { identity, ...(await checkCaa(context.store, resolver, () => identity)) };
}

function printCaa(caa: (CaaCheckSummary & { identity: string }) | null, io: { out: (line: string) => void }): void {
  if (caa === null) {
    io.out(
      'CAA (R-CAA-1) not checked: the default issuer has no CAA identity (the internal CA reads no CAA); make an ACME ' +
        "issuer the default in CERTFLOW_ISSUERS_FILE or set CERTFLOW_CAA_IDENTITY to the renewing CA's CAA domain",
    );
    return;
  }
  const failed = caa.findings.filter((finding) => finding.violation.rule === 'caa-lookup-failed').length;
  io.out(
    `CAA (R-CAA-1) for issuer ${caa.identity}: ${caa.names.toLocaleString('en-US')} names of ` +
      `${caa.certificates.toLocaleString('en-US')} managed certificates, ` +
      `${(caa.findings.length - failed).toLocaleString('en-US')} forbidden, ${failed.toLocaleString('en-US')} not looked up`,
  );
  for (const finding of caa.findings) {
    const { ruleId, rule, message, remedy } = finding.violation;
    io.out(`${ruleId} ${rule}  ${finding.name}  (managed certificate ${finding.managedCertificateId})`);
    io.out(`  ${message}`);
    io.out(`  Fix: ${remedy}`);
  }
}
