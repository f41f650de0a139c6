import type { LifecycleStep } from '../../domain/schedule/lifecycle-schedule';
import { acts } from './activity-proxies';
import { renewalIssuer } from './issuer';
import { setPhase } from './phase';
import { daysLeft, type LifecycleRun } from './state';
import { commentTicket, ensureTicket } from './tickets';

/** Acts on a due step of the plan: auto-renew, the ticket, reminders, escalation, the expiry incident. */
export async function actOnScheduleStep(run: LifecycleRun, step: LifecycleStep): Promise<void> {
  const { ctx, self } = run;
  const serious = step.events.filter((event) => event.kind !== 'reminder');
  const stepKey = `${step.level}-${Math.min(...step.events.map((event) => event.offsetDays))}`;
  const left = daysLeft(ctx.certificate.notAfter);
  if (ctx.group?.autoRenew && !run.requestOpen() && serious.length > 0 && step.level !== 'expiry') {
    run.openRequest(
      'renewal',
      {
        source: 'schedule',
        requestedBy: { id: self, displayName: 'certflow schedule' },
        reason: `auto-renew of group ${ctx.group.id}: ${left} days left`,
        campaignId: null,
        revocationReason: null,
        replace: true,
      },
      { id: `group:${ctx.group.id}`, displayName: `auto-renew setting of group ${ctx.group.id}` },
    );
  }
  if (serious.length > 0) await ensureTicket(run, self);
  switch (step.level) {
    case 'reminder':
    case 'ticket':
    case 'renewal-deadline': {
      if (run.requestOpen()) return;
      const plan = run.schedule();
      const issuer = renewalIssuer(run);
      await acts.sendLifecycleNotification({
        ...run.notificationBase(run.key(stepKey)),
        kind: 'reminder',
        daysLeft: left,
        renewalDeadline: plan.renewalDeadline,
        ...(issuer === null ? {} : { renewalIssuer: issuer }),
        audienceRole: 'owners',
        actor: self,
      });
      run.record('reminder', `${left} days left (${stepKey})`);
      await commentTicket(run, 'reminder', stepKey, `Reminder sent to the owners: ${left} days left.`, self);
      return;
    }
    case 'escalation': {
      const reason = `not renewed and replaced ${left} days before expiry (${ctx.certificate.notAfter})`;
      await acts.sendLifecycleNotification({
        ...run.notificationBase(run.key(stepKey)),
        kind: 'escalation',
        cause: 'not-renewed',
        reason,
        daysLeft: left,
        audienceRole: 'escalation',
        actor: self,
      });
      await acts.escalateTicket({
        ticket: await ensureTicket(run, self),
        idempotencyKey: run.key(`escalate/${stepKey}`),
        level: 'escalation',
        reason,
        group: ctx.group,
        actor: self,
        subject: ctx.certificate.fingerprintSha256,
      });
      run.record('escalation', reason);
      await setPhase(run, run.phase, 'lifecycle.escalated', self, { reason });
      return;
    }
    case 'expiry': {
      const reason = `expired at ${ctx.certificate.notAfter} and was not replaced`;
      await acts.sendLifecycleNotification({
        ...run.notificationBase(run.key(stepKey)),
        kind: 'incident',
        reason,
        audienceRole: 'incident',
        actor: self,
      });
      await acts.escalateTicket({
        ticket: await ensureTicket(run, self),
        idempotencyKey: run.key(`incident/${stepKey}`),
        level: 'incident',
        reason,
        group: ctx.group,
        actor: self,
        subject: ctx.certificate.fingerprintSha256,
      });
      run.record('incident', reason);
      await setPhase(run, 'expired', 'lifecycle.expired', self, { reason });
      return;
    }
  }
}
