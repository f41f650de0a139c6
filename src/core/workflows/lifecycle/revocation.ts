import { allHandlersFinished, condition } from '@temporalio/workflow';
import type { LifecycleRequest } from '../../domain/lifecycle/model';
import type { CertificateLifecycleResult } from '../definitions';
import type { PendingRevocation } from '../../domain/lifecycle/lifecycle-view';
import { acts, issuing } from './activity-proxies';
import { setPhase } from './phase';
import { nowIso, type LifecycleRun } from './state';
import { StepBookkeeper } from './step-bookkeeping';
import { commentTicket, ensureTicket, ticketComment } from './tickets';

/** Revokes a certificate at its CA, once per fingerprint; returns what the CA said. */
export async function revokeNow(run: LifecycleRun, revocation: PendingRevocation, actor: string): Promise<string> {
  const outcome = await issuing.revokeCertificate({
    idempotencyKey: `${run.workflowId}/revoke/${revocation.fingerprintSha256}`,
    fingerprintSha256: revocation.fingerprintSha256,
    serialNumber: revocation.serialNumber,
    issuer: revocation.issuer,
    reason: revocation.reason,
    keyRef: revocation.keyRef,
    actor,
  });
  run.record(`revocation.${outcome.outcome}`, `${revocation.serialNumber}: ${outcome.detail}`);
  return outcome.detail;
}

/** Revokes the version a renewal replaced, says so on its ticket and reports it to its campaign. */
export async function revokePrevious(run: LifecycleRun, revocation: PendingRevocation): Promise<void> {
  const detail = await revokeNow(run, revocation, run.self);
  const along = new StepBookkeeper();
  await along.add(
    ticketComment(
      run,
      'revoked',
      `revoked/${revocation.fingerprintSha256}`,
      `The replaced certificate (serial ${revocation.serialNumber}) is revoked: ${detail}`,
      run.self,
      revocation.ticket,
    ),
  );
  run.st.pendingRevocation = null;
  await setPhase(
    run,
    'monitoring',
    'lifecycle.old-certificate-revoked',
    run.self,
    { serialNumber: revocation.serialNumber, detail },
    run.st.campaign?.fingerprintSha256 === revocation.fingerprintSha256
      ? { state: 'old-revoked', detail: `old certificate revoked (${revocation.reason})` }
      : undefined,
    along,
  );
}

/** Revokes the certificate without replacement (an approved revocation with `replace: false`); the lifecycle ends. */
export async function retire(run: LifecycleRun, request: LifecycleRequest): Promise<CertificateLifecycleResult> {
  const { st, ctx } = run;
  const actor = request.decidedBy?.id ?? run.self;
  await ensureTicket(run, actor);
  if (st.pendingRevocation) await revokePrevious(run, st.pendingRevocation);
  const detail = await revokeNow(
    run,
    {
      fingerprintSha256: ctx.certificate.fingerprintSha256,
      serialNumber: ctx.certificate.serialNumber,
      issuer: ctx.certificate.issuer,
      reason: request.revocationReason ?? 'unspecified',
      dueAt: nowIso(),
      keyRef: st.keyRef,
      ticket: st.ticket,
    },
    actor,
  );
  run.updateRequest({ status: 'completed' });
  run.closing = {
    code: 'not-active',
    message: `this certificate was just revoked without replacement (${request.id})`,
  };
  await commentTicket(run, 'revoked', `revoked/${request.id}`, `Revoked without replacement: ${detail}`, actor);
  await acts.sendLifecycleNotification({
    ...run.notificationBase(run.key(`retired/${request.id}`)),
    kind: 'renewal-progress',
    step: 'revoked',
    detail: `revoked without replacement (${request.revocationReason}): ${detail}`,
    replacement: null,
    audienceRole: 'owners',
    actor,
  });
  await setPhase(
    run,
    'retired',
    'lifecycle.retired',
    actor,
    { requestId: request.id, detail },
    { state: 'skipped', detail: `revoked without replacement: ${detail}` },
  );
  await condition(allHandlersFinished);
  return { managedCertificateId: run.managedId, outcome: 'retired', cycle: st.cycle, records: st.records };
}
