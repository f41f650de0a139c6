/**
 * What every route group of the HTTP API shares: the Hono environment (the authenticated token), the OpenAPI
 * response shapes, problem answers, paging cursors and the role check of actions only security leads take.
 */
import { createHash } from 'node:crypto';
import { type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ApiToken } from '../../core/ports/api-token-store';
import type { Actor } from '../../core/domain/lifecycle/model';
import { ApiProblemError, problem, PROBLEM_MEDIA_TYPE, type Problem } from './problem';
import { ProblemSchema } from './api-schemas';

/** Where the API is mounted on certflow's HTTP server. */
export const API_PREFIX = '/api/v1';
/** The OpenAPI document's path, the one route without a token. */
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;
/** Largest page of a list route. */
export const MAX_PAGE_SIZE = 500;
/** A list route's page size when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 100;

/** The Hono environment of the API's routes: the token the request authenticated with. */
export type ApiEnv = { Variables: { token: ApiToken } };
/** The app route groups register on. */
export type ApiApp = OpenAPIHono<ApiEnv>;
/** A registered route's method and path, for telling 405 from 404. */
export interface ApiRouteSignature {
  readonly method: string;
  readonly path: string;
}

/** The token's principal as the application layer's actor. */
export function tokenActor(c: Context<ApiEnv>): Actor {
  return { id: c.get('token').actor };
}

/** Where a call came from, for audit entries the application layer writes: the token's name. */
export function tokenWhere(c: Context<ApiEnv>): string {
  return `api:${c.get('token').name}`;
}

/** An OpenAPI response whose body is a problem. */
export const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
});

/** A 200-style answer whose JSON body `schema` describes. */
export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** Answers every route can give. */
export const ERRORS = {
  400: problemResponse('invalid request: each invalid parameter is listed in `errors`'),
  401: problemResponse('no valid bearer token'),
  429: problemResponse('the token exceeded its rate limit; retry after Retry-After seconds'),
};
/** Answers of a route that changes something. */
export const WRITE_ERRORS = {
  ...ERRORS,
  403: problemResponse("the token's principal may not do this (R-SEC-2)"),
  413: problemResponse('the body is larger than the server takes'),
};
/** Security requirement of every route but the OpenAPI document. */
export const BEARER = [{ bearer: [] }];

/** A problem as a response. */
export function sendProblem(body: Problem, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'Content-Type': PROBLEM_MEDIA_TYPE, ...headers },
  });
}

/** The 400 of parameters a schema refused, each listed in `errors`. */
export function invalidParameters(errors: readonly { parameter: string; message: string }[]): Problem {
  return problem(
    400,
    'invalid-request',
    'Invalid request',
    errors.map((error) => `${error.parameter}: ${error.message}`).join('; '),
    `correct the parameters listed in errors; ${OPENAPI_PATH} describes each`,
    { errors },
  );
}

/** Refuses an issuer the server has not configured (a 400 naming the configured ones and the fix). */
export function requireConfiguredIssuer(parameter: string, issuer: string, configured: readonly string[]): void {
  if (configured.includes(issuer)) return;
  throw new ApiProblemError(
    invalidParameters([
      {
        parameter,
        message:
          `${issuer} is not a configured issuer; configured: ${configured.join(', ')}. Name one of these, or add ` +
          "the ACME issuer to the server's CERTFLOW_ISSUERS_FILE",
      },
    ]),
  );
}

/** A 404 that says where to look. */
export function notFound(detail: string, fix: string): ApiProblemError {
  return new ApiProblemError(problem(404, 'not-found', 'Not found', detail, fix));
}

/** The page size a `limit` query parameter asks for, checked. */
export function pageLimit(raw: string | undefined): number {
  const limit = raw === undefined ? DEFAULT_PAGE_SIZE : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ApiProblemError(
      problem(400, 'invalid-request', 'Invalid request', `limit ${raw} is out of range`, `use 1 to ${MAX_PAGE_SIZE}`, {
        errors: [{ parameter: 'query.limit', message: `use 1 to ${MAX_PAGE_SIZE}` }],
      }),
    );
  }
  return limit;
}

/** A digest of the query a cursor belongs to (every parameter but the cursor and the page size). */
export function queryDigest(query: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(query)
    .filter(([key, value]) => key !== 'cursor' && key !== 'limit' && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 16);
}

/** An opaque cursor: where the next page starts (`position`) and the digest of its query. */
export function encodeCursor(position: unknown, digest: string): string {
  return Buffer.from(JSON.stringify({ p: position, q: digest })).toString('base64url');
}

/** The position a cursor holds, checked by `read`; a cursor of another query or not ours is a 400. */
export function decodeCursor<T>(cursor: string, digest: string, read: (position: unknown) => T | null): T {
  const invalid = (detail: string) =>
    new ApiProblemError(
      problem(400, 'invalid-cursor', 'Invalid cursor', detail, 'pass the `next` link of the previous page as it is'),
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('the cursor is not one this API gave out');
  }
  const { p, q } = (parsed ?? {}) as { p?: unknown; q?: unknown };
  const position = read(p);
  if (position === null) throw invalid('the cursor is not one this API gave out');
  if (q !== digest) throw invalid('the cursor belongs to another query: keep every filter of the first page');
  return position;
}

/** The `next` link of a page: this request's URL with the cursor replaced. */
export function nextLink(c: Context<ApiEnv>, cursor: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

/** The ETag of a JSON body: a digest of its bytes. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether an If-None-Match or If-Match header lists `etag` (weak tags compare by their value). */
export function etagListed(header: string, etag: string): boolean {
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** The 503 of a client certflow has not connected yet. */
export function unavailable(slug: string, title: string, detail: string): ApiProblemError {
  return new ApiProblemError(
    problem(503, slug, title, detail, 'retry in a few seconds; if it persists, check the certflow log'),
    { 'Retry-After': '5' },
  );
}

/** The 400 of a JSON body a schema refused outside Hono's validation (an optional body, a multipart field). */
export function invalidBody(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  target = 'json',
): ApiProblemError {
  return new ApiProblemError(
    invalidParameters(
      issues.map((issue) => ({
        parameter: [target, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    ),
  );
}
