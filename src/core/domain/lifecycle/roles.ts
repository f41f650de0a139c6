/**
 * Who may do what to a managed certificate (R-RA-2, R-SEC-2): a roster of principals built from the owner group and
 * the certificate's metadata, and the checks the lifecycle's update validators run. Pure, so validators can use it.
 */
import type { CertificateMetadata, OwnerGroup, Person } from '../inventory/model';
import type { Actor, LifecycleRequest, Role } from './model';

/** The principals of one managed certificate by role. Principals are normalised actor ids (see {@link normalizePrincipal}). */
export interface LifecycleRoster {
  readonly ownerGroup: string | null;
  readonly owners: readonly string[];
  readonly approvers: readonly string[];
  readonly securityLeads: readonly string[];
  readonly admins: readonly string[];
}

/** A roster nobody is on. */
export const EMPTY_ROSTER: LifecycleRoster = {
  ownerGroup: null,
  owners: [],
  approvers: [],
  securityLeads: [],
  admins: [],
};

/** Lower-cases the scheme and e-mail addresses so `Email:Alice@Example.com` and `email:alice@example.com` are one principal. */
export function normalizePrincipal(id: string): string {
  const colon = id.indexOf(':');
  if (colon < 0) return id.includes('@') ? `email:${id.toLowerCase()}` : id;
  const scheme = id.slice(0, colon).toLowerCase();
  const value = id.slice(colon + 1);
  return scheme === 'email' ? `email:${value.toLowerCase()}` : `${scheme}:${value}`;
}

/** Every principal a person can act as. */
export function personPrincipals(person: Person): string[] {
  return [
    person.email && `email:${person.email.toLowerCase()}`,
    person.slackUserId && `slack:${person.slackUserId}`,
    person.jiraAccountId && `jira:${person.jiraAccountId}`,
  ].filter((id): id is string => typeof id === 'string');
}

/** The principal of a Slack user group's members: Slack identities carry it as an alias while Slack lists them. */
export function slackUserGroupPrincipal(userGroupId: string): string {
  return `slack-usergroup:${userGroupId}`;
}

function isGroupPrincipal(principal: string): boolean {
  return principal.startsWith('slack-usergroup:');
}

/** Principals named in metadata lists, which hold e-mail addresses, Slack user ids or prefixed ids. */
function listedPrincipals(entries: readonly string[]): string[] {
  return entries.map((entry) => (/^[UW][A-Z0-9]{2,}$/.test(entry) ? `slack:${entry}` : normalizePrincipal(entry)));
}

/**
 * Builds a certificate's roster: the group's contacts and approvers (people and Slack user groups), the certificate's
 * own, and the global roles.
 */
export function buildRoster(input: {
  readonly group: OwnerGroup | null;
  readonly metadata: Pick<CertificateMetadata, 'contacts' | 'approvers' | 'ownerGroup'>;
  readonly securityLeads: readonly string[];
  readonly admins: readonly string[];
}): LifecycleRoster {
  const unique = (ids: readonly string[]) => [...new Set(ids)].sort();
  const slack = input.group?.slack ?? {};
  const groupApprovers = [
    ...(input.group?.approvers.flatMap(personPrincipals) ?? []),
    ...(slack.approverUserGroupId ? [slackUserGroupPrincipal(slack.approverUserGroupId)] : []),
  ];
  const approvers = unique([...groupApprovers, ...listedPrincipals(input.metadata.approvers)]);
  const owners = unique([
    ...(input.group?.contacts.flatMap(personPrincipals) ?? []),
    ...(slack.userGroupId ? [slackUserGroupPrincipal(slack.userGroupId)] : []),
    ...listedPrincipals(input.metadata.contacts),
    ...approvers,
  ]);
  return {
    ownerGroup: input.metadata.ownerGroup,
    owners,
    approvers,
    securityLeads: unique(input.securityLeads.map(normalizePrincipal)),
    admins: unique(input.admins.map(normalizePrincipal)),
  };
}

/** Every principal an actor acts as: its id and its aliases, normalised. */
export function actorPrincipals(actor: Actor): string[] {
  return [actor.id, ...(actor.aliases ?? [])].map(normalizePrincipal);
}

/** Whether two actors are the same person under any of their principals. */
export function samePerson(a: Actor, b: Actor): boolean {
  // A group principal is shared by all its members: it says nothing about who the person is.
  const personal = (actor: Actor) => actorPrincipals(actor).filter((principal) => !isGroupPrincipal(principal));
  const principals = new Set(personal(a));
  return personal(b).some((principal) => principals.has(principal));
}

/** The roles an actor holds for one certificate, under any of its principals. */
export function rolesOf(actor: Actor, roster: LifecycleRoster): Role[] {
  const ids = actorPrincipals(actor);
  const holds = (list: readonly string[]) => ids.some((id) => list.includes(id));
  const roles: Role[] = [];
  if (holds(roster.owners)) roles.push('owner');
  if (holds(roster.approvers)) roles.push('approver');
  if (holds(roster.securityLeads)) roles.push('security-lead');
  if (holds(roster.admins)) roles.push('admin');
  return roles;
}

/**
 * Only security leads and admins may `what` (start campaigns, change owner groups: R-SEC-2): a refusal sentence, or
 * null when `actor` holds one of those roles under any of its principals.
 */
export function securityRoleRefusal(
  actor: Actor,
  roles: { readonly securityLeads: readonly string[]; readonly admins: readonly string[] },
  what: string,
): string | null {
  const roster = buildRoster({
    group: null,
    metadata: { contacts: [], approvers: [], ownerGroup: null },
    securityLeads: roles.securityLeads,
    admins: roles.admins,
  });
  const held = rolesOf(actor, roster);
  if (held.includes('security-lead') || held.includes('admin')) return null;
  return (
    `${actor.displayName ?? actor.id} is not a security lead and cannot ${what}; security leads are set in ` +
    "CERTFLOW_SECURITY_LEADS of the certflow worker's configuration"
  );
}

/** Why an action is refused: a stable code for programs and a sentence for people. */
export interface Refusal {
  readonly code:
    | 'not-owner'
    | 'not-approver'
    | 'self-approval'
    | 'unknown-request'
    | 'already-decided'
    | 'request-pending'
    | 'reason-required'
    | 'not-active'
    /** The version asked about is no longer in service (a campaign's stale member, or a request as a renewal ends). */
    | 'already-replaced'
    /** Another campaign is replacing the certificate. */
    | 'in-other-campaign';
  readonly message: string;
}

function groupName(roster: LifecycleRoster): string {
  return roster.ownerGroup === null ? 'this certificate (no owner group assigned)' : `group ${roster.ownerGroup}`;
}

function who(actor: Actor): string {
  return actor.displayName ?? actor.id;
}

/**
 * May `actor` ask for a renewal (any owner, approver, security lead or admin) or a revocation (owner or security,
 * R-REV-1)? Schedule and campaign requests come from certflow itself and are always allowed.
 */
export function checkRequestAllowed(
  input: {
    readonly actor: Actor;
    readonly kind: LifecycleRequest['kind'];
    readonly source: LifecycleRequest['source'];
  },
  roster: LifecycleRoster,
): Refusal | null {
  if (input.source === 'schedule' || input.source === 'campaign') return null;
  const roles = rolesOf(input.actor, roster);
  if (roles.length > 0) return null;
  const what = input.kind === 'revocation' ? 'revocation' : 'renewal';
  return {
    code: 'not-owner',
    message: `${who(input.actor)} is not an owner, approver or security lead of ${groupName(roster)} and cannot request a ${what}; ask one of its owners`,
  };
}

/**
 * May `actor` decide `request` (R-RA-2)? Only approvers of the certificate decide, never the requester, only once,
 * and a rejection needs a reason.
 */
export function checkDecisionAllowed(
  input: {
    readonly actor: Actor;
    readonly requestId: string;
    readonly decision: 'approve' | 'reject';
    readonly reason?: string | null;
  },
  request: LifecycleRequest | null,
  roster: LifecycleRoster,
): Refusal | null {
  if (request === null || request.id !== input.requestId) {
    return {
      code: 'unknown-request',
      message: `request ${input.requestId} is not open on this certificate; run \`certflow lifecycle status\` to see its open request`,
    };
  }
  if (request.status !== 'awaiting-approval') {
    const decided = request.decidedBy
      ? `${request.status === 'rejected' ? 'rejected' : 'approved'} by ${who(request.decidedBy)}${request.decidedAt ? ` at ${request.decidedAt}` : ''}`
      : null;
    const message =
      request.status === 'approved' || request.status === 'rejected'
        ? `request ${request.id} was already ${decided ?? request.status}`
        : `request ${request.id} is ${request.status}${decided ? ` (${decided})` : ''}; nothing is left to decide`;
    return { code: 'already-decided', message };
  }
  if (!rolesOf(input.actor, roster).includes('approver')) {
    return {
      code: 'not-approver',
      message: `only approvers of ${groupName(roster)} can approve or reject this request; ${who(input.actor)} is not one`,
    };
  }
  if (samePerson(input.actor, request.requestedBy)) {
    return {
      code: 'self-approval',
      message: `you requested this ${request.kind}; another approver of ${groupName(roster)} must decide`,
    };
  }
  if (input.decision === 'reject' && !input.reason?.trim()) {
    return { code: 'reason-required', message: 'a rejection needs a reason, so the requester knows what to fix' };
  }
  return null;
}

/**
 * The security leads and admins a certflow worker runs with (its CERTFLOW_SECURITY_LEADS and CERTFLOW_ADMINS), as it
 * publishes them to the inventory when it starts: the one source of roles for the CLI and other clients.
 */
export interface PublishedRoles {
  readonly securityLeads: readonly string[];
  readonly admins: readonly string[];
  /** The worker that published them (`certflow worker` on a host, with its pid). */
  readonly publishedBy: string;
  /** ISO 8601 UTC. */
  readonly publishedAt: string;
}

/**
 * The one warning of a CLI run whose own environment sets role variables (`own`: the lists it read from
 * CERTFLOW_SECURITY_LEADS and CERTFLOW_ADMINS): they are ignored, roles come from the worker's configuration. Null
 * when neither is set.
 */
export function ignoredRoleVariablesWarning(own: {
  readonly securityLeads: readonly string[];
  readonly admins: readonly string[];
}): string | null {
  const set = [
    ...(own.securityLeads.length > 0 ? ['CERTFLOW_SECURITY_LEADS'] : []),
    ...(own.admins.length > 0 ? ['CERTFLOW_ADMINS'] : []),
  ];
  if (set.length === 0) return null;
  return (
    `${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} ignored here: roles come from the certflow worker's ` +
    'configuration, which it publishes to the inventory when it starts; set them where `certflow start` or ' +
    '`certflow worker` runs and restart it'
  );
}

/** Why a role-gated action is refused before any worker has published its roles. */
export function rolesNotPublishedMessage(taskQueue: string): string {
  return (
    `no certflow worker has published its roles for task queue "${taskQueue}" to this inventory yet, so nobody may ` +
    'run campaigns: start certflow (`npm start`, or `certflow worker`) with CERTFLOW_SECURITY_LEADS set, then try again'
  );
}
