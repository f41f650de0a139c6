/**
 * Which way a command line reaches certflow (issue 20). Logged in (`certflow login`), it goes through the server's
 * HTTP API as the token's principal, and the server's configuration alone decides what that principal may do: the
 * caller's CERTFLOW_ACTOR and CERTFLOW_SECURITY_LEADS change nothing. Not logged in, or for what the API has no
 * route for yet, it acts directly on Temporal and the inventory as the configured actor (operator mode, for the
 * worker's machine) and says so on stderr.
 */
import { CertificateQuerySchema } from '../adapters/api/api-schemas';
import type { InventoryCertificate, OwnerGroup, Person } from '../core/domain/inventory/model';
import { formatPerson } from '../core/domain/inventory/person';
import { parseRequestId } from '../core/domain/lifecycle/request-id';
import type { FindingFilter, StoredFinding } from '../core/ports/discovery-store';
import type {
  CertificateFilter,
  CertificateGrouping,
  CertificateStore,
  OwnerGroupStore,
  Page,
  PageRequest,
} from '../core/ports/inventory-store';
import { CertflowApiClient, type ApiOwnerGroupFields, type ApiPage } from './api-client';
import type { LifecycleActions } from './commands/lifecycle';
import type { AuditLogReader } from './commands/audit';
import type { CampaignTarget } from './commands/campaign';
import type { OwnerGroupWriter } from './commands/groups';
import { readCredentials } from './credentials';

/** Variables that claim an identity or a role in operator mode and mean nothing through the API. */
const ROLE_VARIABLES = ['CERTFLOW_ACTOR', 'CERTFLOW_SECURITY_LEADS'] as const;

/** A command line needs what the API does not serve yet; the message says how to run it directly. */
export class NoApiRouteError extends Error {
  override readonly name = 'NoApiRouteError';
  constructor(what: string) {
    super(
      `${what} is not served through certflow's API yet: run it on the worker's machine after certflow logout ` +
        '(operator mode)',
    );
  }
}

/**
 * The login's API client, or null without a login (to act directly). Logged in, a command line the API does not
 * serve (`unserved` names it) is refused: run here, it would read this machine's inventory instead of the server's.
 * Going through the API, says once on stderr that the role variables set here are ignored.
 */
export function apiClientFor(
  io: { readonly env: NodeJS.ProcessEnv; readonly err: (line: string) => void },
  unserved?: string,
): CertflowApiClient | null {
  const credentials = readCredentials(io.env);
  if (credentials === null) return null;
  if (unserved !== undefined) throw new NoApiRouteError(unserved);
  const ignored = ROLE_VARIABLES.filter((name) => io.env[name] !== undefined && io.env[name] !== '');
  if (ignored.length > 0) {
    io.err(
      `certflow: ${ignored.join(' and ')} ${ignored.length === 1 ? 'is' : 'are'} ignored: logged in to ` +
        `${credentials.url}, you act as ${credentials.actor} and the server's configuration decides what you may do`,
    );
  }
  return new CertflowApiClient(credentials.url, credentials.token);
}

/** The stderr line of a command line acting directly on Temporal as `actor`. */
export function operatorModeLine(env: NodeJS.ProcessEnv, actor: string): string {
  const credentials = readCredentials(env);
  return credentials === null
    ? `certflow: acting directly on Temporal as ${actor} (operator mode): log in to act through the API (certflow login <url>)`
    : `certflow: certflow's API does not serve this yet: acting directly on Temporal as ${actor} (operator mode), not as ${credentials.actor} through ${credentials.url}`;
}

/**
 * The stderr line of an operator's command (discover, report, policy, tokens) run while logged in: it acts on this
 * machine's inventory, not the server's; null when not logged in.
 */
export function operatorCommandLine(env: NodeJS.ProcessEnv, command: string, actor: string): string | null {
  const credentials = readCredentials(env);
  if (credentials === null) return null;
  return (
    `certflow: ${command} is an operator's command, not served through certflow's API: it acts on this machine's ` +
    `inventory as ${actor}, not on ${credentials.url} as ${credentials.actor}; run it on the worker's machine ` +
    '(certflow logout there if logged in)'
  );
}

/** The lifecycle commands through the API, as the token's principal. */
export function apiLifecycleActions(client: CertflowApiClient): LifecycleActions {
  return {
    status: (idOrPrefix) => client.lifecycleStatus(idOrPrefix),
    subjectOf: async (fingerprint) => (await client.certificate(fingerprint))?.facts.subject.text ?? null,
    renew: async (idOrPrefix, reason) => ({ request: await client.renew(idOrPrefix, reason) }),
    decide: async (requestId, decision, reason) =>
      // runDecision has checked the id's form; the API wants the lifecycle it belongs to in its path.
      await client.decide(parseRequestId(requestId)?.managedCertificateId ?? '', decision, requestId, reason),
    revoke: async (idOrPrefix, input) => ({ request: await client.revoke(idOrPrefix, input) }),
  };
}

/** Owner groups through the API (`certflow groups list | show`). */
export function apiOwnerGroups(client: CertflowApiClient): Pick<OwnerGroupStore, 'listOwnerGroups' | 'getOwnerGroup'> {
  return { listOwnerGroups: () => client.ownerGroups(), getOwnerGroup: (id) => client.ownerGroup(id) };
}

/** The inventory's certificates through the API (`certflow show`, `--pem` included). */
export function apiCertificates(
  client: CertflowApiClient,
): Pick<CertificateStore, 'getCertificate' | 'getCertificateDer'> {
  return {
    getCertificate: (idOrPrefix) => client.certificate(idOrPrefix),
    getCertificateDer: (fingerprint) => client.certificateDer(fingerprint),
  };
}

const SEARCH_FIELDS = new Set(Object.keys(CertificateQuerySchema.shape));
/** The API's largest page (MAX_PAGE_SIZE). */
const API_PAGE_SIZE = 500;

/** True when `GET /certificates` takes every field of the filter. */
export function apiServesFilter(filter: CertificateFilter): boolean {
  return Object.keys(filter).every((field) => SEARCH_FIELDS.has(field));
}

/**
 * One page at the CLI's offset of a route the API pages by cursor: reached by walking pages of up to 500 from the
 * first, which `first` asks for with the `limit` it is given. The page has the shape the inventory's gives, for
 * `--json`.
 */
async function pageThroughApi<T>(
  client: CertflowApiClient,
  page: Pick<PageRequest, 'limit' | 'offset'>,
  first: (limit: string) => Promise<ApiPage<T>>,
): Promise<Page<T>> {
  const offset = page.offset ?? 0;
  const items: T[] = [];
  let seen = 0;
  let current = await first(String(Math.min(API_PAGE_SIZE, offset + page.limit)));
  for (;;) {
    items.push(...current.items.slice(Math.max(0, offset - seen), Math.max(0, offset + page.limit - seen)));
    seen += current.items.length;
    if (current.next === null || seen >= offset + page.limit || current.items.length === 0) break;
    current = await client.nextPage<T>(current.next);
  }
  return { items, total: current.total, offset };
}

/** The query fields of a filter (certificates' or findings'). */
function filterQuery(filter: CertificateFilter | FindingFilter): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [field, value] of Object.entries(filter)) if (value !== undefined) query[field] = String(value);
  return query;
}

/** `certflow list --group-by`'s counts through the API. */
export async function countThroughApi(
  client: CertflowApiClient,
  by: CertificateGrouping,
  filter: CertificateFilter,
): Promise<ReadonlyArray<{ key: string | null; count: number }>> {
  return await client.certificateCounts(by, filterQuery(filter));
}

/** One page of `certflow list` through the API. */
export async function searchThroughApi(
  client: CertflowApiClient,
  filter: CertificateFilter,
  page: PageRequest,
): Promise<Page<InventoryCertificate>> {
  const query = filterQuery(filter);
  if (page.sort !== undefined) query.sort = page.sort;
  return await pageThroughApi(client, page, (limit) => client.searchCertificates({ ...query, limit }));
}

/** One page of `certflow list --findings` through the API. */
export async function findingsThroughApi(
  client: CertflowApiClient,
  filter: FindingFilter,
  page: PageRequest,
): Promise<Page<StoredFinding>> {
  const query = filterQuery(filter);
  return await pageThroughApi(client, page, (limit) => client.findings({ ...query, limit }));
}

/** The campaign commands through the API, as the token's principal `actor`; the server checks `--issuer`. */
export function apiCampaignTarget(client: CertflowApiClient, actor: string): CampaignTarget {
  return {
    campaigns: {
      preview: (selector, _actor, issuer) => client.previewCampaign(selector, issuer),
      start: ({ launchedBy: _principal, ...input }) => client.startCampaign(input),
      list: (options) => client.campaigns(options?.limit ?? 100),
      progress: (id) => client.campaignProgress(id),
      pause: (id, _actor, reason) => client.controlCampaign(id, 'pause', reason),
      resume: (id) => client.controlCampaign(id, 'resume'),
      cancel: (id, _actor, reason) => client.controlCampaign(id, 'cancel', reason),
      report: (id) => client.campaignReport(id),
    },
    actor: { id: actor },
    configuredIssuer: (issuer) => issuer ?? null,
    // The server's problem says who may and what to do already.
    inWords: (error) => error,
  };
}

/** The audit log through the API: the newest entries, and the export (security leads and admins). */
export function apiAuditLog(client: CertflowApiClient): AuditLogReader {
  return {
    newest: (filter, limit) => client.lastAuditEntries(filter, limit),
    each: (filter) => client.exportAudit(filter),
  };
}

/** Owner groups saved through the API (security leads and admins); the server checks `--issuer`. */
export function apiOwnerGroupWriter(client: CertflowApiClient): OwnerGroupWriter {
  return {
    getOwnerGroup: (id) => client.ownerGroup(id),
    save: (group, existing) => {
      const fields = ownerGroupFields(group);
      if (existing === null) return client.createOwnerGroup({ id: group.id, ...fields });
      const before = ownerGroupFields(existing);
      const changed = Object.fromEntries(
        Object.entries(fields).filter(
          ([field, value]) => JSON.stringify(value) !== JSON.stringify(before[field as keyof ApiOwnerGroupFields]),
        ),
      );
      return client.updateOwnerGroup(group.id, changed);
    },
    issuers: null,
  };
}

/** An owner group's fields as the API takes them: people written as on the command line. */
function ownerGroupFields(group: OwnerGroup): ApiOwnerGroupFields {
  const person = (one: Person | null) => (one === null ? null : formatPerson(one));
  return {
    name: group.name,
    contacts: group.contacts.map(formatPerson),
    approvers: group.approvers.map(formatPerson),
    managementContact: person(group.managementContact),
    incidentResponseContact: person(group.incidentResponseContact),
    slack: group.slack,
    jira: group.jira,
    reminderDays: group.reminderDays,
    autoRenew: group.autoRenew,
    ...(group.issuer === undefined ? {} : { issuer: group.issuer }),
  };
}
