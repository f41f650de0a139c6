import { patched } from '@temporalio/workflow';
import type { ReplacementCertificate } from '../../activities/lifecycle-renewal';
import type { CertificateLocation } from '../../domain/inventory/model';
import type { CertificateSummary, LifecycleRequest } from '../../domain/lifecycle/model';
import { certificateNames, chooseRenewalKeySpec, renewalValidityDays } from '../../domain/lifecycle/renewal-plan';
import type { PendingRevocation } from '../../domain/lifecycle/lifecycle-view';
import { acts, deploying, issuing } from './activity-proxies';
import { nextCycle } from './handover';
import { phaseRecordedBy, setPhase } from './phase';
import { renewalIssuer } from './issuer';
import { revokeNow, revokePrevious } from './revocation';
import { DAY_MS } from '../../domain/duration';
import { daysLeft, failureMessage, nowIso, replacedRefusal, type LifecycleRun } from './state';
import { StepBookkeeper } from './step-bookkeeping';
import { commentTicket, ensureTicket, ticketComment } from './tickets';

/** Runs from this patch on record the renewal's start in the issuance activity; older runs replay one activity each. */
const START_WITH_ISSUANCE_PATCH = 'renewal-started-with-issuance';
/** Runs from this patch on gather the new version's context with the renewal's last step and hand it to the next run. */
const CONTEXT_WITH_COMPLETION_PATCH = 'renewal-context-with-completion';

/** Ends a renewal that failed: audited, reported to its campaign, escalated to people and on the ticket. */
async function failRequest(run: LifecycleRun, request: LifecycleRequest, problem: string, stepKey: string) {
  const { st } = run;
  run.lastProblem = problem;
  run.updateRequest({ status: 'failed', failure: problem });
  run.record('renewal.failed', problem);
  await setPhase(
    run,
    'monitoring',
    'renewal.failed',
    run.self,
    { requestId: request.id, detail: problem },
    { state: 'failed', detail: problem },
  );
  await acts.sendLifecycleNotification({
    ...run.notificationBase(run.key(`failed/${request.id}/${stepKey}`)),
    kind: 'escalation',
    cause: 'renewal-failed',
    reason: problem,
    daysLeft: daysLeft(run.ctx.certificate.notAfter),
    audienceRole: 'escalation',
    actor: run.self,
  });
  if (st.ticket) {
    await commentTicket(run, 'renewal-failed', `failed/${request.id}`, `Renewal failed: ${problem}`, run.self);
    await acts.escalateTicket({
      ticket: st.ticket,
      idempotencyKey: run.key(`escalate/failed/${request.id}`),
      level: 'escalation',
      reason: problem,
      group: run.ctx.group,
      actor: run.self,
      subject: run.ctx.certificate.fingerprintSha256,
    });
  }
}

/**
 * Puts back what an installation replaced and revokes the certificate that never went into service, so it can
 * never become the current version. Returns what to tell people about the certificate in service: still the old
 * one, or the rollback's failure.
 */
async function discardReplacement(
  run: LifecycleRun,
  fresh: CertificateSummary,
  keyRef: string,
  installKey: string,
  locations: CertificateLocation[],
  actor: string,
): Promise<string> {
  let inService = 'the old certificate stays in place';
  try {
    await acts.rollbackInstallation({
      idempotencyKey: run.key(installKey),
      locations,
      actor,
      subject: fresh.fingerprintSha256,
    });
  } catch (error) {
    inService = `putting the old certificate back failed too (${failureMessage(error)}): check what is served`;
    run.record('rollback.failed', inService);
  }
  await revokeNow(
    run,
    {
      fingerprintSha256: fresh.fingerprintSha256,
      serialNumber: fresh.serialNumber,
      issuer: fresh.issuer,
      reason: 'cessationOfOperation',
      dueAt: nowIso(),
      keyRef,
      ticket: run.st.ticket,
    },
    run.self,
  );
  return inService;
}

/** Issues, installs, verifies; on success continues as new for the new version (this call does not return). */
export async function renew(run: LifecycleRun, request: LifecycleRequest): Promise<void> {
  const { st, ctx, managedId } = run;
  const actor = request.decidedBy?.id ?? run.self;
  const replacing = ctx.certificate;
  await ensureTicket(run, actor);
  const started = { requestId: request.id };
  const startedBy = patched(START_WITH_ISSUANCE_PATCH)
    ? phaseRecordedBy(run, 'issuing', 'renewal.started', actor, started)
    : null;
  if (startedBy === null) await setPhase(run, 'issuing', 'renewal.started', actor, started);
  let issued: ReplacementCertificate;
  const issuer = renewalIssuer(run);
  try {
    issued = await issuing.issueReplacementCertificate({
      idempotencyKey: run.key(`issue/${request.id}`),
      managedCertificateId: managedId,
      replacing,
      keyRef: `${managedId}/c${st.cycle + 1}-${request.id.split('.').pop() ?? '1'}`,
      keySpec: chooseRenewalKeySpec(ctx.renewal.keyType, replacing, ctx.keySizeRule),
      validityDays: renewalValidityDays(ctx.policy, replacing),
      actor,
      ...(issuer === null ? {} : { issuer }),
      ...(startedBy === null ? {} : { startedBy }),
    });
  } catch (error) {
    const from = issuer?.kind === 'chosen' ? `the CA (${issuer.issuer})` : 'the CA';
    await failRequest(run, request, `${from} did not issue a certificate: ${failureMessage(error)}`, 'issue');
    return;
  }
  const fresh = issued.certificate;
  run.record('certificate.issued', `${fresh.id} valid until ${fresh.notAfter}`);
  // Each step's comment, and after verification the version switch, the ticket's transition and the owners' news, go
  // with the step's audit row in one activity (issue 21).
  const afterIssue = new StepBookkeeper();
  await afterIssue.add(
    ticketComment(
      run,
      'issued',
      `issued/${request.id}`,
      `Issued ${fresh.id} (serial ${fresh.serialNumber}), valid until ${fresh.notAfter}.`,
      actor,
    ),
  );

  const locations = [...replacing.locations];
  await setPhase(
    run,
    'installing',
    'renewal.installing',
    actor,
    { requestId: request.id, certificate: fresh.fingerprintSha256 },
    { state: 'issued', detail: `issued ${fresh.id}` },
    afterIssue,
  );
  try {
    await deploying.installCertificate({
      idempotencyKey: run.key(`install/${request.id}`),
      locations,
      certificatePem: issued.certificatePem,
      chainPems: [...issued.chainPems],
      keyRef: issued.keyRef,
      fingerprintSha256: fresh.fingerprintSha256,
      actor,
    });
  } catch (error) {
    const inService = await discardReplacement(run, fresh, issued.keyRef, `install/${request.id}`, locations, actor);
    await failRequest(run, request, `installation failed, ${inService}: ${failureMessage(error)}`, 'install');
    return;
  }
  const afterInstall = new StepBookkeeper();
  await afterInstall.add(
    ticketComment(
      run,
      'installed',
      `installed/${request.id}`,
      `Installed ${fresh.id} at ${locations.length} location(s).`,
      actor,
    ),
  );

  await setPhase(
    run,
    'verifying',
    'renewal.verifying',
    actor,
    { requestId: request.id },
    { state: 'installed', detail: `installed at ${locations.length} location(s)` },
    afterInstall,
  );
  const results = await deploying.verifyInstallation({
    idempotencyKey: run.key(`verify/${request.id}`),
    locations,
    expectedFingerprint: fresh.fingerprintSha256,
    trustAnchorPems: [issued.rootPem],
    names: certificateNames(fresh),
    actor,
  });
  const problems = results.flatMap((result) => result.problems);
  if (results.some((result) => !result.ok)) {
    await commentTicket(
      run,
      'verification-failed',
      `verify/${request.id}`,
      `Verification failed: ${problems.join('; ')}`,
      actor,
    );
    const inService = await discardReplacement(run, fresh, issued.keyRef, `install/${request.id}`, locations, actor);
    await failRequest(run, request, `verification failed, ${inService}: ${problems.join('; ')}`, 'verify');
    return;
  }

  const afterVerify = new StepBookkeeper();
  await afterVerify.add({
    activate: { managedCertificateId: managedId, fingerprintSha256: fresh.fingerprintSha256 },
  });
  await afterVerify.add(
    ticketComment(
      run,
      'verified',
      `verified/${request.id}`,
      `Verified: every location serves ${fresh.id} with a complete chain.`,
      actor,
    ),
  );
  const ticket = st.ticket;
  if (ticket) {
    await afterVerify.add({
      transition: {
        ticket,
        idempotencyKey: run.key(`transition/done/${request.id}`),
        to: 'done',
        actor,
        subject: ctx.certificate.fingerprintSha256,
      },
    });
  }
  // A campaign replaces certificates that must not stay trusted (a compromised CA, a weak key): revoked at once.
  const campaign = st.campaign ?? null;
  const revokeAfterMs =
    request.kind === 'revocation' || campaign !== null ? 0 : ctx.renewal.revocationDelayDays * DAY_MS;
  const revocation: PendingRevocation = {
    fingerprintSha256: replacing.fingerprintSha256,
    serialNumber: replacing.serialNumber,
    issuer: replacing.issuer,
    reason: request.revocationReason ?? campaign?.revocationReason ?? 'superseded',
    dueAt: new Date(Date.now() + revokeAfterMs).toISOString(),
    keyRef: st.keyRef,
    ticket,
  };
  await afterVerify.add({
    notification: {
      ...run.notificationBase(run.key(`renewed/${request.id}`)),
      kind: 'renewal-progress',
      step: 'installed-and-verified',
      detail: `${fresh.id} installed and verified; the old certificate is revoked at ${revocation.dueAt}`,
      replacement: fresh,
      audienceRole: 'owners',
      actor,
    },
  });
  run.updateRequest({ status: 'completed' });
  run.closing = replacedRefusal(fresh.fingerprintSha256, `renewed (request ${request.id})`);
  run.record('renewal.completed', `${fresh.id} replaces ${replacing.id}`);
  // A version replaced earlier and still waiting for its revocation is superseded twice now: revoke it before the
  // next cycle carries only the version just replaced.
  if (st.pendingRevocation) {
    await afterVerify.flush();
    await revokePrevious(run, st.pendingRevocation);
  }
  const nextContext = await setPhase(
    run,
    'revocation-pending',
    'renewal.completed',
    actor,
    { requestId: request.id, replacement: fresh.fingerprintSha256, revokeOldAt: revocation.dueAt },
    { state: 'verified', detail: `${fresh.id} verified` },
    afterVerify,
    patched(CONTEXT_WITH_COMPLETION_PATCH) ? fresh.fingerprintSha256 : undefined,
  );
  await nextCycle(run, fresh.fingerprintSha256, issued.keyRef, revocation, nextContext);
}
