/**
 * Certificate routes (R-API-1): search on every inventory field a page at a time (keyset cursor: stable while
 * certificates are added), one certificate with its ETag, a metadata change guarded by If-Match, and import uploads
 * (PEM, DER, PKCS#7, PKCS#12 with its passphrase, bundles) as a multipart form or a raw body, and a metadata CSV.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  changeCertificateMetadata,
  changeMetadataByRows,
  importUploadedCertificates,
  type CertificateChangeOptions,
} from '../../core/application/certificate-changes';
import { wholeCsvReport } from '../../core/application/import-metadata';
import type { WhenLifecyclesReachable } from '../../core/application/imported-lifecycles';
import { MetadataHeaderError, OWNER_GROUP_ID, type MetadataCsv } from '../../core/domain/inventory/metadata-row';
import { InvalidLocationError, parseLocation } from '../../core/domain/inventory/location';
import type { CertificateMetadataPatch, InventoryCertificate } from '../../core/domain/inventory/model';
import type { FoundCertificates } from '../../core/ports/certificate-source';
import type {
  CertificateFilter,
  CertificateGrouping,
  CertificateKeyset,
  CertificateSort,
} from '../../core/ports/inventory-store';
import type { ApiRouteDependencies, UploadedFile } from './api-dependencies';
import {
  BEARER,
  decodeCursor,
  encodeCursor,
  ERRORS,
  etagListed,
  etagOf,
  invalidBody,
  invalidParameters,
  jsonBody,
  jsonResponse,
  nextLink,
  notFound,
  pageLimit,
  problemResponse,
  queryDigest,
  tokenActor,
  tokenWhere,
  unavailable,
  WRITE_ERRORS,
  type ApiApp,
  type ApiEnv,
  type ApiRouteSignature,
} from './api-kit';
import { CertificatePageSchema, CertificateQuerySchema, CertificateSchema, LifecycleParamsSchema } from './api-schemas';
import { ApiProblemError, problem } from './problem';

const FingerprintParamsSchema = z.object({
  fingerprint: LifecycleParamsSchema.shape.id.openapi({ param: { name: 'fingerprint', in: 'path' } }),
});

const list = z.array(z.string().trim().min(1).max(512)).max(100);

/** `PATCH /certificates/{fingerprint}`'s body: metadata merged as `certflow import --metadata` merges a CSV row. */
export const MetadataPatchSchema = z
  .object({
    ownerGroup: z
      .string()
      .regex(OWNER_GROUP_ID)
      .optional()
      .openapi({ description: 'owner group id; moving to another group takes a security lead' }),
    contacts: list.optional().openapi({ description: 'added to the contacts (e-mail addresses, Slack user ids)' }),
    approvers: list.optional().openapi({ description: 'added to the approvers beyond the group' }),
    systemType: z.string().trim().min(1).max(200).optional(),
    application: z.string().trim().min(1).max(200).optional(),
    regulations: list.optional(),
    tags: list.optional(),
    locations: list.optional().openapi({
      description: 'added: host:port, /absolute/path or host:/absolute/path',
      example: ['www.example.com:443'],
    }),
  })
  .strict()
  .openapi('MetadataPatch');

/** What an upload's import did: the counts of `certflow import --json` and what followed for lifecycles. */
const ImportResultSchema = z
  .object({
    certificates: z
      .object({ certificatesRead: z.number().int(), created: z.number().int(), updated: z.number().int() })
      .loose(),
    lifecycles: z.object({}).loose().nullable(),
  })
  .openapi('ImportResult');

const listCertificates = createRoute({
  method: 'get',
  path: '/certificates',
  summary: 'Search certificates on any inventory field, a page at a time',
  security: BEARER,
  request: { query: CertificateQuerySchema },
  responses: { 200: jsonResponse('one page', CertificatePageSchema), ...ERRORS },
});

const GROUPINGS = [
  'ownerGroup',
  'application',
  'folder',
  'issuer',
  'keyAlgorithm',
] as const satisfies readonly CertificateGrouping[];

const countCertificates = createRoute({
  method: 'get',
  path: '/certificates/counts',
  summary: 'How many certificates the search selects per owner group, application, folder, issuer or key algorithm',
  security: BEARER,
  request: {
    query: CertificateQuerySchema.omit({ sort: true, limit: true, cursor: true }).extend({
      by: z.enum(GROUPINGS).openapi({ description: 'what to count by' }),
    }),
  },
  responses: {
    200: jsonResponse(
      'the counts, largest first; a null key counts the certificates without a value',
      z
        .object({ items: z.array(z.object({ key: z.string().nullable(), count: z.number().int() })) })
        .openapi('CertificateCounts'),
    ),
    ...ERRORS,
  },
});

/** The media type of one certificate's DER encoding (RFC 2585). */
const DER_MEDIA_TYPE = 'application/pkix-cert';

const showCertificate = createRoute({
  method: 'get',
  path: '/certificates/{fingerprint}',
  summary:
    'One certificate by id, fingerprint or an 8+ digit prefix; with Accept: application/pkix-cert, its DER encoding',
  security: BEARER,
  request: { params: FingerprintParamsSchema },
  responses: {
    200: {
      description: 'the certificate (ETag set), or its DER encoding',
      content: {
        'application/json': { schema: CertificateSchema },
        [DER_MEDIA_TYPE]: { schema: z.string().openapi({ type: 'string', format: 'binary' }) },
      },
    },
    304: { description: 'unchanged since the If-None-Match ETag' },
    404: problemResponse('no certificate with that id'),
    ...ERRORS,
  },
});

const patchCertificate = createRoute({
  method: 'patch',
  path: '/certificates/{fingerprint}',
  summary:
    "Merge metadata (owner group, contacts, approvers, tags, locations …): lists are added to, values replaced; If-Match takes the certificate's ETag",
  security: BEARER,
  request: { params: FingerprintParamsSchema, body: jsonBody(MetadataPatchSchema) },
  responses: {
    200: jsonResponse('the certificate as changed (ETag set)', CertificateSchema),
    404: problemResponse('no certificate with that id'),
    412: problemResponse('the certificate changed since the If-Match ETag: read it again'),
    ...WRITE_ERRORS,
  },
});

const UPLOAD_TYPES = [
  'application/x-pem-file',
  DER_MEDIA_TYPE,
  'application/pkcs7-mime',
  'application/x-pkcs12',
  'application/octet-stream',
] as const;
const binary = z.string().openapi({ type: 'string', format: 'binary' });
const UploadFormSchema = z.object({
  file: z.array(binary).openapi({ description: 'one or more certificate files (PEM, DER, PKCS#7, PKCS#12, bundles)' }),
  passphrase: z.string().optional().openapi({ description: 'opens PKCS#12 files; never logged or stored' }),
  ownerGroup: z.string().optional(),
  tag: z.array(z.string()).optional(),
  application: z.string().optional(),
});
const UploadQuerySchema = z.object({
  ownerGroup: z.string().regex(OWNER_GROUP_ID).optional(),
  tag: z.string().max(200).optional(),
  application: z.string().max(200).optional(),
  name: z.string().max(200).optional().openapi({ description: "the file's name in the import report (raw body)" }),
  host: z.string().max(253).optional().openapi({
    description: 'the host the files are installed on: each file name, an absolute path, is recorded as its location',
  }),
});

/** Documented with the registry: the route reads its body itself (a multipart form or raw bytes). */
const importCertificatesRoute = createRoute({
  method: 'post',
  path: '/certificates/import',
  summary:
    'Import uploaded certificates as `certflow import` does: a multipart form (file, passphrase, ownerGroup, tag), or the file as the raw body with its content type (passphrase in the Certflow-Passphrase header)',
  security: BEARER,
  request: {
    query: UploadQuerySchema,
    headers: z.object({ 'certflow-passphrase': z.string().optional() }),
    body: {
      required: true,
      content: {
        'multipart/form-data': { schema: UploadFormSchema },
        ...Object.fromEntries(UPLOAD_TYPES.map((type) => [type, { schema: binary }])),
      },
    },
  },
  responses: {
    200: jsonResponse('what was imported; per-file problems are listed, the rest went in', ImportResultSchema),
    415: problemResponse('the body is neither a multipart form nor a certificate file type'),
    503: problemResponse('uploads are not wired in this server'),
    ...WRITE_ERRORS,
  },
});

const MetadataResultSchema = z
  .object({
    metadata: z.object({
      source: z.string(),
      rows: z.number().int(),
      certificatesUpdated: z.number().int(),
      updatedFingerprints: z.array(z.string()),
      errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
    }),
    lifecycles: z.object({}).loose().nullable(),
  })
  .openapi('MetadataResult');

/** Documented with the registry: the route reads its body itself (CSV text). */
const importMetadataRoute = createRoute({
  method: 'post',
  path: '/certificates/metadata',
  summary:
    'Merge a metadata CSV as `certflow import --metadata` does (a row per certificate, by fingerprint or host:port): rows the token may not change, or that name nothing known, are refused with their line; the others apply',
  security: BEARER,
  request: {
    query: z.object({ name: z.string().max(200).optional().openapi({ description: "the CSV's name in the report" }) }),
    body: { required: true, content: { 'text/csv': { schema: z.string() } } },
  },
  responses: {
    200: jsonResponse('what the rows changed; per-row problems are listed, the rest applied', MetadataResultSchema),
    415: problemResponse('the body is not text/csv'),
    503: problemResponse('metadata imports are not wired in this server'),
    ...WRITE_ERRORS,
  },
});

type CertificateQuery = z.infer<typeof CertificateQuerySchema>;

/** Turns the query's text values into the inventory's filter; the store validates them as it does the CLI's. */
function certificateFilter(query: CertificateQuery): CertificateFilter {
  const { sort: _sort, limit: _limit, cursor: _cursor, keySizeBelow, ...fields } = query;
  const filter: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) filter[key] = value === 'true' ? true : value === 'false' ? false : value;
  }
  if (keySizeBelow !== undefined) filter.keySizeBelow = Number(keySizeBelow);
  return filter;
}

/** The sort key of a certificate in `sort`'s order, as the store's keyset reads it. */
function sortKeyOf(certificate: InventoryCertificate, sort: CertificateSort): string {
  if (sort === 'subject') return certificate.facts.subject.text;
  return sort === 'firstSeen' ? certificate.firstSeenAt : certificate.facts.notAfter;
}

function readKeyset(position: unknown): CertificateKeyset | null {
  const { k, f } = (position ?? {}) as { k?: unknown; f?: unknown };
  return typeof k === 'string' && typeof f === 'string' && /^[0-9a-f]{64}$/.test(f)
    ? { sortKey: k, fingerprint: f }
    : null;
}

/** A certificate as JSON with its ETag. */
function certificateBody(certificate: InventoryCertificate): { body: string; etag: string } {
  const body = JSON.stringify(certificate);
  return { body, etag: etagOf(body) };
}

/** An uploaded file with where it is installed: its name, an absolute path, on `host` (`certflow import --host`). */
function installedOn(host: string, file: UploadedFile): UploadedFile {
  try {
    return { ...file, location: parseLocation(`${host}:${file.name}`) };
  } catch (error) {
    if (!(error instanceof InvalidLocationError)) throw error;
    throw new ApiProblemError(
      invalidParameters([
        { parameter: 'form.host', message: `${error.message}: with a host, name each file by its absolute path there` },
      ]),
    );
  }
}

/** The request body's media type, lower case, without parameters ('' when none is given). */
function mediaTypeOf(c: Context<ApiEnv>): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The files of a multipart form or a raw body, with the metadata and passphrase they come with. */
async function readUpload(
  c: Context<ApiEnv>,
): Promise<{ files: UploadedFile[]; passwords: string[]; metadata: CertificateMetadataPatch }> {
  const contentType = mediaTypeOf(c);
  const query = UploadQuerySchema.safeParse(c.req.query());
  if (!query.success) throw invalidBody(query.error.issues, 'query');
  const fields: { ownerGroup?: string; tags: string[]; application?: string; host?: string } = { tags: [] };
  const files: UploadedFile[] = [];
  const passwords: string[] = [];
  if (contentType === 'multipart/form-data') {
    const form = await c.req.parseBody({ all: true });
    const values = (name: string) => {
      const value = form[name];
      return value === undefined ? [] : Array.isArray(value) ? value : [value];
    };
    for (const file of values('file')) {
      if (typeof file === 'string') {
        throw new ApiProblemError(
          invalidParameters([{ parameter: 'form.file', message: 'must be a file part (filename set)' }]),
        );
      }
      files.push({ name: file.name || 'upload', bytes: new Uint8Array(await file.arrayBuffer()) });
    }
    for (const passphrase of values('passphrase')) if (typeof passphrase === 'string') passwords.push(passphrase);
    const text = (name: string) => values(name).filter((value): value is string => typeof value === 'string');
    const parsed = UploadQuerySchema.safeParse({
      ownerGroup: text('ownerGroup')[0],
      application: text('application')[0],
      host: text('host')[0],
    });
    if (!parsed.success) throw invalidBody(parsed.error.issues, 'form');
    Object.assign(fields, parsed.data);
    fields.tags.push(...text('tag'));
  } else if (
    (UPLOAD_TYPES as readonly string[]).includes(contentType) ||
    contentType === 'application/x-x509-ca-cert'
  ) {
    files.push({ name: query.data.name ?? 'upload', bytes: new Uint8Array(await c.req.arrayBuffer()) });
    const passphrase = c.req.header('certflow-passphrase');
    if (passphrase !== undefined) passwords.push(passphrase);
  } else {
    throw new ApiProblemError(
      problem(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        `a ${contentType || 'body without a content type'} is no upload this route reads`,
        `send multipart/form-data with a file part, or the file itself as ${UPLOAD_TYPES.join(', ')}`,
      ),
    );
  }
  if (files.length === 0) {
    throw new ApiProblemError(invalidParameters([{ parameter: 'form.file', message: 'no file was uploaded' }]));
  }
  const host = fields.host ?? query.data.host;
  if (host !== undefined) files.splice(0, files.length, ...files.map((file) => installedOn(host, file)));
  const ownerGroup = fields.ownerGroup ?? query.data.ownerGroup;
  const application = fields.application ?? query.data.application;
  const tags = [...fields.tags, ...(query.data.tag === undefined ? [] : [query.data.tag])];
  const metadata: CertificateMetadataPatch = {
    ...(ownerGroup === undefined ? {} : { ownerGroup }),
    ...(application === undefined ? {} : { application }),
    ...(tags.length === 0 ? {} : { tags }),
  };
  return { files, passwords, metadata };
}

/** Registers the certificate routes; returns their signatures. */
export function registerCertificateRoutes(
  app: ApiApp,
  deps: ApiRouteDependencies,
  whenReachable: WhenLifecyclesReachable,
): ApiRouteSignature[] {
  const now = deps.now ?? (() => new Date());
  const changeOptions = (c: Context<ApiEnv>): CertificateChangeOptions => ({
    store: deps.store,
    roles: deps.roles,
    actor: tokenActor(c),
    where: tokenWhere(c),
    whenReachable,
    now,
  });

  app.openapi(listCertificates, async (c) => {
    const query = c.req.valid('query');
    const limit = pageLimit(query.limit);
    const sort = query.sort ?? 'notAfter';
    const digest = queryDigest(query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, digest, readKeyset);
    const page = await deps.store.searchCertificates(certificateFilter(query), {
      limit: limit + 1,
      sort,
      ...(after === undefined ? {} : { after }),
    });
    const items = page.items.slice(0, limit);
    const last = items[items.length - 1];
    const next =
      page.items.length > limit && last !== undefined
        ? nextLink(c, encodeCursor({ k: sortKeyOf(last, sort), f: last.facts.fingerprintSha256 }, digest))
        : null;
    return c.json({ items, total: page.total, next } as never, 200);
  });

  // Before the show route, whose path parameter would take "counts" as an id.
  app.openapi(countCertificates, async (c) => {
    const { by, ...query } = c.req.valid('query');
    return c.json({ items: await deps.store.groupCertificates(by, certificateFilter(query)) } as never, 200);
  });

  app.openapi(showCertificate, async (c) => {
    const id = c.req.valid('param').fingerprint;
    const certificate = await deps.store.getCertificate(id);
    if (certificate === null) {
      throw notFound(`no certificate has the id or fingerprint ${id}`, 'search with GET /api/v1/certificates');
    }
    if ((c.req.header('accept') ?? '').split(',')[0]?.trim().toLowerCase() === DER_MEDIA_TYPE) {
      const der = await deps.store.getCertificateDer(certificate.facts.fingerprintSha256);
      if (der === null) throw notFound(`the certificate ${id} has no stored encoding`, 'import it again');
      return c.body(new Uint8Array(der), 200, { 'Content-Type': DER_MEDIA_TYPE, Vary: 'Accept' });
    }
    const { body, etag } = certificateBody(certificate);
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch !== undefined && etagListed(ifNoneMatch, etag)) return c.body(null, 304, { ETag: etag });
    return c.body(body, 200, { 'Content-Type': 'application/json', ETag: etag });
  });

  app.openapi(patchCertificate, async (c) => {
    const id = c.req.valid('param').fingerprint;
    const body = c.req.valid('json');
    const current = await deps.store.getCertificate(id);
    if (current === null) {
      throw notFound(`no certificate has the id or fingerprint ${id}`, 'search with GET /api/v1/certificates');
    }
    const ifMatch = c.req.header('if-match');
    if (ifMatch !== undefined && !etagListed(ifMatch, certificateBody(current).etag)) {
      throw new ApiProblemError(
        problem(
          412,
          'precondition-failed',
          'Precondition failed',
          `certificate ${current.id} changed since the ETag ${ifMatch} was read`,
          `GET /api/v1/certificates/${current.id} again, apply the change to what it shows, and send its ETag`,
        ),
      );
    }
    let locations: CertificateMetadataPatch['locations'];
    try {
      locations = body.locations?.map(parseLocation);
    } catch (error) {
      if (!(error instanceof InvalidLocationError)) throw error;
      throw new ApiProblemError(invalidParameters([{ parameter: 'json.locations', message: error.message }]));
    }
    const { locations: _text, ...fields } = body;
    const patch: CertificateMetadataPatch = { ...fields, ...(locations === undefined ? {} : { locations }) };
    const changed = await changeCertificateMetadata(current.facts.fingerprintSha256, patch, changeOptions(c));
    const { body: json, etag } = certificateBody(changed.certificate);
    return c.body(json, 200, { 'Content-Type': 'application/json', ETag: etag }) as never;
  });

  app.openAPIRegistry.registerPath(importCertificatesRoute);
  app.post(importCertificatesRoute.path, async (c) => {
    const importer = deps.importer;
    if (importer === undefined) {
      throw unavailable('imports-unavailable', 'Imports unavailable', 'this certflow server takes no uploads');
    }
    const { files, passwords, metadata } = await readUpload(c);
    const source: FoundCertificates[] = files.map((file) => importer.decode(file, passwords));
    const imported = await importUploadedCertificates(source, metadata, {
      ...changeOptions(c),
      policy: await importer.loadPolicy(),
    });
    const { metadataMerged: _told, ...certificates } = imported.certificates;
    return c.json({ certificates, lifecycles: imported.lifecycles, metadataLifecycles: imported.metadataLifecycles });
  });

  app.openAPIRegistry.registerPath(importMetadataRoute);
  app.post(importMetadataRoute.path, async (c) => {
    const importer = deps.importer;
    if (importer === undefined) {
      throw unavailable('imports-unavailable', 'Imports unavailable', 'this certflow server takes no metadata CSV');
    }
    const contentType = mediaTypeOf(c);
    if (contentType !== 'text/csv') {
      throw new ApiProblemError(
        problem(
          415,
          'unsupported-media-type',
          'Unsupported media type',
          `a ${contentType || 'body without a content type'} is no metadata CSV`,
          'send the CSV itself as text/csv',
        ),
      );
    }
    const name = c.req.query('name')?.slice(0, 200) || 'metadata.csv';
    let csv: MetadataCsv;
    try {
      csv = importer.readMetadataCsv(await c.req.text(), name);
    } catch (error) {
      if (!(error instanceof MetadataHeaderError)) throw error;
      throw new ApiProblemError(invalidParameters([{ parameter: 'body', message: error.message }]));
    }
    const changed = await changeMetadataByRows(csv.rows, name, changeOptions(c));
    return c.json({
      metadata: { source: name, ...wholeCsvReport(csv, changed.report) },
      lifecycles: changed.lifecycles,
    });
  });

  return [
    listCertificates,
    countCertificates,
    showCertificate,
    patchCertificate,
    importCertificatesRoute,
    importMetadataRoute,
  ];
}
