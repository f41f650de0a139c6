import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import type { certificateLifecycleWorkflow } from '../certificate-lifecycle';
import type { CertificateReplacedInput, LifecycleCarryOver } from '../definitions';
import type { LifecycleContext } from '../../activities/lifecycle';
import type { PendingRevocation } from '../../domain/lifecycle/lifecycle-view';
import { acts } from './activity-proxies';
import { setPhase } from './phase';
import { replacedRefusal, type LifecycleRun } from './state';
import { commentTicket } from './tickets';

/**
 * Continues as new for the next version (cycle + 1), carrying the records, the revocation due and the campaign, and
 * the version's context when it was gathered and nothing has asked for a reload or told of a replacement since.
 */
export async function nextCycle(
  run: LifecycleRun,
  fingerprint: string,
  keyRef: string | null,
  revocation: PendingRevocation | null,
  context: LifecycleContext | null = null,
): Promise<never> {
  await condition(allHandlersFinished);
  const current = context !== null && run.reload === null && run.replacedBy === null;
  const carried: LifecycleCarryOver = {
    cycle: run.st.cycle + 1,
    fingerprintSha256: fingerprint,
    keyRef,
    handledUntil: null,
    requestSequence: 0,
    request: null,
    approvalReceipt: null,
    ticket: null,
    pendingRevocation: revocation,
    records: run.st.records,
    changeDecision: null,
    changeGate: null,
    campaign: run.st.campaign ?? null,
  };
  return await continueAsNew<typeof certificateLifecycleWorkflow>({
    managedCertificateId: run.managedId,
    carried,
    historyEventBudget: run.input.historyEventBudget,
    ...(current ? { context } : {}),
  });
}

/** Continues as new within the same cycle, carrying everything, to keep the history short. */
export async function nextCycleInPlace(run: LifecycleRun): Promise<never> {
  return await continueAsNew<typeof certificateLifecycleWorkflow>({
    managedCertificateId: run.managedId,
    carried: run.st,
    historyEventBudget: run.input.historyEventBudget,
  });
}

/** The inventory or a scan saw another certificate in service: this version's cycle ends and the next one watches it. */
export async function adoptOutsideReplacement(run: LifecycleRun, replaced: CertificateReplacedInput): Promise<never> {
  const { st } = run;
  run.replacedBy = null;
  run.closing = replacedRefusal(replaced.fingerprintSha256, 'replaced outside certflow');
  const detail = `replaced outside certflow by ${replaced.fingerprintSha256.slice(0, 16)} (seen by ${replaced.detectedBy})`;
  if (run.requestOpen()) run.updateRequest({ status: 'superseded', failure: detail });
  run.record('certificate.replaced-outside-certflow', detail);
  await acts.sendLifecycleNotification({
    ...run.notificationBase(run.key(`replaced/${replaced.fingerprintSha256}`)),
    kind: 'renewal-progress',
    step: 'replaced-outside-certflow',
    detail,
    replacement: null,
    audienceRole: 'owners',
    actor: run.self,
  });
  if (st.ticket) {
    await commentTicket(
      run,
      'replaced-outside-certflow',
      `replaced/${replaced.fingerprintSha256}`,
      `Certificate ${detail}.`,
      run.self,
    );
    await acts.transitionTicket({
      ticket: st.ticket,
      idempotencyKey: run.key(`transition/done/replaced`),
      to: 'done',
      actor: run.self,
      subject: run.ctx.certificate.fingerprintSha256,
    });
  }
  const linked = st.campaign ?? null;
  await setPhase(
    run,
    run.phase === 'revocation-pending' ? run.phase : 'monitoring',
    'lifecycle.replaced-outside-certflow',
    run.self,
    { detail },
    linked && linked.state !== 'verified' ? { state: 'skipped', detail } : undefined,
  );
  return await nextCycle(run, replaced.fingerprintSha256, null, st.pendingRevocation);
}
