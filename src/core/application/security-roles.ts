/**
 * The role check of actions only security leads and admins may take (R-SEC-2): starting campaigns is checked by the
 * campaign client, changing owner groups through the HTTP API here. Roles are those the certflow worker published
 * from its configuration, never the caller's own environment.
 */
import type { Actor } from '../domain/lifecycle/model';
import { securityRoleRefusal } from '../domain/lifecycle/roles';
import type { ReadPublishedRoles } from '../ports/published-roles';

/** The actor may not take this action; the message says who may and where that is configured. */
export class RoleRefusedError extends Error {
  override readonly name = 'RoleRefusedError';
  constructor(
    /** `not-security-lead`, or `roles-not-published` before any worker published its roles. */
    readonly code: 'not-security-lead' | 'roles-not-published',
    message: string,
  ) {
    super(message);
  }
}

/** Resolves when `actor` is a security lead or an admin; throws {@link RoleRefusedError} otherwise. */
export async function requireSecurityRole(actor: Actor, roles: ReadPublishedRoles, what: string): Promise<void> {
  const published = await roles();
  if (published === null) {
    throw new RoleRefusedError(
      'roles-not-published',
      `no certflow worker has published its roles to this inventory yet, so nobody may ${what}: start certflow ` +
        'with CERTFLOW_SECURITY_LEADS set, then try again',
    );
  }
  const refusal = securityRoleRefusal(actor, published, what);
  if (refusal !== null) throw new RoleRefusedError('not-security-lead', refusal);
}
