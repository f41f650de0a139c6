/** The lifecycle activities' audit log (R-LOG-1): every step they take, stamped with its time and its workflow. */
import { Context } from '@temporalio/activity';
import type { InventoryStore } from '../ports/inventory-store';

/** One step to audit; the log adds when it happened and for which workflow. */
export interface LifecycleAuditEntry {
  idempotencyKey: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

/** Appends one step to the audit log (idempotent per key). */
export type LifecycleAudit = (entry: LifecycleAuditEntry) => Promise<void>;

function where(): string {
  return Context.current().info.workflowExecution?.workflowId ?? 'activity';
}

/** The audit log of the lifecycle activities, in the inventory store. */
export function createLifecycleAudit(store: InventoryStore): LifecycleAudit {
  return async (entry) => {
    await store.appendAudit([{ ...entry, at: new Date().toISOString(), where: where() }]);
  };
}
