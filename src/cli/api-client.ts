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

/** One page of `GET /certificates`. */
export interface ApiCertificatePage {
  readonly items: readonly InventoryCertificate[];
  readonly total: number;
  /** The next page's path and query; null on the last. */
  readonly next: string | null;
}

/** A lifecycle as `GET /lifecycles/{id}` and `certflow lifecycle status --json` show it. */
export interface ApiLifecycleStatus {
  readonly managed: ManagedCertificate;
  readonly lifecycle: LifecycleView;
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
  async searchCertificates(query: Readonly<Record<string, string>>): Promise<ApiCertificatePage> {
    return await this.call<ApiCertificatePage>('GET', `/certificates?${new URLSearchParams(query).toString()}`);
  }

  /** The page a previous page's `next` names. */
  async nextCertificates(next: string): Promise<ApiCertificatePage> {
    if (!next.startsWith(`${API_PREFIX}/`))
      throw new ApiUnreachableError(`the server gave a foreign next page: ${next}`);
    return await this.call<ApiCertificatePage>('GET', next.slice(API_PREFIX.length));
  }

  /** A certificate by id, fingerprint or an 8+ digit prefix; null when there is none. */
  async certificate(idOrPrefix: string): Promise<InventoryCertificate | null> {
    return await this.orNull(this.call<InventoryCertificate>('GET', `/certificates/${encodeURIComponent(idOrPrefix)}`));
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

  /** What `answer` gives, or null for a 404 problem. */
  private async orNull<T>(answer: Promise<T>): Promise<T | null> {
    try {
      return await answer;
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 404) return null;
      throw error;
    }
  }

  private async call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}${API_PREFIX}${route}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: `application/json, ${PROBLEM_MEDIA_TYPE}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ApiUnreachableError(
        `cannot reach certflow's API at ${this.baseUrl}: ${cause}; check that certflow runs there ` +
          '(certflow whoami shows the URL you logged in with)',
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok && parsed !== undefined) return parsed as T;
    if (isProblem(parsed)) {
      const problem = { ...parsed, fix: typeof parsed.fix === 'string' ? parsed.fix : '', title: parsed.title ?? '' };
      if (response.status === 401) throw new ApiLoginRefusedError(this.baseUrl, problem);
      throw new ApiRequestError(response.status, problem);
    }
    throw new ApiUnreachableError(
      `${url} answered HTTP ${response.status} (${response.headers.get('content-type') ?? 'no content type'}), ` +
        "not as certflow's API does: check the URL you logged in with (certflow whoami)",
    );
  }
}
