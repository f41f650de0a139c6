import { unconfiguredIssuer } from '../../adapters/acme/acme-issuers-config';
import { CaaLookupCache } from '../../adapters/dns/caa-lookup-cache';
import { NodeCaaResolver } from '../../adapters/dns/node-caa-resolver';
import { sqlAcmeState } from '../../adapters/acme/acme-state';
import { SqlCaaResultStore } from '../../adapters/database/sql-caa-result-store';
import { type CaaCheckSummary, type CaaIssuers, checkCaa } from '../../core/application/check-caa';
import { INTERNAL_ISSUER } from '../../core/ports/certificate-authorities';
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
    const caaJson = caa ?? {
      unchecked: 'no configured issuer has a CAA identity and CERTFLOW_CAA_IDENTITY is not set',
    };
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

/** A CAA check's result, with the identity CERTFLOW_CAA_IDENTITY imposed on every certificate, if it did. */
type CaaCheck = CaaCheckSummary & { readonly identity?: string };

/**
 * R-CAA-1 for every managed certificate, against the CAA identity of the issuer that will renew it (its owner group's
 * issuer, the policy's, the one that issued it, the default: chooseIssuer), or against CERTFLOW_CAA_IDENTITY for
 * every certificate when it is set (a trial of a CA before moving to it). Null when no issuer has a CAA identity, as
 * with the internal CA alone, which reads no CAA. One lookup cache per run; the findings replace the stored ones.
 */
async function checkManagedCaa(context: LifecycleCommandContext): Promise<CaaCheck | null> {
  const { caaIdentity, issuers: configured } = context.config;
  if (caaIdentity === undefined && configured.acme.length === 0) return null;
  const acme = sqlAcmeState(context.db);
  const issuers: CaaIssuers = {
    settings: {
      policyIssuer: context.policy.renewal.issuer ?? null,
      defaultIssuer: configured.defaultIssuer,
      configured: [INTERNAL_ISSUER, ...configured.acme.map((issuer) => issuer.name)],
    },
    async issuerOf(issuerDn) {
      for (const issuer of configured.acme) if (await acme.issuedUnder(issuer.name, issuerDn)) return issuer.name;
      return null;
    },
    identityOf: (name) => caaIdentity ?? configured.acme.find((issuer) => issuer.name === name)?.caaIdentity ?? null,
  };
  const resolver = new CaaLookupCache(new NodeCaaResolver({ servers: context.config.dnsServers }), CAA_CONCURRENCY);
  const summary = await checkCaa(context.store, resolver, issuers, new SqlCaaResultStore(context.db));
  return caaIdentity === undefined ? summary : { ...summary, identity: caaIdentity };
}

/** How many certificates the internal CA issued and renews, which CAA does not govern (a private CA). */
function privateCaNote(caa: CaaCheck): string {
  if (caa.privateCa === 0) return '';
  return `; ${caa.privateCa.toLocaleString('en-US')} issued and renewed by certflow's internal CA, a private CA, which CAA does not apply to`;
}

function printCaa(caa: CaaCheck | null, io: { out: (line: string) => void }): void {
  if (caa === null) {
    io.out(
      'CAA (R-CAA-1) not checked: no configured issuer has a CAA identity (the internal CA reads no CAA); name an ACME ' +
        "issuer in CERTFLOW_ISSUERS_FILE or set CERTFLOW_CAA_IDENTITY to the renewing CA's CAA domain",
    );
    return;
  }
  if (caa.certificates === 0 && (caa.identity === undefined || caa.privateCa > 0)) {
    io.out(
      `CAA (R-CAA-1): none of the ${(caa.skipped + caa.privateCa).toLocaleString('en-US')} managed certificates is ` +
        'renewed by an issuer with a CAA identity' +
        (caa.skipped > 0 ? ' (the internal CA reads no CAA)' : '') +
        privateCaNote(caa) +
        "; an owner group's --issuer, the policy's renewal.issuer or the default in CERTFLOW_ISSUERS_FILE names the " +
        'ACME issuer that renews them',
    );
    return;
  }
  const failed = caa.findings.filter((finding) => finding.violation.rule === 'caa-lookup-failed').length;
  const against =
    caa.identity === undefined
      ? `against each certificate's renewing issuer (${Object.entries(caa.byIssuer)
          .map(([issuer, count]) => `${issuer}: ${count.toLocaleString('en-US')}`)
          .join(', ')})`
      : `for issuer ${caa.identity}`;
  io.out(
    `CAA (R-CAA-1) ${against}: ${caa.names.toLocaleString('en-US')} names of ` +
      `${caa.certificates.toLocaleString('en-US')} managed certificates, ` +
      `${(caa.findings.length - failed).toLocaleString('en-US')} forbidden, ${failed.toLocaleString('en-US')} not looked up` +
      (caa.skipped > 0 ? `; ${caa.skipped.toLocaleString('en-US')} renewed by an issuer that reads no CAA` : '') +
      privateCaNote(caa),
  );
  for (const finding of caa.findings) {
    const { ruleId, rule, message, remedy } = finding.violation;
    io.out(
      `${ruleId} ${rule}  ${finding.name}  (managed certificate ${finding.managedCertificateId}, issuer ${finding.issuer})`,
    );
    io.out(`  ${message}`);
    io.out(`  Fix: ${remedy}`);
  }
  if (caa.findings.length > 0) io.out('See them with: certflow list --rule R-CAA-1');
}
