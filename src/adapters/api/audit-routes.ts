/**
 * Audit log routes (R-API-1, R-LOG-1): a query by actor, subject, action and time range a page at a time (keyset on
 * the entry's sequence number, so pages stay stable while entries are appended), and an export as CSV or JSON,
 * streamed. One subject's trail (a certificate's) is open to any token, like the certificate; the whole log only
 * to security leads and admins (R-SEC-2).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireSecurityRole } from '../../core/application/security-roles';
import { AUDIT_CSV_HEADER, auditCsvRow } from '../../core/domain/reports/audit-csv';
import type { AuditEntry } from '../../core/domain/inventory/model';
import type { AuditFilter } from '../../core/ports/inventory-store';
import type { ApiRouteDependencies } from './api-dependencies';
import {
  BEARER,
  decodeCursor,
  encodeCursor,
  ERRORS,
  invalidParameters,
  jsonResponse,
  nextLink,
  pageLimit,
  problemResponse,
  queryDigest,
  tokenActor,
  type ApiApp,
  type ApiEnv,
  type ApiRouteSignature,
} from './api-kit';
import { PAGE_QUERY } from './api-schemas';
import { ApiProblemError } from './problem';

const instant = z.iso.datetime({ offset: true }).optional();
const AuditFilterSchema = z.object({
  actor: z.string().min(1).max(512).optional().openapi({ example: 'email:alice@example.com' }),
  subject: z.string().min(1).max(512).optional().openapi({ description: 'a certificate fingerprint, group id …' }),
  action: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'an action, or a prefix ending in `.` (`campaign.`)', example: 'request.' }),
  from: instant.openapi({ description: 'ISO 8601 instant, inclusive' }),
  to: instant.openapi({ description: 'ISO 8601 instant, exclusive' }),
});
const AuditQuerySchema = AuditFilterSchema.extend({
  ...PAGE_QUERY,
  newest: z.coerce.number().int().min(1).max(1000).optional().openapi({
    description: 'the newest this many entries (oldest first) instead of a page from the oldest; takes no cursor',
  }),
});
const ExportQuerySchema = AuditFilterSchema.extend({
  format: z
    .enum(['csv', 'json'])
    .optional()
    .openapi({ description: 'csv or json; without it, the Accept header decides (JSON by default)' }),
});

const AuditEntrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    where: z.string(),
    details: z.object({}).loose(),
  })
  .openapi('AuditEntry');

const queryAudit = createRoute({
  method: 'get',
  path: '/audit',
  summary: "Audit entries, oldest first; one subject's trail for any token, the whole log for security leads",
  security: BEARER,
  request: { query: AuditQuerySchema },
  responses: {
    200: jsonResponse(
      'one page',
      z
        .object({ items: z.array(AuditEntrySchema), total: z.number().int(), next: z.string().nullable() })
        .openapi('AuditPage'),
    ),
    403: problemResponse('only security leads and admins read the whole log: name a subject'),
    ...ERRORS,
  },
});
const exportAudit = createRoute({
  method: 'get',
  path: '/audit/export',
  summary: 'The audit log as CSV (formula-guarded cells) or a JSON array, streamed (security leads and admins)',
  security: BEARER,
  request: { query: ExportQuerySchema },
  responses: {
    200: {
      description: 'every matching entry, oldest first',
      content: {
        'text/csv': { schema: z.string() },
        'application/json': { schema: z.array(AuditEntrySchema) },
      },
    },
    403: problemResponse('only security leads and admins export the audit log'),
    ...ERRORS,
  },
});

const EXPORT_BATCH = 1000;

function auditFilter(query: z.infer<typeof AuditFilterSchema>): AuditFilter {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
}

const readSeq = (position: unknown) =>
  typeof position === 'number' && Number.isSafeInteger(position) && position >= 0 ? position : null;

/** Whether the export is CSV: `format` first, else the Accept header. */
function exportsCsv(c: Context<ApiEnv>, format: 'csv' | 'json' | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  return /(^|,)\s*text\/csv/i.test(c.req.header('accept') ?? '');
}

/** Streams every entry of `filter` as CSV rows or one JSON array, a batch at a time. */
function exportStream(entries: AsyncIterable<readonly AuditEntry[]>, csv: boolean): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = entries[Symbol.asyncIterator]();
  let first = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csv ? `${AUDIT_CSV_HEADER}\r\n` : '['));
    },
    async pull(controller) {
      const batch = await iterator.next();
      if (batch.done) {
        if (!csv) controller.enqueue(encoder.encode(first ? ']\n' : '\n]\n'));
        controller.close();
        return;
      }
      const text = batch.value
        .map((entry) => {
          if (csv) return `${auditCsvRow(entry)}\r\n`;
          const line = `${first ? '\n' : ',\n'}${JSON.stringify(entry)}`;
          first = false;
          return line;
        })
        .join('');
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Registers the audit routes; returns their signatures. */
export function registerAuditRoutes(app: ApiApp, deps: ApiRouteDependencies): ApiRouteSignature[] {
  app.openapi(queryAudit, async (c) => {
    const query = c.req.valid('query');
    const { limit: rawLimit, cursor, newest, ...fields } = query;
    if (fields.subject === undefined) {
      await requireSecurityRole(
        tokenActor(c),
        deps.roles,
        'read the whole audit log (name a subject to read its trail)',
      );
    }
    const filter = auditFilter(fields);
    if (newest !== undefined) {
      if (cursor !== undefined) {
        throw new ApiProblemError(
          invalidParameters([
            { parameter: 'query.cursor', message: 'newest reads the newest entries: give no cursor' },
          ]),
        );
      }
      // `certflow audit list` shows the newest entries: one count, then one page at that offset.
      const { total } = await deps.store.queryAudit(filter, { limit: 1 });
      const page = await deps.store.queryAudit(filter, { limit: newest, offset: Math.max(0, total - newest) });
      return c.json({ ...page, next: null } as never, 200);
    }
    const limit = pageLimit(rawLimit);
    const digest = queryDigest(query);
    const afterSeq = cursor === undefined ? undefined : decodeCursor(cursor, digest, readSeq);
    const page = await deps.store.queryAudit(afterSeq === undefined ? filter : { ...filter, afterSeq }, {
      limit: limit + 1,
    });
    const total = afterSeq === undefined ? page.total : (await deps.store.queryAudit(filter, { limit: 1 })).total;
    const items = page.items.slice(0, limit);
    const last = items[items.length - 1];
    const next = page.items.length > limit && last !== undefined ? nextLink(c, encodeCursor(last.seq, digest)) : null;
    return c.json({ items, total, next } as never, 200);
  });

  app.openapi(exportAudit, async (c) => {
    await requireSecurityRole(tokenActor(c), deps.roles, 'export the audit log');
    const { format, ...fields } = c.req.valid('query');
    const csv = exportsCsv(c, format);
    const stream = exportStream(deps.store.eachAuditEntry(auditFilter(fields), EXPORT_BATCH), csv);
    return new Response(stream, {
      status: 200,
      headers: {
        'Content-Type': csv ? 'text/csv; charset=utf-8' : 'application/json',
        'Content-Disposition': `attachment; filename="certflow-audit.${csv ? 'csv' : 'json'}"`,
        Vary: 'Accept',
      },
    });
  });
  return [queryAudit, exportAudit];
}
