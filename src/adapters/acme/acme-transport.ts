/**
 * How the ACME adapter talks HTTP: through acme-client's own HTTP client, guarded per client so that each issuer
 * trusts only its CA bundle and has its own timeout, and so that the CA's answers become certflow's errors. The
 * library would otherwise retry 429 and 5xx itself for minutes inside one activity; here they surface at once as
 * CaUnavailableError carrying Retry-After, and the lifecycle's activity retry policy decides when to try again.
 * `badNonce` stays with the library, which retries it with the fresh nonce the CA sent (RFC 8555 section 6.5).
 */
import type { Agent } from 'node:https';
import type { Client } from 'acme-client';
import axios, { type AxiosAdapter } from 'axios';
import { CaRejectedError, CaUnavailableError } from '../../core/ports/certificate-authority';

/** An RFC 7807 problem document as ACME servers send them (RFC 8555 section 6.7). */
export interface AcmeProblem {
  readonly type: string;
  readonly detail: string;
  readonly status: number;
}

interface AcmeHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly data: unknown;
}

/** The part of acme-client's (untyped) internal HTTP client the guard wraps. */
export interface AcmeHttpClient {
  request(url: string, method: string, options?: Record<string, unknown>): Promise<AcmeHttpResponse>;
}

/** The guard's view of one client: the last problem document the CA answered, to name it when the library throws. */
export interface GuardedTransport {
  lastProblem: AcmeProblem | null;
}

const ACME_ERROR = 'urn:ietf:params:acme:error:';

/** Node's HTTP adapter of axios, which acme-client uses too. */
const HTTP_ADAPTER = axios.getAdapter('http');

/** The problem document in a response body, if it is one. */
function problemOf(response: AcmeHttpResponse): AcmeProblem | null {
  const body = response.data;
  if (body === null || typeof body !== 'object') return null;
  const { type, detail } = body as { type?: unknown; detail?: unknown };
  if (typeof type !== 'string') return null;
  return { type, detail: typeof detail === 'string' ? detail : '', status: response.status };
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(header: string | undefined, now: number): number | null {
  if (header === undefined || header.trim() === '') return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The short name of an ACME error type, e.g. `rateLimited`. */
export function problemName(problem: AcmeProblem): string {
  return problem.type.startsWith(ACME_ERROR) ? problem.type.slice(ACME_ERROR.length) : problem.type;
}

/** A TLS failure that a CA bundle fixes, as Node names them. */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Options of {@link guardTransport}. */
export interface TransportOptions {
  /** The issuer's name, for messages. */
  readonly issuer: string;
  readonly directoryUrl: string;
  /** The https agent trusting the issuer's CA bundle; undefined for the system's roots. */
  readonly agent: Agent | undefined;
  readonly timeoutMs: number;
}

/** Wraps the client's HTTP requests (see the file comment); returns where the last problem document is kept. */
export function guardTransport(client: Client, options: TransportOptions): GuardedTransport {
  const guarded: GuardedTransport = { lastProblem: null };
  const http = (client as unknown as { http: AcmeHttpClient }).http;
  const request = http.request.bind(http);
  http.request = async (url, method, requestOptions = {}) => {
    let response: AcmeHttpResponse;
    // acme-client's interceptor loses a network error (no response) behind a TypeError: keep the original.
    let networkError: unknown = null;
    const adapter: AxiosAdapter = async (config) => {
      try {
        return await HTTP_ADAPTER(config);
      } catch (error) {
        networkError = error;
        throw error;
      }
    };
    try {
      response = await request(url, method, {
        ...requestOptions,
        adapter,
        httpsAgent: options.agent,
        timeout: options.timeoutMs,
        // acme-client's axios interceptor retries while retryAttempt is below its maximum: start it past it, so a
        // 429 or 5xx comes back here at once (see the file comment).
        retryAttempt: Number.MAX_SAFE_INTEGER,
      });
    } catch (error) {
      throw transportError(options, url, networkError ?? error);
    }
    const problem = problemOf(response);
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = retryAfterSeconds(response.headers['retry-after'], Date.now());
      const what = problem === null ? `HTTP ${response.status}` : `${problemName(problem)}: ${problem.detail}`;
      // No promise of a retry here: this message is also the final one once the lifecycle's retries are spent.
      throw new CaUnavailableError(
        `${options.issuer} answered ${method.toUpperCase()} ${url} with ${what}` +
          (retryAfter === null ? '' : ` (it asked to be asked again after ${retryAfter} s)`),
        retryAfter,
      );
    }
    if (response.status >= 400) guarded.lastProblem = problem;
    return response;
  };
  return guarded;
}

function transportError(options: TransportOptions, url: string, error: unknown): Error {
  const { code, message } = error as { code?: string; message?: string };
  if (code !== undefined && TLS_TRUST_CODES.has(code)) {
    return new CaRejectedError(
      `${options.issuer}: the TLS certificate of ${url} is not trusted (${code}: ${message ?? ''}); set caBundle ` +
        `for ${options.issuer} in CERTFLOW_ISSUERS_FILE to the PEM of the CA that signs it, or fix directoryUrl`,
    );
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new CaUnavailableError(
      `${options.issuer} did not answer ${url} within ${options.timeoutMs / 1000} s; check that the CA is up, or ` +
        'raise requestTimeoutSeconds for it in CERTFLOW_ISSUERS_FILE',
    );
  }
  return new CaUnavailableError(
    `cannot reach ${options.issuer} at ${url} (${code ?? 'error'}: ${message ?? String(error)}); check its ` +
      `directoryUrl (${options.directoryUrl}) in CERTFLOW_ISSUERS_FILE and that the CA is reachable from certflow`,
  );
}
