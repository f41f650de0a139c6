/**
 * certflow's HTTP API under /api/v1 (issue 20, R-API-1): Hono routes declared with zod schemas, which validate the
 * requests and generate the OpenAPI 3.1 document at /api/v1/openapi.json. Every other route needs a bearer token
 * (`certflow tokens create`); the token's actor is the principal, and what it may do is decided where Slack's and
 * the CLI's requests are decided (the lifecycle, the campaign client, the worker's published roles). Every call is
 * audited with the token's name; errors are RFC 9457 problem details. One module per route group.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { getRequestListener } from '@hono/node-server';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { HttpMount } from '../shared/http';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/http';
import type { WhenLifecyclesReachable } from '../../core/application/imported-lifecycles';
import { LifecycleTimeoutError, TemporalUnavailableError } from '../../core/application/lifecycle-errors';
import { authenticateBearer } from './api-token-secrets';
import { apiErrorProblem } from './api-errors';
import type { ApiDependencies, ApiRouteDependencies } from './api-dependencies';
import {
  API_PREFIX,
  BEARER,
  ERRORS,
  invalidParameters,
  jsonResponse,
  OPENAPI_PATH,
  sendProblem,
  type ApiEnv,
  type ApiRouteSignature,
} from './api-kit';
import { registerAuditRoutes } from './audit-routes';
import { registerCampaignRoutes } from './campaign-routes';
import { registerCertificateRoutes } from './certificate-routes';
import { registerFindingRoutes } from './finding-routes';
import { registerLifecycleRoutes } from './lifecycle-routes';
import { registerOwnerGroupRoutes } from './owner-group-routes';
import { ApiProblemError, problem, type Problem } from './problem';
import { TokenRateLimiter } from './rate-limit';
import { WhoAmISchema } from './api-schemas';

export { API_PREFIX, MAX_PAGE_SIZE, OPENAPI_PATH } from './api-kit';
export type { ApiDependencies } from './api-dependencies';

const whoAmI = createRoute({
  method: 'get',
  path: '/me',
  summary: 'The principal the bearer token acts as (what `certflow login` and `certflow whoami` check)',
  security: BEARER,
  responses: { 200: jsonResponse('the token and its principal', WhoAmISchema), ...ERRORS },
});

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
export function createApiApp(dependencies: ApiDependencies): OpenAPIHono<ApiEnv> {
  const deps: ApiRouteDependencies = {
    ...dependencies,
    roles: dependencies.roles ?? (async () => null),
    campaigns: dependencies.campaigns ?? (() => null),
    issuers: dependencies.issuers ?? ['internal'],
  };
  const now = deps.now ?? (() => new Date());
  const limiter = new TokenRateLimiter(deps.rateLimit ?? { perMinute: 600, burst: 100 });
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      return sendProblem(
        invalidParameters(
          result.error.issues.map((issue) => ({
            parameter: `${result.target}${issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}`,
            message: issue.message,
          })),
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
          'send a smaller body; split a large bundle into several uploads',
        ),
      ),
  });
  // Only methods with a body: Hono's limit wraps a DELETE's or GET's empty body stream in a new Request, which fails.
  app.on(['POST', 'PUT', 'PATCH'], '*', limitBody);

  /** Runs work on the lifecycle and campaign clients, or says why they cannot be reached (an import's follow-up). */
  const whenReachable: WhenLifecyclesReachable = async (work) => {
    const lifecycles = deps.lifecycles();
    const campaigns = deps.campaigns();
    if (lifecycles === null || campaigns === null) return { unavailable: 'certflow has not connected to Temporal yet' };
    try {
      return { done: await work({ lifecycles, campaigns }) };
    } catch (error) {
      if (error instanceof TemporalUnavailableError || error instanceof LifecycleTimeoutError) {
        return { unavailable: error.message };
      }
      throw error;
    }
  };

  app.openapi(whoAmI, (c) => {
    const { actor, name, createdAt, expiresAt } = c.get('token');
    return c.json({ actor, token: name, createdAt, expiresAt }, 200);
  });
  const routes: ApiRouteSignature[] = [
    whoAmI,
    ...registerCertificateRoutes(app, deps, whenReachable),
    ...registerLifecycleRoutes(app, deps),
    ...registerOwnerGroupRoutes(app, deps, whenReachable),
    ...registerCampaignRoutes(app, deps),
    ...registerFindingRoutes(app, deps),
    ...registerAuditRoutes(app, deps),
  ];
  const routePatterns = routes.map((route) => ({
    method: route.method.toUpperCase(),
    pattern: new RegExp(`^${API_PREFIX}${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'certflow API',
      version: '1',
      description:
        'Certificates, lifecycles and their requests, owner groups, campaigns, findings and the audit log. Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem details with a `fix`.',
    },
  });

  app.notFound((c) => {
    const allowed = [
      ...new Set(routePatterns.filter((route) => route.pattern.test(c.req.path)).map((route) => route.method)),
    ];
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
