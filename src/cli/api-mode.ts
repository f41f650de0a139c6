/**
 * Which way a command line reaches certflow (issue 20). Logged in (`certflow login`), it goes through the server's
 * HTTP API as the token's principal, and the server's configuration alone decides what that principal may do: the
 * caller's CERTFLOW_ACTOR and CERTFLOW_SECURITY_LEADS change nothing. Not logged in, or for what the API has no
 * route for yet, it acts directly on Temporal and the inventory as the configured actor (operator mode, for the
 * worker's machine) and says so on stderr.
 */
import { CertificateQuerySchema } from '../adapters/api/api-schemas';
import type { InventoryCertificate } from '../core/domain/inventory/model';
import { parseRequestId } from '../core/domain/lifecycle/request-id';
import type {
  CertificateFilter,
  CertificateStore,
  OwnerGroupStore,
  Page,
  PageRequest,
} from '../core/ports/inventory-store';
import { CertflowApiClient, type ApiCertificatePage } from './api-client';
import type { LifecycleActions } from './commands/lifecycle';
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

/** The inventory's certificates through the API (`certflow show`); PEM is not served yet. */
export function apiCertificates(
  client: CertflowApiClient,
): Pick<CertificateStore, 'getCertificate' | 'getCertificateDer'> {
  return {
    getCertificate: (idOrPrefix) => client.certificate(idOrPrefix),
    getCertificateDer: () => Promise.reject(new NoApiRouteError('show --pem')),
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
 * One page of `certflow list` through the API: the API pages by cursor, so the CLI's offset is reached by walking
 * pages of up to 500 from the first. The page has the shape the inventory's search gives, for `--json`.
 */
export async function searchThroughApi(
  client: CertflowApiClient,
  filter: CertificateFilter,
  page: PageRequest,
): Promise<Page<InventoryCertificate>> {
  const offset = page.offset ?? 0;
  const query: Record<string, string> = { limit: String(Math.min(API_PAGE_SIZE, offset + page.limit)) };
  for (const [field, value] of Object.entries(filter)) if (value !== undefined) query[field] = String(value);
  if (page.sort !== undefined) query.sort = page.sort;
  const items: InventoryCertificate[] = [];
  let seen = 0;
  let current: ApiCertificatePage = await client.searchCertificates(query);
  for (;;) {
    items.push(...current.items.slice(Math.max(0, offset - seen), Math.max(0, offset + page.limit - seen)));
    seen += current.items.length;
    if (current.next === null || seen >= offset + page.limit || current.items.length === 0) break;
    current = await client.nextCertificates(current.next);
  }
  return { items, total: current.total, offset };
}
