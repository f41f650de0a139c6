/**
 * Lifecycle routes (R-API-1): a lifecycle's status, and renewal, revocation, approval and rejection as the token's
 * principal. The lifecycle decides who may (R-SEC-2, R-RA-2) from the server's configuration and the owner group;
 * a refusal is a 403 problem saying why.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { LifecycleClient } from '../../core/application/lifecycle-client';
import { resolveManagedCertificate } from '../../core/application/resolve-managed-certificate';
import { REVOCATION_REASONS } from '../../core/domain/lifecycle/model';
import { parseRequestId } from '../../core/domain/lifecycle/request-id';
import type { ApiRouteDependencies } from './api-dependencies';
import {
  API_PREFIX,
  BEARER,
  ERRORS,
  invalidBody,
  jsonBody,
  jsonResponse,
  notFound,
  problemResponse,
  tokenActor,
  unavailable,
  type ApiApp,
  type ApiEnv,
  type ApiRouteSignature,
} from './api-kit';
import {
  ApproveBodySchema,
  LifecycleParamsSchema,
  LifecycleRequestSchema,
  LifecycleStatusSchema,
  RejectBodySchema,
  RenewBodySchema,
} from './api-schemas';

/** `POST /lifecycles/{id}/revoke`'s body: why, the RFC 5280 reason code, and whether a replacement comes first. */
export const RevokeBodySchema = z.object({
  reason: z.string().trim().min(1).max(2000).openapi({ example: 'private key leaked in a public repository' }),
  reasonCode: z.enum(REVOCATION_REASONS).openapi({ description: 'RFC 5280 CRL reason code' }),
  replace: z
    .boolean()
    .optional()
    .openapi({ description: 'issue and install a replacement before revoking (default true)' }),
});

const LIFECYCLE_ERRORS = {
  ...ERRORS,
  403: problemResponse('the lifecycle refused the request for this principal'),
  404: problemResponse('no such lifecycle or request'),
  503: problemResponse('certflow cannot reach Temporal'),
};

const lifecycleStatus = createRoute({
  method: 'get',
  path: '/lifecycles/{id}',
  summary: "A lifecycle's state, dated plan, open request, ticket and records",
  security: BEARER,
  request: { params: LifecycleParamsSchema },
  responses: { 200: jsonResponse('the lifecycle', LifecycleStatusSchema), ...LIFECYCLE_ERRORS },
});

/** A POST on one lifecycle whose JSON body `schema` describes. */
function lifecycleAction<T extends z.ZodType>(action: string, summary: string, schema: T, required = true) {
  return createRoute({
    method: 'post',
    path: `/lifecycles/{id}/${action}`,
    summary,
    security: BEARER,
    request: { params: LifecycleParamsSchema, body: { ...jsonBody(schema), required } },
    responses: {
      200: jsonResponse('the request', LifecycleRequestSchema),
      413: problemResponse('the body is larger than the server takes'),
      ...LIFECYCLE_ERRORS,
    },
  });
}

const renewLifecycle = lifecycleAction(
  'renew',
  "Ask for a renewal as the token's principal; an approver of the owner group decides",
  RenewBodySchema,
  false,
);
const revokeLifecycle = lifecycleAction(
  'revoke',
  "Ask for a revocation as the token's principal (an owner or a security lead, R-REV-1); an approver decides",
  RevokeBodySchema,
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

/** Registers the lifecycle routes; returns their signatures. */
export function registerLifecycleRoutes(app: ApiApp, deps: ApiRouteDependencies): ApiRouteSignature[] {
  const lifecycles = (): LifecycleClient => {
    const client = deps.lifecycles();
    if (client === null) {
      throw unavailable(
        'lifecycles-unavailable',
        'Lifecycles unavailable',
        'certflow has not connected to Temporal yet',
      );
    }
    return client;
  };

  app.openapi(lifecycleStatus, async (c) => {
    const managed = await resolveManagedCertificate(deps.store, c.req.valid('param').id);
    const lifecycle = await lifecycles().status(managed.id);
    return c.json({ managed, lifecycle } as never, 200);
  });

  app.openapi(renewLifecycle, async (c) => {
    const managed = await resolveManagedCertificate(deps.store, c.req.valid('param').id);
    // The body is optional: an empty one asks with the default reason.
    const body = (await c.req.json().catch(() => ({}))) as unknown;
    const parsed = RenewBodySchema.safeParse(body ?? {});
    if (!parsed.success) throw invalidBody(parsed.error.issues);
    const request = await lifecycles().requestRenewal(managed.id, {
      requestedBy: tokenActor(c),
      reason: parsed.data.reason ?? `renewal requested through the API (token ${c.get('token').name})`,
      source: 'owner',
    });
    return c.json(request as never, 200);
  });

  app.openapi(revokeLifecycle, async (c) => {
    const managed = await resolveManagedCertificate(deps.store, c.req.valid('param').id);
    const body = c.req.valid('json');
    const request = await lifecycles().requestRevocation(managed.id, {
      requestedBy: tokenActor(c),
      reason: body.reason,
      revocationReason: body.reasonCode,
      replace: body.replace ?? true,
    });
    return c.json(request as never, 200);
  });

  const decide = async (c: Context<ApiEnv>, decision: 'approve' | 'reject', requestId: string, reason?: string) => {
    const managed = await resolveManagedCertificate(deps.store, c.req.param('id') ?? '');
    if (parseRequestId(requestId)?.managedCertificateId !== managed.id) {
      throw notFound(
        `request ${requestId} is not a request of lifecycle ${managed.id}`,
        `GET ${API_PREFIX}/lifecycles/${managed.id} shows its open request`,
      );
    }
    const request = await lifecycles().decide({
      requestId,
      decision,
      decidedBy: tokenActor(c),
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
  return [lifecycleStatus, renewLifecycle, revokeLifecycle, approveRequest, rejectRequest];
}
