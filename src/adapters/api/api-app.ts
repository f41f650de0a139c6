/**
 * certflow's HTTP API under /api/v1 (issue 20, R-API-1): Hono routes declared with zod schemas, which validate the
 * requests and generate the OpenAPI 3.1 document at /api/v1/openapi.json. Every other route needs a bearer token
 * (`certflow tokens create`); the token's actor is the principal, and what it may do is decided where Slack's and
 * the CLI's requests are decided (the lifecycle, from the server's configuration). Every call is audited with the
 * token's name; errors are RFC 9457 problem details.
 */
import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getRequestListener } from '@hono/node-server';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { HttpMount } from '../shared/http';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/http';
import type { ApiToken, ApiTokenStore } from '../../core/ports/api-token-store';
import type { CertificateFilter, InventoryStore } from '../../core/ports/inventory-store';
import type { LifecycleClient } from '../../core/application/lifecycle-client';
import { resolveManagedCertificate } from '../../core/application/resolve-managed-certificate';
import { parseRequestId } from '../../core/domain/lifecycle/request-id';
import { authenticateBearer } from './api-token-secrets';
import { apiErrorProblem } from './api-errors';
import { ApiProblemError, problem, PROBLEM_MEDIA_TYPE, type Problem } from './problem';
import { TokenRateLimiter, type RateLimitOptions } from './rate-limit';
import {
  ApproveBodySchema,
  CertificatePageSchema,
  CertificateQuerySchema,
  CertificateSchema,
  LifecycleParamsSchema,
  LifecycleRequestSchema,
  LifecycleStatusSchema,
  ProblemSchema,
  RejectBodySchema,
  RenewBodySchema,
  WhoAmISchema,
} from './api-schemas';

/** Where the API is mounted on certflow's HTTP server. */
export const API_PREFIX = '/api/v1';
/** The OpenAPI document's path, the one route without a token. */
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;
/** Largest page of `GET /certificates`. */
export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 100;

/** What the API works with. */
export interface ApiDependencies {
  readonly store: InventoryStore;
  readonly tokens: ApiTokenStore;
  /** The lifecycle client; null until certflow's Temporal client is connected (lifecycle routes answer 503). */
  readonly lifecycles: () => LifecycleClient | null;
  /** Where failures are logged (never a secret: only method, path and the token's name). */
  readonly log: (line: string) => void;
  readonly now?: () => Date;
  /** Per token; 600 a minute with bursts of 100 by default. */
  readonly rateLimit?: RateLimitOptions;
  /** Largest request body, in bytes; the HTTP server's 1 MiB by default. */
  readonly maxBodyBytes?: number;
}

type ApiEnv = { Variables: { token: ApiToken } };

const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
});
/** A 200-style answer whose JSON body `schema` describes. */
const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});
const ERRORS = {
  400: problemResponse('invalid request: each invalid parameter is listed in `errors`'),
  401: problemResponse('no valid bearer token'),
  429: problemResponse('the token exceeded its rate limit; retry after Retry-After seconds'),
};
const LIFECYCLE_ERRORS = {
  ...ERRORS,
  403: problemResponse('the lifecycle refused the request for this principal'),
  404: problemResponse('no such lifecycle or request'),
  503: problemResponse('certflow cannot reach Temporal'),
};

function sendProblem(body: Problem, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'Content-Type': PROBLEM_MEDIA_TYPE, ...headers },
  });
}

/** The page cursor: the offset of the next page and a digest of the query it belongs to, opaque to clients. */
function queryDigest(query: Readonly<Record<string, string | undefined>>): string {
  const entries = Object.entries(query)
    .filter(([key, value]) => key !== 'cursor' && key !== 'limit' && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 16);
}

function encodeCursor(offset: number, digest: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: digest })).toString('base64url');
}

function decodeCursor(cursor: string, digest: string): number {
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
  const { o, q } = (parsed ?? {}) as { o?: unknown; q?: unknown };
  if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0)
    throw invalid('the cursor is not one this API gave out');
  if (q !== digest) throw invalid('the cursor belongs to another query: keep every filter of the first page');
  return o;
}

/** Turns the query's text values into the inventory's filter; the store validates them as it does the CLI's. */
function certificateFilter(query: z.infer<typeof CertificateQuerySchema>): CertificateFilter {
  const { sort: _sort, limit: _limit, cursor: _cursor, keySizeBelow, ...fields } = query;
  const filter: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) filter[key] = value === 'true' ? true : value === 'false' ? false : value;
  }
  if (keySizeBelow !== undefined) filter.keySizeBelow = Number(keySizeBelow);
  return filter;
}

const whoAmI = createRoute({
  method: 'get',
  path: '/me',
  summary: 'The principal the bearer token acts as (what `certflow login` and `certflow whoami` check)',
  security: [{ bearer: [] }],
  responses: { 200: jsonResponse('the token and its principal', WhoAmISchema), ...ERRORS },
});

const listCertificates = createRoute({
  method: 'get',
  path: '/certificates',
  summary: 'Search certificates on any inventory field, a page at a time',
  security: [{ bearer: [] }],
  request: { query: CertificateQuerySchema },
  responses: {
    200: jsonResponse('one page', CertificatePageSchema),
    ...ERRORS,
  },
});

const showCertificate = createRoute({
  method: 'get',
  path: '/certificates/{fingerprint}',
  summary: 'One certificate by id, fingerprint or an 8+ digit prefix',
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      fingerprint: LifecycleParamsSchema.shape.id.openapi({ param: { name: 'fingerprint', in: 'path' } }),
    }),
  },
  responses: {
    200: jsonResponse('the certificate (ETag set)', CertificateSchema),
    304: { description: 'unchanged since the If-None-Match ETag' },
    404: problemResponse('no certificate with that id'),
    ...ERRORS,
  },
});

const lifecycleStatus = createRoute({
  method: 'get',
  path: '/lifecycles/{id}',
  summary: "A lifecycle's state, dated plan, open request, ticket and records",
  security: [{ bearer: [] }],
  request: { params: LifecycleParamsSchema },
  responses: {
    200: jsonResponse('the lifecycle', LifecycleStatusSchema),
    ...LIFECYCLE_ERRORS,
  },
});

const requestBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const requestResponses = {
  200: jsonResponse('the request', LifecycleRequestSchema),
  413: problemResponse('the body is larger than the server takes'),
  ...LIFECYCLE_ERRORS,
};

/** A POST on one lifecycle whose JSON body `schema` describes. */
function lifecycleAction<T extends z.ZodType>(action: string, summary: string, schema: T, required = true) {
  return createRoute({
    method: 'post',
    path: `/lifecycles/{id}/${action}`,
    summary,
    security: [{ bearer: [] }],
    request: { params: LifecycleParamsSchema, body: { ...requestBody(schema), required } },
    responses: requestResponses,
  });
}

const renewLifecycle = lifecycleAction(
  'renew',
  "Ask for a renewal as the token's principal; an approver of the owner group decides",
  RenewBodySchema,
  false,
);
const approveRequest = lifecycleAction(
  'approve',
  "Approve an open request of this lifecycle as the token's principal",
  ApproveBodySchema,
);
const rejectRequest = lifecycleAction(
  'reject',
  "Reject an open request of this lifecycle as the token's principal, saying what to fix",
  RejectBodySchema,
);

/** Route templates by path, for telling 405 from 404. */
const ROUTES = [
  whoAmI,
  listCertificates,
  showCertificate,
  lifecycleStatus,
  renewLifecycle,
  approveRequest,
  rejectRequest,
];
const ROUTE_PATTERNS = ROUTES.map((route) => ({
  method: route.method.toUpperCase(),
  pattern: new RegExp(`^${API_PREFIX}${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

function unauthorized(detail: string): Problem {
  return problem(
    401,
    'unauthorized',
    'Unauthorized',
    detail,
    'send Authorization: Bearer <token>; an operator creates one with `certflow tokens create --actor <principal> --name <name>`',
  );
}

const REFUSALS = {
  missing: 'no bearer token was sent',
  malformed: 'the Authorization header does not carry a certflow token (cfk_…)',
  unknown: 'the token is not known',
  revoked: 'the token was revoked',
  expired: 'the token has expired',
} as const;

/** Builds the API's Hono app. */
export function createApiApp(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const now = deps.now ?? (() => new Date());
  const limiter = new TokenRateLimiter(deps.rateLimit ?? { perMinute: 600, burst: 100 });
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        parameter: `${result.target}${issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}`,
        message: issue.message,
      }));
      return sendProblem(
        problem(
          400,
          'invalid-request',
          'Invalid request',
          errors.map((error) => `${error.parameter}: ${error.message}`).join('; '),
          `correct the parameters listed in errors; ${OPENAPI_PATH} describes each`,
          { errors },
        ),
      );
    },
  }).basePath(API_PREFIX);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'a token from `certflow tokens create`',
  });

  app.use('*', async (c, next) => {
    if (c.req.path === OPENAPI_PATH) return next();
    const authenticated = await authenticateBearer(deps.tokens, c.req.header('authorization'), now());
    if ('refused' in authenticated) {
      return sendProblem(unauthorized(REFUSALS[authenticated.refused]), { 'WWW-Authenticate': 'Bearer' });
    }
    const { token } = authenticated;
    const retryAfter = limiter.take(token.name, now().getTime());
    if (retryAfter !== null) {
      return sendProblem(
        problem(
          429,
          'rate-limited',
          'Too many requests',
          `token "${token.name}" sent more requests than its rate limit allows`,
          `wait ${retryAfter} s (Retry-After) and send fewer requests`,
        ),
        { 'Retry-After': String(retryAfter) },
      );
    }
    c.set('token', token);
    const at = now().toISOString();
    await deps.tokens.touchToken(token.name, at);
    await next();
    await deps.store.appendAudit([
      {
        at,
        actor: token.actor,
        action: `api.${c.req.method.toLowerCase()}`,
        subject: c.req.path,
        where: `api:${token.name}`,
        details: { token: token.name, method: c.req.method, path: c.req.path, status: c.res.status },
      },
    ]);
  });
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () =>
      sendProblem(
        problem(
          413,
          'body-too-large',
          'Request body too large',
          `the request body is larger than ${maxBodyBytes} bytes`,
          'send a smaller body',
        ),
      ),
  });
  // Only methods with a body: Hono's limit wraps a DELETE's or GET's empty body stream in a new Request, which fails.
  app.on(['POST', 'PUT', 'PATCH'], '*', limitBody);

  const lifecycles = (): LifecycleClient => {
    const client = deps.lifecycles();
    if (client === null) {
      throw new ApiProblemError(
        problem(
          503,
          'lifecycles-unavailable',
          'Lifecycles unavailable',
          'certflow has not connected to Temporal yet',
          'retry in a few seconds; if it persists, check the certflow log',
        ),
        { 'Retry-After': '5' },
      );
    }
    return client;
  };

  app.openapi(whoAmI, (c) => {
    const { actor, name, createdAt, expiresAt } = c.get('token');
    return c.json({ actor, token: name, createdAt, expiresAt }, 200);
  });

  app.openapi(listCertificates, async (c) => {
    const query = c.req.valid('query');
    const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
    if (limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new ApiProblemError(
        problem(
          400,
          'invalid-request',
          'Invalid request',
          `limit ${limit} is out of range`,
          `use 1 to ${MAX_PAGE_SIZE}`,
        ),
      );
    }
    const digest = queryDigest(query);
    const offset = query.cursor === undefined ? 0 : decodeCursor(query.cursor, digest);
    const page = await deps.store.searchCertificates(certificateFilter(query), {
      limit,
      offset,
      ...(query.sort === undefined ? {} : { sort: query.sort }),
    });
    let next: string | null = null;
    if (offset + page.items.length < page.total && page.items.length > 0) {
      const url = new URL(c.req.url);
      url.searchParams.set('cursor', encodeCursor(offset + page.items.length, digest));
      next = `${url.pathname}${url.search}`;
    }
    return c.json({ items: page.items, total: page.total, next }, 200) as never;
  });

  app.openapi(showCertificate, async (c) => {
    const certificate = await deps.store.getCertificate(c.req.valid('param').fingerprint);
    if (certificate === null) {
      return sendProblem(
        problem(
          404,
          'not-found',
          'Not found',
          `no certificate has the id or fingerprint ${c.req.valid('param').fingerprint}`,
          'search with GET /api/v1/certificates',
        ),
      );
    }
    const body = JSON.stringify(certificate);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      return c.body(null, 304, { ETag: etag });
    }
    return c.body(body, 200, { 'Content-Type': 'application/json', ETag: etag });
  });

  app.openapi(lifecycleStatus, async (c) => {
    const managed = await resolveManagedCertificate(deps.store, c.req.valid('param').id);
    const lifecycle = await lifecycles().status(managed.id);
    return c.json({ managed, lifecycle } as never, 200);
  });

  app.openapi(renewLifecycle, async (c) => {
    const managed = await resolveManagedCertificate(deps.store, c.req.valid('param').id);
    const token = c.get('token');
    const body = (await c.req.json().catch(() => ({}))) as { reason?: unknown };
    const parsed = RenewBodySchema.safeParse(body ?? {});
    if (!parsed.success) throw new ApiProblemError(invalidBody(parsed.error.issues));
    const request = await lifecycles().requestRenewal(managed.id, {
      requestedBy: { id: token.actor },
      reason: parsed.data.reason ?? `renewal requested through the API (token ${token.name})`,
      source: 'owner',
    });
    return c.json(request as never, 200);
  });

  const decide = async (c: Context<ApiEnv>, decision: 'approve' | 'reject', requestId: string, reason?: string) => {
    const managed = await resolveManagedCertificate(deps.store, c.req.param('id') ?? '');
    if (parseRequestId(requestId)?.managedCertificateId !== managed.id) {
      throw new ApiProblemError(
        problem(
          404,
          'not-found',
          'Not found',
          `request ${requestId} is not a request of lifecycle ${managed.id}`,
          `GET ${API_PREFIX}/lifecycles/${managed.id} shows its open request`,
        ),
      );
    }
    const token = c.get('token');
    const request = await lifecycles().decide({
      requestId,
      decision,
      decidedBy: { id: token.actor },
      ...(reason === undefined ? {} : { reason }),
    });
    return c.json(request as never, 200);
  };
  app.openapi(approveRequest, async (c) => {
    const body = c.req.valid('json');
    return await decide(c, 'approve', body.requestId, body.note || undefined);
  });
  app.openapi(rejectRequest, async (c) => {
    const body = c.req.valid('json');
    return await decide(c, 'reject', body.requestId, body.reason);
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'certflow API',
      version: '1',
      description:
        'Certificates, lifecycles and their requests. Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem details.',
    },
  });

  app.notFound((c) => {
    const allowed = ROUTE_PATTERNS.filter((route) => route.pattern.test(c.req.path)).map((route) => route.method);
    if (allowed.length > 0) {
      return sendProblem(
        problem(
          405,
          'method-not-allowed',
          'Method not allowed',
          `${c.req.method} is not allowed on ${c.req.path}`,
          `use ${allowed.join(' or ')}`,
        ),
        { Allow: allowed.join(', ') },
      );
    }
    return sendProblem(
      problem(404, 'not-found', 'Not found', `nothing at ${c.req.path}`, `${OPENAPI_PATH} lists every route`),
    );
  });

  app.onError((error, c) => {
    if (error instanceof ApiProblemError) return sendProblem(error.problem, error.headers);
    // Hono's own refusals, such as a JSON body that does not parse.
    if (error instanceof HTTPException && error.status < 500) {
      return sendProblem(
        problem(
          error.status,
          'invalid-request',
          'Invalid request',
          error.message,
          `send the body as JSON (Content-Type: application/json); ${OPENAPI_PATH} describes it`,
        ),
      );
    }
    const known = apiErrorProblem(error);
    if (known !== null) return sendProblem(known);
    deps.log(`HTTP API ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
    return sendProblem(
      problem(
        500,
        'internal',
        'Internal error',
        'the request failed inside certflow',
        'the certflow log has the details',
      ),
    );
  });
  return app;
}

function invalidBody(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Problem {
  const errors = issues.map((issue) => ({ parameter: `json.${issue.path.join('.')}`, message: issue.message }));
  return problem(
    400,
    'invalid-request',
    'Invalid request',
    errors.map((error) => `${error.parameter}: ${error.message}`).join('; '),
    `correct the parameters listed in errors; ${OPENAPI_PATH} describes each`,
    { errors },
  );
}

/** The API mounted at /api/v1 on certflow's HTTP server. */
export function createApiMount(deps: ApiDependencies): HttpMount {
  const app = createApiApp(deps);
  // Node's own Request and Response stay: other parts of the process (Slack's Bolt) use them.
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return {
    prefix: API_PREFIX,
    handler: async (request, response) => {
      await listener(request, response);
      return true;
    },
  };
}
