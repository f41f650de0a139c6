/**
 * Every refusal a Slack user is shown goes to the audit log (R-SEC-2, R-RA-2, R-LOG-1): who was refused what, and
 * why. The lifecycle client logs the refusals of its validators too; this entry says what Slack showed, including
 * refusals that never reached a lifecycle (a bad button, a request no longer open, a command on no certificate).
 */
import type { InventoryStore } from '../../../core/ports/inventory-store';

/** What was refused, for {@link auditSlackRefusal}. */
export interface SlackRefusal {
  /** The Slack user id of whoever was refused. */
  readonly userId: string;
  /** What they tried: `approve`, `reject`, `request-renewal`, `command.renew` … */
  readonly action: string;
  /** What it was about: a request id, a managed certificate id, or the command as typed. */
  readonly subject: string;
  /** A stable code: the lifecycle's refusal code, or the listener's own (`bad-button`, `not-open` …). */
  readonly code: string;
  /** The sentence the user was shown. */
  readonly reason: string;
}

/** What {@link auditSlackRefusal} needs. */
export interface RefusalAuditDependencies {
  readonly store: Pick<InventoryStore, 'appendAudit'>;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
}

/**
 * Appends a `slack.refused` entry. Never throws: a failing audit log is logged, and the caller still shows the
 * refusal, because a user who is not told why nothing happened clicks again.
 */
export async function auditSlackRefusal(dependencies: RefusalAuditDependencies, refusal: SlackRefusal): Promise<void> {
  const at = (dependencies.now ?? (() => new Date()))().toISOString();
  try {
    await dependencies.store.appendAudit([
      {
        at,
        actor: `slack:${refusal.userId}`,
        action: 'slack.refused',
        subject: refusal.subject,
        where: 'slack',
        details: { action: refusal.action, code: refusal.code, reason: refusal.reason },
      },
    ]);
  } catch (error) {
    dependencies.log(
      `the refusal of ${refusal.action} on ${refusal.subject} for slack:${refusal.userId} (${refusal.code}) was ` +
        `not audited: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
