/**
 * The HTTP API's schemas (zod, extended for OpenAPI): requests are validated with them and the OpenAPI 3.1 document
 * is generated from them, so the two cannot disagree.
 */
import { z } from '@hono/zod-openapi';

/** A problem body (RFC 9457). */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    fix: z.string(),
  })
  .loose()
  .openapi('Problem');

const booleanText = z.enum(['true', 'false']);
const text = z.string().min(1).max(512);

/** The page size and the previous page's cursor, in the query of every list route. */
export const PAGE_QUERY = {
  limit: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional()
    .openapi({ description: 'page size, 1 to 500 (default 100)' }),
  cursor: z.string().max(512).optional().openapi({ description: "the previous page's `next` cursor" }),
};

/** `GET /certificates`' query: the CLI list's filter fields, a page size and the cursor of the previous page. */
export const CertificateQuerySchema = z.object({
  fingerprint: text.optional().openapi({ description: 'fingerprint or id prefix (hex)' }),
  text: text.optional().openapi({ description: 'subject DN, SAN DNS names or IPs containing this' }),
  subject: text.optional(),
  issuer: text.optional(),
  issuerFingerprint: text.optional(),
  serialNumber: text.optional(),
  san: text.optional(),
  notAfterBefore: text.optional().openapi({ description: 'ISO 8601 instant, exclusive' }),
  notAfterFrom: text.optional().openapi({ description: 'ISO 8601 instant, inclusive' }),
  notBeforeFrom: text.optional(),
  notBeforeBefore: text.optional(),
  keyAlgorithm: text.optional(),
  keySizeBelow: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional(),
  curve: text.optional(),
  signatureHash: text.optional(),
  isCa: booleanText.optional(),
  selfSigned: booleanText.optional(),
  role: z.enum(['end-entity', 'intermediate', 'root']).optional(),
  ownerGroup: text.optional(),
  unowned: booleanText.optional(),
  application: text.optional(),
  systemType: text.optional(),
  contact: text.optional(),
  approver: text.optional(),
  regulation: text.optional(),
  tag: text.optional(),
  host: text.optional(),
  folder: text.optional(),
  hasViolations: booleanText.optional(),
  violatesRule: text.optional(),
  weak: booleanText.optional(),
  revoked: booleanText.optional(),
  sort: z.enum(['notAfter', 'subject', 'firstSeen']).optional(),
  ...PAGE_QUERY,
});

/** A certificate as the inventory keeps it (facts, metadata, policy result); fields are those of `certflow show --json`. */
export const CertificateSchema = z
  .object({
    id: z.string(),
    facts: z.object({ fingerprintSha256: z.string() }).loose(),
    metadata: z.object({}).loose(),
    issuerFingerprint: z.string().nullable(),
    policy: z.object({}).loose().nullable(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
  })
  .openapi('Certificate');

/** One page of certificates. */
export const CertificatePageSchema = z
  .object({
    items: z.array(CertificateSchema),
    total: z.number().int(),
    next: z.string().nullable().openapi({ description: 'URL of the next page; null on the last' }),
  })
  .openapi('CertificatePage');

/** A lifecycle's id: a managed certificate id, or the id, fingerprint or an 8+ digit prefix of one of its versions. */
export const LifecycleParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[0-9a-fA-F]{8,64}$/)
    .openapi({ param: { name: 'id', in: 'path' }, example: '3f2a9c1e0b7d4a65' }),
});

/** A lifecycle's state, dated plan and records, as `certflow lifecycle status --json` shows them. */
export const LifecycleStatusSchema = z
  .object({ managed: z.object({ id: z.string() }).loose(), lifecycle: z.object({ phase: z.string() }).loose() })
  .openapi('LifecycleStatus');

/** A renewal or revocation request. */
export const LifecycleRequestSchema = z
  .object({ id: z.string(), kind: z.string(), status: z.string() })
  .loose()
  .openapi('LifecycleRequest');

/** `POST /lifecycles/{id}/renew`'s body. */
export const RenewBodySchema = z.object({ reason: z.string().trim().min(1).max(2000).optional() });

/** `POST /lifecycles/{id}/approve`'s body. */
export const ApproveBodySchema = z.object({
  requestId: z.string().max(100).openapi({ example: '3f2a9c1e0b7d4a65.1.2' }),
  note: z.string().trim().max(2000).optional(),
});

/** `POST /lifecycles/{id}/reject`'s body: a rejection says what to fix. */
export const RejectBodySchema = z.object({
  requestId: z.string().max(100).openapi({ example: '3f2a9c1e0b7d4a65.1.2' }),
  reason: z.string().trim().min(1).max(2000),
});

/** `GET /me`: who the bearer token acts as; what that principal may do is decided per request by the server. */
export const WhoAmISchema = z
  .object({
    actor: z.string().openapi({ example: 'email:alice@example.com' }),
    token: z.string().openapi({ description: "the token's name, as the audit log records it" }),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi('WhoAmI');
