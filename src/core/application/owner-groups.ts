/**
 * Creating and changing owner groups (R-OWN-1), for the CLI and the HTTP API: the group is checked, stored, audited,
 * and the running lifecycles of a changed group are told to re-read it (reminder days, auto-renew, contacts).
 */
import type { OwnerGroup } from '../domain/inventory/model';
import { ownerGroupProblem } from '../domain/inventory/owner-group-check';
import type { OwnerGroupStore, AuditLog } from '../ports/inventory-store';
import type { LifecycleClient } from './lifecycle-client';

/** How a save treats a group that exists already (or not). */
export type OwnerGroupSaveMode = 'create' | 'update' | 'upsert';

/** The group cannot be saved as asked: it exists (create), it does not (update), or it is incomplete. */
export class OwnerGroupInputError extends Error {
  override readonly name = 'OwnerGroupInputError';
  constructor(
    readonly code: 'exists' | 'not-found' | 'incomplete',
    message: string,
  ) {
    super(message);
  }
}

/** What saving a group did. */
export interface OwnerGroupSaved {
  readonly outcome: 'created' | 'updated';
  readonly group: OwnerGroup;
  /**
   * Lifecycles of an updated group told to re-plan, why they could not be, or null when none had to be (a new
   * group owns nothing yet).
   */
  readonly lifecycles: { readonly signalled: number } | { readonly unavailable: string } | null;
}

/** Options of {@link saveOwnerGroup}. */
export interface SaveOwnerGroupOptions {
  readonly store: OwnerGroupStore & Pick<AuditLog, 'appendAudit'>;
  /** The principal who changes the group, as the audit log and the lifecycles record it. */
  readonly actor: string;
  readonly where: string;
  /** Tells the group's running lifecycles to re-plan; resolves with why it could not when Temporal is out of reach. */
  readonly tellLifecycles: (
    work: (lifecycles: Pick<LifecycleClient, 'notifyInputsChanged'>) => Promise<number>,
  ) => Promise<{ readonly done: number } | { readonly unavailable: string }>;
  readonly now?: () => Date;
}

/** The group as it will be stored, built from the one stored (null when none is). */
export type OwnerGroupChange = (existing: OwnerGroup | null) => OwnerGroup;

/** Saves an owner group: `change` builds it from the stored one; refused with {@link OwnerGroupInputError}. */
export async function saveOwnerGroup(
  id: string,
  mode: OwnerGroupSaveMode,
  change: OwnerGroupChange,
  options: SaveOwnerGroupOptions,
): Promise<OwnerGroupSaved> {
  const existing = await options.store.getOwnerGroup(id);
  if (mode === 'create' && existing !== null) {
    throw new OwnerGroupInputError('exists', `group ${id} exists already; change it with an update`);
  }
  if (mode === 'update' && existing === null) {
    throw new OwnerGroupInputError('not-found', `no owner group "${id}"; create it first`);
  }
  const group = change(existing);
  const problem = ownerGroupProblem(group);
  if (problem !== null) throw new OwnerGroupInputError('incomplete', problem);
  const outcome = await options.store.upsertOwnerGroup(group);
  await options.store.appendAudit([
    {
      at: (options.now ?? (() => new Date()))().toISOString(),
      actor: options.actor,
      action: `group.${outcome}`,
      subject: id,
      where: options.where,
      details: { group },
    },
  ]);
  if (outcome === 'created') return { outcome, group, lifecycles: null };
  const told = await options.tellLifecycles(
    async (lifecycles) =>
      (await lifecycles.notifyInputsChanged({ ownerGroup: id }, { reason: 'owner-group', by: options.actor }))
        .signalled,
  );
  return { outcome, group, lifecycles: 'done' in told ? { signalled: told.done } : told };
}
