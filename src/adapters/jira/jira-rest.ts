/**
 * The jira-client instance certflow talks to Jira with, and what Jira's answers mean for a ticketing step.
 *
 * jira-client's own transport drops the HTTP status of a failed call (it rejects with the body alone, and `doRequest`
 * turns every rejection into `new Error(JSON.stringify(rejection))`), so a 401, a 404 and a 503 would look alike.
 * certflow hands it a transport (its documented `request` option) over Node's fetch that waits out 429s honouring
 * Retry-After and rejects with a record of the status, Retry-After and Jira's error body; that record survives
 * `doRequest`'s JSON round trip and {@link ticketingFailure} reads it back into a typed error.
 */
import JiraApi from 'jira-client';
import { TicketRejectedError } from '../../core/ports/ticketing-port';
import type { JiraConfig } from './jira-config';

/** The part of a jira-client request the transport reads. */
interface TransportRequest {
  readonly method?: string;
  readonly uri: string;
  readonly qs?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: unknown;
  readonly auth?: { readonly user?: string; readonly pass?: string; readonly bearer?: string };
  readonly timeout?: number;
}

/** A failed call as the transport reports it: plain data, so it survives jira-client's `JSON.stringify`. */
export interface JiraHttpFailure {
  readonly method: string;
  /** Path and query, without host or credentials. */
  readonly path: string;
  /** Null when Jira was not reached (network error, timeout). */
  readonly status: number | null;
  readonly retryAfterSeconds: number | null;
  /** Jira's `errorMessages`, and `errors` as `field: message`. */
  readonly messages: readonly string[];
  /** A network error's message, or a body that is not Jira's error JSON, cut short. */
  readonly detail: string | null;
}

/** Options of {@link createJiraClient}. */
export interface JiraClientOptions {
  /** The fetch the transport calls; Node's by default (tests wrap it to lose an answer). */
  readonly fetch?: typeof fetch;
  /** How the transport waits out a 429; a timer by default. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** Jira could not be reached, failed (5xx), kept rate limiting or may not show a ticket yet: the activity retries. */
export class JiraUnavailableError extends Error {
  override readonly name = 'JiraUnavailableError';
  constructor(
    message: string,
    /** The failed call, or null when certflow itself waits for Jira. */
    readonly failure: JiraHttpFailure | null,
  ) {
    super(message);
  }
}

/**
 * What the transport rejects with. Its one enumerable field is all `JSON.stringify` keeps of it, so jira-client's
 * `doRequest` passes the failure on inside its own error's message.
 */
class JiraTransportRejection extends Error {
  constructor(readonly certflowJiraFailure: JiraHttpFailure) {
    super(`Jira call failed: ${certflowJiraFailure.method} ${certflowJiraFailure.path}`);
  }
}

function errorMessages(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const { errorMessages: list, errors } = body as { errorMessages?: unknown; errors?: unknown };
  const messages = Array.isArray(list) ? list.filter((message): message is string => typeof message === 'string') : [];
  if (typeof errors === 'object' && errors !== null) {
    for (const [field, message] of Object.entries(errors)) messages.push(`${field}: ${String(message)}`);
  }
  return messages;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function retryAfter(header: string | null): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function authorization(auth: TransportRequest['auth']): string | undefined {
  if (auth?.bearer !== undefined) return `Bearer ${auth.bearer}`;
  if (auth?.user !== undefined) return `Basic ${Buffer.from(`${auth.user}:${auth.pass ?? ''}`).toString('base64')}`;
  return undefined;
}

/** jira-client's `request` option: one REST call, 429s waited out, failures rejected with their {@link JiraHttpFailure}. */
function transport(config: JiraConfig, options: JiraClientOptions): (request: TransportRequest) => Promise<unknown> {
  const fetchImpl = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)));
  return async (request) => {
    const url = new URL(request.uri);
    for (const [name, value] of Object.entries(request.qs ?? {})) url.searchParams.set(name, String(value));
    const method = (request.method ?? 'GET').toUpperCase();
    const path = `${url.pathname}${url.search}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    const auth = authorization(request.auth);
    if (auth !== undefined) headers.Authorization = auth;
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const fail = (failure: Omit<JiraHttpFailure, 'method' | 'path'>) =>
      new JiraTransportRejection({ method, path, ...failure });
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method,
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(request.timeout ?? config.timeoutMs),
        });
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        const detail = `${error instanceof Error ? error.message : String(error)}${cause}`;
        throw fail({ status: null, retryAfterSeconds: null, messages: [], detail });
      }
      const body = parseBody(await response.text());
      if (response.ok) return body;
      const wait = retryAfter(response.headers.get('retry-after'));
      // A 429 means Jira did not act on the call, so repeating it is safe, even a create.
      if (response.status === 429 && attempt < config.rateLimitRetries && (wait ?? 1) <= config.maxRetryAfterSeconds) {
        await sleep((wait ?? 1) * 1000);
        continue;
      }
      const messages = errorMessages(body);
      const detail = messages.length > 0 || body === undefined ? null : String(JSON.stringify(body)).slice(0, 300);
      throw fail({ status: response.status, retryAfterSeconds: wait, messages, detail });
    }
  };
}

/** A jira-client for the configured Jira whose calls fail with readable {@link JiraHttpFailure}s. */
export function createJiraClient(config: JiraConfig, options: JiraClientOptions = {}): JiraApi {
  return new JiraApi({
    protocol: config.protocol,
    host: config.host,
    port: config.port === null ? undefined : String(config.port),
    base: config.basePath,
    apiVersion: config.apiVersion,
    timeout: config.timeoutMs,
    ...(config.auth.kind === 'basic'
      ? { username: config.auth.email, password: config.auth.apiToken }
      : { bearer: config.auth.personalAccessToken }),
    request: transport(config, options),
  });
}

/** The HTTP failure inside an error thrown by a jira-client call, if it is one. */
export function jiraHttpFailure(error: unknown): JiraHttpFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  try {
    const parsed = JSON.parse(error.message) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'certflowJiraFailure' in parsed) {
      return (parsed as Pick<JiraTransportRejection, 'certflowJiraFailure'>).certflowJiraFailure;
    }
  } catch {
    // Not a transport failure (e.g. jira-client's own errors): left to the caller.
  }
  return undefined;
}

function credentialsFix(config: JiraConfig): string {
  return config.auth.kind === 'basic'
    ? `check jira.auth.email (${config.auth.email}) and jira.auth.apiToken: ` +
        (config.flavour === 'cloud'
          ? 'the token must belong to that Atlassian account and be current (https://id.atlassian.com/manage-profile/security/api-tokens)'
          : 'they must be a Jira user name and its password')
    : 'check jira.auth.personalAccessToken: create a current one in Jira (profile → Personal Access Tokens)';
}

/**
 * What to throw for a failed jira-client call while doing `what`: a TicketRejectedError naming the fix (`fix` reads
 * Jira's messages) when retrying cannot help (400, 401, 403, 404, 410), else a JiraUnavailableError the activity retries.
 */
export function ticketingFailure(
  error: unknown,
  what: string,
  config: JiraConfig,
  fix?: (said: readonly string[]) => string,
): Error {
  const failure = jiraHttpFailure(error);
  if (failure === undefined) return error instanceof Error ? error : new Error(String(error));
  const said =
    failure.messages.length > 0 ? `: ${failure.messages.join('; ')}` : failure.detail ? `: ${failure.detail}` : '';
  const where = `${failure.method} ${failure.path}`;
  const status = failure.status;
  if (status === 401) {
    return new TicketRejectedError(
      `Jira refused certflow's credentials (401) when it tried to ${what} (${where}): ${credentialsFix(config)}`,
    );
  }
  if (status === 403) {
    return new TicketRejectedError(
      `Jira does not let certflow's user ${what} (403, ${where})${said}. Give the user the project permissions ` +
        'Browse projects, Create issues, Edit issues, Add comments, Transition issues and Assign issues',
    );
  }
  if (status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    const otherwise =
      status === 404
        ? "The issue was deleted or moved, or certflow's Jira user cannot browse it: restore it or give the user " +
          'Browse projects in its project'
        : 'Check the jira settings against the project';
    return new TicketRejectedError(
      `Jira refused to ${what} (${status}, ${where})${said}. ${fix?.(failure.messages) ?? otherwise}`,
    );
  }
  const reason =
    status === null
      ? `Jira could not be reached${said}`
      : status === 429
        ? `Jira kept rate limiting (429${failure.retryAfterSeconds !== null ? `, Retry-After ${failure.retryAfterSeconds} s` : ''})`
        : `Jira failed (${status})${said}`;
  return new JiraUnavailableError(`${reason} when certflow tried to ${what} (${where}); the step is retried`, failure);
}
