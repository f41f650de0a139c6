/** Findings route (R-API-1, R-MON-6): discovery's findings, filtered by kind, owner group, host and resolution. */
import { createRoute, z } from '@hono/zod-openapi';
import { FINDING_KINDS, type FindingKind } from '../../core/domain/discovery/endpoint-findings';
import type { ApiRouteDependencies } from './api-dependencies';
import {
  BEARER,
  decodeCursor,
  encodeCursor,
  ERRORS,
  jsonResponse,
  nextLink,
  pageLimit,
  problemResponse,
  queryDigest,
  unavailable,
  type ApiApp,
  type ApiRouteSignature,
} from './api-kit';
import { PAGE_QUERY } from './api-schemas';

const FindingQuerySchema = z.object({
  kind: z.enum(FINDING_KINDS as [FindingKind, ...FindingKind[]]).optional(),
  ownerGroup: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: 'findings about certificates of this group' }),
  host: z.string().min(1).max(253).optional(),
  fingerprint: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .optional(),
  status: z.enum(['open', 'resolved', 'all']).optional().openapi({ description: 'open (default), resolved, or all' }),
  ...PAGE_QUERY,
});

const listFindings = createRoute({
  method: 'get',
  path: '/findings',
  summary: "Discovery's findings, most urgent and most recent first",
  security: BEARER,
  request: { query: FindingQuerySchema },
  responses: {
    200: jsonResponse(
      'one page',
      z
        .object({ items: z.array(z.object({}).loose()), total: z.number().int(), next: z.string().nullable() })
        .openapi('FindingPage'),
    ),
    503: problemResponse('discovery is not wired in this server'),
    ...ERRORS,
  },
});

const readOffset = (position: unknown) =>
  typeof position === 'number' && Number.isSafeInteger(position) && position >= 0 ? position : null;

/** Registers the findings route; returns its signature. */
export function registerFindingRoutes(app: ApiApp, deps: ApiRouteDependencies): ApiRouteSignature[] {
  app.openapi(listFindings, async (c) => {
    if (deps.findings === undefined) {
      throw unavailable('findings-unavailable', 'Findings unavailable', 'this certflow server does not run discovery');
    }
    const { limit: rawLimit, cursor, fingerprint, ...filter } = c.req.valid('query');
    const limit = pageLimit(rawLimit);
    const digest = queryDigest(c.req.valid('query'));
    const offset = cursor === undefined ? 0 : decodeCursor(cursor, digest, readOffset);
    const page = await deps.findings.listFindings(
      { ...filter, ...(fingerprint === undefined ? {} : { fingerprint: fingerprint.toLowerCase() }) },
      { limit, offset },
    );
    const end = offset + page.items.length;
    const next = end < page.total && page.items.length > 0 ? nextLink(c, encodeCursor(end, digest)) : null;
    return c.json({ items: page.items, total: page.total, next } as never, 200);
  });
  return [listFindings];
}
