import { patched, setHandler } from '@temporalio/workflow';
import {
  decideCaRenewalDeadline,
  type SuggestedRenewalWindow,
  windowJitter,
} from '../../domain/lifecycle/ca-renewal-window';
import { renewalWindowSuggestedSignal } from '../definitions';
import { acts } from './activity-proxies';
import { renewalIssuer } from './issuer';
import { daysLeft, nowIso, type LifecycleRun } from './state';

/** Accepts a CA's suggested window (R-REN-3); the loop weighs the latest one. */
export function setRenewalWindowHandler(run: LifecycleRun): void {
  setHandler(renewalWindowSuggestedSignal, (window) => {
    run.suggestedWindow = window;
    run.wake = true;
  });
}

/**
 * Weighs a CA's suggested window: when it ends before the renewal deadline in force, the deadline moves into it (the
 * schedule then acts on it like any deadline: auto-renew, ticket, reminder), the step is audited and the owners are
 * told that the CA asked for an early renewal and where it explains why.
 */
export async function weighRenewalWindow(run: LifecycleRun, offered: SuggestedRenewalWindow): Promise<void> {
  // New commands for running lifecycles: histories recorded before R-REN-3 never had this signal.
  if (!patched('ca-renewal-window')) return;
  const { st, self } = run;
  const decision = decideCaRenewalDeadline({
    offered,
    fingerprintSha256: st.fingerprintSha256,
    deadlineInForce: run.schedule().renewalDeadline,
    current: st.caRenewal ?? null,
    now: nowIso(),
    jitter: windowJitter(st.fingerprintSha256),
  });
  if (decision.kind === 'keep') return;
  st.caRenewal = decision.taken;
  const { deadline } = decision.taken;
  const explanation = offered.explanationUrl === null ? '' : `; the CA explains why at ${offered.explanationUrl}`;
  const detail = `${offered.issuer} asked for renewal between ${offered.start} and ${offered.end}: renewal deadline moved to ${deadline}${explanation}`;
  run.record('renewal-window', detail);
  const stepKey = `ca-renewal-window/${offered.start}/${offered.end}`;
  await acts.recordLifecycleStep({
    managedCertificateId: run.managedId,
    idempotencyKey: run.key(stepKey),
    actor: self,
    action: 'lifecycle.ca-renewal-window',
    subject: st.fingerprintSha256,
    details: {
      workflowId: run.workflowId,
      cycle: st.cycle,
      issuer: offered.issuer,
      window: { start: offered.start, end: offered.end },
      explanationUrl: offered.explanationUrl,
      renewalDeadline: deadline,
    },
  });
  // A request under way already renews: the owners are told by its own messages.
  if (run.requestOpen()) return;
  const issuer = renewalIssuer(run);
  await acts.sendLifecycleNotification({
    ...run.notificationBase(run.key(`${stepKey}/owners`)),
    kind: 'reminder',
    daysLeft: daysLeft(run.ctx.certificate.notAfter),
    renewalDeadline: deadline,
    earlyRenewal: { issuer: offered.issuer, explanationUrl: offered.explanationUrl },
    ...(issuer === null ? {} : { renewalIssuer: issuer }),
    audienceRole: 'owners',
    actor: self,
  });
}
