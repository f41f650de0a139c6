/**
 * A typed client of certflow's HTTP API (issue 20) for the CLI: every call carries the login's bearer token, and
 * every refusal comes back as an {@link ApiRequestError} holding the server's RFC 9457 problem (what went wrong and
 * the fix). The answers are the application layer's own types, the ones the direct mode prints, so `--json` output
 * is the same either way.
 */
import type { InventoryCertificate, OwnerGroup } from '../core/domain/inventory/model';
import type { LifecycleRequest, RevocationReason } from '../core/domain/lifecycle/model';
import type { LifecycleView } from '../core/domain/lifecycle/lifecycle-view';
import type { ManagedCertificate } from '../core/ports/inventory-store';
import type { CampaignReportData, StartCampaignInput } from '../core/application/campaign-operations';
import type { ImportReport } from '../core/application/import-certificates';
import type { MetadataImportReport } from '../core/application/import-metadata';
import type { OwnerGroupSaved } from '../core/application/owner-groups';
import type { ImportLifecycles, MetadataLifecycles } from '../core/application/imported-lifecycles';
import type {
  CampaignDefinition,
  CampaignPreview,
  CampaignProgress,
  CampaignSelector,
} from '../core/domain/campaigns/model';
import type { AuditEntry } from '../core/domain/inventory/model';
import type { StoredFinding } from '../core/ports/discovery-store';
import type { StoredCampaign } from '../core/ports/campaign-store';
import type { AuditFilter, CertificateGrouping, Page } from '../core/ports/inventory-store';
import { API_PREFIX } from '../adapters/api/api-app';
import { PROBLEM_MEDIA_TYPE, type Problem } from '../adapters/api/problem';
import { UsageError } from './errors';

/** Who a token acts as (`GET /me`). */
export interface ApiPrincipal {
  readonly actor: string;
  readonly token: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
}

/** A lifecycle as `GET /lifecycles/{id}` and `certflow lifecycle status --json` show it. */
export interface ApiLifecycleStatus {
  readonly managed: ManagedCertificate;
  readonly lifecycle: LifecycleView;
}

/** One page of a paged list route (`GET /findings`, `GET /certificates`). */
export interface ApiPage<T> {
  readonly items: readonly T[];
  readonly total: number;
  /** The next page's path and query; null on the last. */
  readonly next: string | null;
}

/** The fields of an owner group as `POST` and `PATCH /owner-groups` take them: people written as on the command line. */
export interface ApiOwnerGroupFields {
  readonly name?: string;
  readonly contacts?: readonly string[];
  readonly approvers?: readonly string[];
  readonly managementContact?: string | null;
  readonly incidentResponseContact?: string | null;
  readonly slack?: OwnerGroup['slack'];
  readonly jira?: OwnerGroup['jira'];
  readonly reminderDays?: readonly number[] | null;
  readonly autoRenew?: boolean;
  readonly issuer?: string | null;
}

/** What an upload's import did, as `POST /certificates/import` answers. */
export interface ApiImportResult {
  readonly certificates: Omit<ImportReport, 'metadataMerged'>;
  readonly lifecycles: ImportLifecycles | null;
  readonly metadataLifecycles: MetadataLifecycles | null;
}

/** What `POST /certificates/metadata` answers: the CSV's report and what its lifecycles were told. */
export interface ApiMetadataResult {
  readonly metadata: MetadataImportReport & { readonly source: string };
  readonly lifecycles: MetadataLifecycles | null;
}

/** The query fields of an audit filter. */
function auditQuery(filter: AuditFilter): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [field, value] of Object.entries(filter)) if (typeof value === 'string') query[field] = value;
  return query;
}

/** The entry one line of the audit export holds (`{…},` or `{…}`); none for the array's brackets. */
function exportedEntry(line: string): AuditEntry[] {
  const text = line.trim().replace(/,$/, '');
  if (text === '' || text === '[' || text === ']') return [];
  try {
    return [JSON.parse(text) as AuditEntry];
  } catch {
    throw new ApiUnreachableError(
      `the audit export sent a line that is no entry (${text.slice(0, 80)}): is the server certflow of this version?`,
    );
  }
}

/** The server answered with a problem; the message is its detail and fix. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${problem.detail} (HTTP ${status} ${problem.title}); ${problem.fix}`);
  }
}

/** Nothing at the URL answered as certflow's API does; the message says what to check. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
}

/** The bearer token was refused: the message says how to log in again. */
export class ApiLoginRefusedError extends Error {
  override readonly name = 'ApiLoginRefusedError';
  constructor(
    readonly baseUrl: string,
    readonly problem: Problem,
  ) {
    super(
      `${baseUrl} refused the token: ${problem.detail}. Log in again with a live token: ` +
        `certflow login ${baseUrl} --token-stdin (an operator creates one with certflow tokens create)`,
    );
  }
}

/** Turns what a user typed (`https://host:8080`, `host:8080/`, `…/api/v1`) into the server's base URL. */
export function normaliseServerUrl(raw: string): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`"${raw}" is not a URL; give the server's, e.g. https://certflow.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`"${raw}" is not an http(s) URL; give the server's, e.g. https://certflow.example.com`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError(`give the server's URL alone, without a user, query or fragment: "${raw}"`);
  }
  const pathname = url.pathname.replace(/\/+$/, '').replace(new RegExp(`${API_PREFIX}$`), '');
  return `${url.origin}${pathname}`;
}

function isProblem(value: unknown): value is Problem {
  const record = value as Record<string, unknown> | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.status === 'number' &&
    typeof record.detail === 'string'
  );
}

/** certflow's HTTP API as the holder of one token sees it. */
export class CertflowApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** The principal the token acts as. */
  async me(): Promise<ApiPrincipal> {
    return await this.call<ApiPrincipal>('GET', '/me');
  }

  /** One page of certificates; `query` holds the API's filter fields, `limit` and `cursor`. */
  async searchCertificates(query: Readonly<Record<string, string>>): Promise<ApiPage<InventoryCertificate>> {
    return await this.call<ApiPage<InventoryCertificate>>(
      'GET',
      `/certificates?${new URLSearchParams(query).toString()}`,
    );
  }

  /** How many certificates `query` (the API's filter fields) selects per value of `by`. */
  async certificateCounts(
    by: CertificateGrouping,
    query: Readonly<Record<string, string>>,
  ): Promise<ReadonlyArray<{ key: string | null; count: number }>> {
    const search = new URLSearchParams({ ...query, by }).toString();
    return (
      await this.call<{ items: Array<{ key: string | null; count: number }> }>('GET', `/certificates/counts?${search}`)
    ).items;
  }

  /** A certificate by id, fingerprint or an 8+ digit prefix; null when there is none. */
  async certificate(idOrPrefix: string): Promise<InventoryCertificate | null> {
    return await this.orNull(this.call<InventoryCertificate>('GET', `/certificates/${encodeURIComponent(idOrPrefix)}`));
  }

  /** A certificate's DER encoding (`show --pem`); null when there is none. */
  async certificateDer(idOrPrefix: string): Promise<Uint8Array | null> {
    const response = await this.send('GET', `/certificates/${encodeURIComponent(idOrPrefix)}`, {
      headers: { Accept: `application/pkix-cert, ${PROBLEM_MEDIA_TYPE}` },
    });
    if (response.ok) return new Uint8Array(await response.arrayBuffer());
    return await this.orNull(this.answer<never>(response));
  }

  /** A lifecycle's state, plan and records. */
  async lifecycleStatus(idOrPrefix: string): Promise<ApiLifecycleStatus> {
    return await this.call<ApiLifecycleStatus>('GET', `/lifecycles/${encodeURIComponent(idOrPrefix)}`);
  }

  /** Asks for a renewal as the token's principal. */
  async renew(idOrPrefix: string, reason: string): Promise<LifecycleRequest> {
    return await this.call<LifecycleRequest>('POST', `/lifecycles/${encodeURIComponent(idOrPrefix)}/renew`, { reason });
  }

  /** Asks for a revocation as the token's principal (an owner or a security lead; an approver decides). */
  async revoke(
    idOrPrefix: string,
    input: { readonly reason: string; readonly revocationReason: RevocationReason; readonly replace: boolean },
  ): Promise<LifecycleRequest> {
    return await this.call<LifecycleRequest>('POST', `/lifecycles/${encodeURIComponent(idOrPrefix)}/revoke`, {
      reason: input.reason,
      reasonCode: input.revocationReason,
      replace: input.replace,
    });
  }

  /** Every owner group. */
  async ownerGroups(): Promise<readonly OwnerGroup[]> {
    return (await this.call<{ items: readonly OwnerGroup[] }>('GET', '/owner-groups')).items;
  }

  /** One owner group; null when there is none. */
  async ownerGroup(id: string): Promise<OwnerGroup | null> {
    return await this.orNull(this.call<OwnerGroup>('GET', `/owner-groups/${encodeURIComponent(id)}`));
  }

  /** Approves or rejects a request of the lifecycle `managedId` as the token's principal. */
  async decide(
    managedId: string,
    decision: 'approve' | 'reject',
    requestId: string,
    reason: string | undefined,
  ): Promise<LifecycleRequest> {
    const body =
      decision === 'approve' ? { requestId, ...(reason === undefined ? {} : { note: reason }) } : { requestId, reason };
    return await this.call<LifecycleRequest>('POST', `/lifecycles/${encodeURIComponent(managedId)}/${decision}`, body);
  }

  /** Creates an owner group (security leads and admins); `fields` as `POST /owner-groups` takes them. */
  async createOwnerGroup(fields: ApiOwnerGroupFields & { readonly id: string }): Promise<OwnerGroupSaved> {
    return await this.call<OwnerGroupSaved>('POST', '/owner-groups', fields);
  }

  /** Changes an owner group (security leads and admins): the fields given replace the group's. */
  async updateOwnerGroup(id: string, fields: ApiOwnerGroupFields): Promise<OwnerGroupSaved> {
    return await this.call<OwnerGroupSaved>('PATCH', `/owner-groups/${encodeURIComponent(id)}`, fields);
  }

  /** What a selector would select (security leads and admins). */
  async previewCampaign(selector: CampaignSelector, issuer: string | null): Promise<CampaignPreview> {
    return await this.call<CampaignPreview>('POST', '/campaigns/preview', {
      selector,
      ...(issuer === null ? {} : { issuer }),
    });
  }

  /** Starts a campaign as the token's principal (security leads and admins). */
  async startCampaign(input: Omit<StartCampaignInput, 'launchedBy'>): Promise<CampaignDefinition> {
    return await this.call<CampaignDefinition>('POST', '/campaigns', input);
  }

  /** Campaigns, newest first. */
  async campaigns(limit: number): Promise<StoredCampaign[]> {
    return (await this.call<{ items: StoredCampaign[] }>('GET', `/campaigns?limit=${limit}`)).items;
  }

  /** A campaign's exact progress. */
  async campaignProgress(id: string): Promise<CampaignProgress> {
    return await this.call<CampaignProgress>('GET', `/campaigns/${encodeURIComponent(id)}`);
  }

  /** Pauses, resumes or cancels a campaign as the token's principal (security leads and admins). */
  async controlCampaign(id: string, action: 'pause' | 'resume' | 'cancel', reason?: string): Promise<CampaignProgress> {
    const path = `/campaigns/${encodeURIComponent(id)}/${action}`;
    return await this.call<CampaignProgress>('POST', path, action === 'resume' ? undefined : { reason });
  }

  /** A campaign's progress and every member, as the report renderers take them. */
  async campaignReport(id: string): Promise<CampaignReportData> {
    const { progress, members } = await this.call<CampaignReportData>(
      'GET',
      `/campaigns/${encodeURIComponent(id)}/report`,
    );
    return { progress, members };
  }

  /** The newest `last` audit entries of `filter`, oldest first, as the inventory's query pages them. */
  async lastAuditEntries(filter: AuditFilter, last: number): Promise<Page<AuditEntry>> {
    const query = new URLSearchParams({ ...auditQuery(filter), newest: String(last) });
    const { items, total, offset } = await this.call<Page<AuditEntry>>('GET', `/audit?${query.toString()}`);
    return { items, total, offset };
  }

  /**
   * Every audit entry of `filter`, oldest first, in batches as the export streams them (security leads and admins).
   * The export writes one JSON entry a line, so a batch is what has arrived, never the whole log at once.
   */
  async *exportAudit(filter: AuditFilter): AsyncIterable<readonly AuditEntry[]> {
    const query = new URLSearchParams({ ...auditQuery(filter), format: 'json' });
    const body = await this.stream(await this.send('GET', `/audit/export?${query.toString()}`));
    let rest = '';
    const decoder = new TextDecoder();
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      const batch = lines.flatMap(exportedEntry);
      if (batch.length > 0) yield batch;
    }
    const last = exportedEntry(rest + decoder.decode());
    if (last.length > 0) yield last;
  }

  /** One page of discovery's findings; `query` holds the API's filter fields, `limit` and `cursor`. */
  async findings(query: Readonly<Record<string, string>>): Promise<ApiPage<StoredFinding>> {
    return await this.call<ApiPage<StoredFinding>>('GET', `/findings?${new URLSearchParams(query).toString()}`);
  }

  /** The page a previous page's `next` names, of any paged route. */
  async nextPage<T>(next: string): Promise<ApiPage<T>> {
    if (!next.startsWith(`${API_PREFIX}/`))
      throw new ApiUnreachableError(`the server gave a foreign next page: ${next}`);
    return await this.call<ApiPage<T>>('GET', next.slice(API_PREFIX.length));
  }

  /**
   * Uploads certificate files to the import as one multipart form: each file named by its path here (the report
   * names it so), the PKCS#12 passphrases, and the metadata every imported certificate takes.
   */
  async importFiles(
    files: ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array }>,
    options: {
      readonly passphrases: readonly string[];
      readonly ownerGroup?: string;
      readonly tags?: readonly string[];
      readonly application?: string;
      /** The host the files are installed on: their paths there are recorded as their locations. */
      readonly host?: string;
    },
  ): Promise<ApiImportResult> {
    const form = new FormData();
    for (const file of files) form.append('file', new Blob([file.bytes]), file.name);
    for (const passphrase of options.passphrases) form.append('passphrase', passphrase);
    if (options.ownerGroup !== undefined) form.append('ownerGroup', options.ownerGroup);
    for (const tag of options.tags ?? []) form.append('tag', tag);
    if (options.application !== undefined) form.append('application', options.application);
    if (options.host !== undefined) form.append('host', options.host);
    return await this.answer<ApiImportResult>(await this.send('POST', '/certificates/import', { body: form }));
  }

  /** Merges a metadata CSV as `certflow import --metadata` does; `name` names it in the report's lines. */
  async importMetadata(csv: string, name: string): Promise<ApiMetadataResult> {
    const route = `/certificates/metadata?${new URLSearchParams({ name }).toString()}`;
    const response = await this.send('POST', route, { body: csv, headers: { 'Content-Type': 'text/csv' } });
    return await this.answer<ApiMetadataResult>(response);
  }

  /** What `answer` gives, or null for a 404 problem. */
  private async orNull<T>(answer: Promise<T>): Promise<T | null> {
    try {
      return await answer;
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 404) return null;
      throw error;
    }
  }

  private async call<T>(method: 'GET' | 'POST' | 'PATCH', route: string, body?: unknown): Promise<T> {
    const response = await this.send(method, route, {
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    return await this.answer<T>(response);
  }

  /** The JSON an answer holds, or the error its refusal stands for. */
  private async answer<T>(response: Response): Promise<T> {
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok && parsed !== undefined) return parsed as T;
    throw this.refusal(response, parsed);
  }

  /** Sends one request with the token; a network failure is an {@link ApiUnreachableError}. */
  private async send(
    method: 'GET' | 'POST' | 'PATCH',
    route: string,
    init: { readonly body?: RequestInit['body']; readonly headers?: Readonly<Record<string, string>> } = {},
  ): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.baseUrl}${API_PREFIX}${route}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: `application/json, ${PROBLEM_MEDIA_TYPE}`,
          ...init.headers,
        },
        ...(init.body === undefined ? {} : { body: init.body }),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ApiUnreachableError(
        `cannot reach certflow's API at ${this.baseUrl}: ${cause}; check that certflow runs there ` +
          '(certflow whoami shows the URL you logged in with)',
      );
    }
  }

  /** The error a refused or foreign answer stands for; `parsed` is its body as JSON (undefined when it is not). */
  private refusal(response: Response, parsed: unknown): Error {
    if (isProblem(parsed)) {
      const problem = { ...parsed, fix: typeof parsed.fix === 'string' ? parsed.fix : '', title: parsed.title ?? '' };
      if (response.status === 401) return new ApiLoginRefusedError(this.baseUrl, problem);
      return new ApiRequestError(response.status, problem);
    }
    return new ApiUnreachableError(
      `${response.url || this.baseUrl} answered HTTP ${response.status} (${response.headers.get('content-type') ?? 'no content type'}), ` +
        "not as certflow's API does: check the URL you logged in with (certflow whoami)",
    );
  }

  /** A streamed answer's body, after a refusal became its error. */
  private async stream(response: Response): Promise<ReadableStream<Uint8Array>> {
    if (response.ok && response.body !== null) return response.body;
    await this.answer(response);
    throw new ApiUnreachableError(`${response.url || this.baseUrl} answered HTTP ${response.status} without a body`);
  }
}
