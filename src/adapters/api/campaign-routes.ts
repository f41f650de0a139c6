/**
 * Campaign routes (R-API-1, R-CAM-1 … R-CAM-3): preview a selector, start, list, status, pause, resume, cancel, and
 * the report as JSON or CSV by Accept. The campaign client refuses everyone but security leads and admins (R-SEC-2)
 * from the worker's published configuration; a refusal is a 403 problem.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { CAMPAIGN_LIMITS, type CampaignOperations } from '../../core/application/campaign-operations';
import { renderCampaignReportCsv, summarizeCampaign } from '../../core/domain/campaigns/campaign-report';
import { CAMPAIGN_KINDS, type CampaignKind, type CampaignSelector } from '../../core/domain/campaigns/model';
import {
  CampaignSelectorError,
  parseCampaignSelectorText,
  validateCampaignSelector,
} from '../../core/domain/campaigns/selector';
import { ISSUER_NAME } from '../../core/domain/issuers/choose-issuer';
import type { ApiRouteDependencies } from './api-dependencies';
import {
  BEARER,
  ERRORS,
  invalidParameters,
  jsonBody,
  jsonResponse,
  problemResponse,
  requireConfiguredIssuer,
  tokenActor,
  unavailable,
  WRITE_ERRORS,
  type ApiApp,
  type ApiRouteSignature,
} from './api-kit';
import { ApiProblemError } from './problem';

const SelectorSchema = z.union([z.string().min(1).max(4000), z.object({}).loose()]).openapi({
  description:
    'the Slack command\'s selector text (`issuer="CN=Old CA" sig=SHA-1`) or its JSON form (issuerDn, signatureHashes, names, ownerGroups …)',
  example: 'sig=SHA-1 group=payments-web',
});
const IssuerSchema = z
  .string()
  .regex(ISSUER_NAME)
  .optional()
  .openapi({ description: 'renew every member through this configured issuer (internal or acme:<name>)' });
const PreviewBodySchema = z
  .object({ selector: SelectorSchema, issuer: IssuerSchema })
  .openapi('CampaignPreviewRequest');
const StartBodySchema = z
  .object({
    selector: SelectorSchema,
    kind: z.enum(CAMPAIGN_KINDS as [CampaignKind, ...CampaignKind[]]),
    reason: z.string().trim().min(1).max(2000).openapi({ example: 'Old Issuing CA compromised' }),
    title: z.string().trim().min(1).max(200).optional(),
    deadline: z.iso.datetime().optional().openapi({ description: 'ISO 8601 UTC; default two days after the start' }),
    emergency: z
      .boolean()
      .optional()
      .openapi({ description: 'the launching lead pre-approves every renewal (default true)' }),
    parallelism: z.number().int().min(1).max(CAMPAIGN_LIMITS.maxParallelism).optional(),
    maxAttempts: z.number().int().min(1).max(CAMPAIGN_LIMITS.maxAttempts).optional(),
    channelId: z.string().max(50).nullable().optional(),
    issuer: IssuerSchema,
    confirmedCount: z.number().int().min(0).optional().openapi({
      description: "the preview's total: the start is refused when the selector now selects another number",
    }),
  })
  .openapi('CampaignStartRequest');
const ReasonBodySchema = z.object({ reason: z.string().trim().min(1).max(2000) });
const CampaignParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9-]{1,80}$/)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'cmp-20261201-7f3a2c' }),
});
const Loose = (name: string) => z.object({}).loose().openapi(name);
const PreviewSchema = Loose('CampaignPreview');
const ProgressSchema = Loose('CampaignProgress');
const DefinitionSchema = Loose('CampaignDefinition');

const CAMPAIGN_ERRORS = {
  ...WRITE_ERRORS,
  404: problemResponse('no such campaign'),
  409: problemResponse('the campaign is not in a state that allows this, or the selection changed'),
  503: problemResponse('certflow cannot reach Temporal'),
};

const listCampaigns = createRoute({
  method: 'get',
  path: '/campaigns',
  summary: 'Campaigns, newest first',
  security: BEARER,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'how many (default 100)' }),
    }),
  },
  responses: { 200: jsonResponse('the campaigns', z.object({ items: z.array(Loose('StoredCampaign')) })), ...ERRORS },
});
const previewCampaign = createRoute({
  method: 'post',
  path: '/campaigns/preview',
  summary: 'What a selector would select, by owner group, issuer and expiry band (security leads)',
  security: BEARER,
  request: { body: jsonBody(PreviewBodySchema) },
  responses: { 200: jsonResponse('the preview', PreviewSchema), ...CAMPAIGN_ERRORS },
});
const startCampaign = createRoute({
  method: 'post',
  path: '/campaigns',
  summary: 'Start a campaign (security leads); send the preview total as confirmedCount',
  security: BEARER,
  request: { body: jsonBody(StartBodySchema) },
  responses: { 201: jsonResponse('the campaign as started', DefinitionSchema), ...CAMPAIGN_ERRORS },
});
const campaignStatus = createRoute({
  method: 'get',
  path: '/campaigns/{id}',
  summary: "A campaign's exact progress",
  security: BEARER,
  request: { params: CampaignParamsSchema },
  responses: { 200: jsonResponse('the progress', ProgressSchema), ...CAMPAIGN_ERRORS },
});
/** A POST that pauses or cancels a campaign, saying why. */
function campaignControl(action: 'pause' | 'cancel', summary: string) {
  return createRoute({
    method: 'post',
    path: `/campaigns/{id}/${action}`,
    summary,
    security: BEARER,
    request: { params: CampaignParamsSchema, body: jsonBody(ReasonBodySchema) },
    responses: { 200: jsonResponse('the progress', ProgressSchema), ...CAMPAIGN_ERRORS },
  });
}
const pauseCampaign = campaignControl('pause', 'Pause a campaign, saying why (security leads)');
const cancelCampaign = campaignControl('cancel', 'Cancel a campaign, saying why (security leads)');
const resumeCampaign = createRoute({
  method: 'post',
  path: '/campaigns/{id}/resume',
  summary: 'Resume a paused campaign (security leads)',
  security: BEARER,
  request: { params: CampaignParamsSchema },
  responses: { 200: jsonResponse('the progress', ProgressSchema), ...CAMPAIGN_ERRORS },
});
const campaignReport = createRoute({
  method: 'get',
  path: '/campaigns/{id}/report',
  summary: "A campaign's report: JSON (summary and every member), or CSV with Accept: text/csv",
  security: BEARER,
  request: { params: CampaignParamsSchema },
  responses: {
    200: {
      description: 'the report',
      content: {
        'application/json': { schema: Loose('CampaignReport') },
        'text/csv': { schema: z.string() },
      },
    },
    ...CAMPAIGN_ERRORS,
  },
});

/** The selector of a body: text in the Slack command's grammar or its JSON form; a bad one is a 400. */
function readSelector(raw: string | Record<string, unknown>): CampaignSelector {
  try {
    return typeof raw === 'string' ? parseCampaignSelectorText(raw) : validateCampaignSelector(raw);
  } catch (error) {
    if (!(error instanceof CampaignSelectorError)) throw error;
    throw new ApiProblemError(invalidParameters([{ parameter: 'json.selector', message: error.message }]));
  }
}

/** Whether an Accept header prefers CSV to JSON. */
function wantsCsv(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}

/** Registers the campaign routes; returns their signatures. */
export function registerCampaignRoutes(app: ApiApp, deps: ApiRouteDependencies): ApiRouteSignature[] {
  const campaigns = (): CampaignOperations => {
    const client = deps.campaigns();
    if (client === null) {
      throw unavailable('campaigns-unavailable', 'Campaigns unavailable', 'certflow has not connected to Temporal yet');
    }
    return client;
  };

  app.openapi(listCampaigns, async (c) => {
    const { limit } = c.req.valid('query');
    return c.json({ items: await campaigns().list(limit === undefined ? {} : { limit }) } as never, 200);
  });
  app.openapi(previewCampaign, async (c) => {
    const { selector: raw, issuer } = c.req.valid('json');
    if (issuer !== undefined) requireConfiguredIssuer('json.issuer', issuer, deps.issuers);
    const selector = readSelector(raw);
    return c.json((await campaigns().preview(selector, tokenActor(c))) as never, 200);
  });
  app.openapi(startCampaign, async (c) => {
    const { selector, channelId, ...launch } = c.req.valid('json');
    if (launch.issuer !== undefined) requireConfiguredIssuer('json.issuer', launch.issuer, deps.issuers);
    const definition = await campaigns().start({
      ...launch,
      selector: readSelector(selector),
      ...(channelId === undefined ? {} : { channelId }),
      launchedBy: tokenActor(c),
    });
    return c.json(definition as never, 201);
  });
  app.openapi(campaignStatus, async (c) => c.json((await campaigns().progress(c.req.valid('param').id)) as never, 200));
  app.openapi(pauseCampaign, async (c) => {
    const { reason } = c.req.valid('json');
    return c.json((await campaigns().pause(c.req.valid('param').id, tokenActor(c), reason)) as never, 200);
  });
  app.openapi(resumeCampaign, async (c) =>
    c.json((await campaigns().resume(c.req.valid('param').id, tokenActor(c))) as never, 200),
  );
  app.openapi(cancelCampaign, async (c) => {
    const { reason } = c.req.valid('json');
    return c.json((await campaigns().cancel(c.req.valid('param').id, tokenActor(c), reason)) as never, 200);
  });
  app.openapi(campaignReport, async (c) => {
    const data = await campaigns().report(c.req.valid('param').id);
    if (wantsCsv(c.req.header('accept'))) {
      return c.body(renderCampaignReportCsv(data), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${c.req.valid('param').id}.csv"`,
        Vary: 'Accept',
      });
    }
    c.header('Vary', 'Accept');
    return c.json({ summary: summarizeCampaign(data), ...data } as never, 200);
  });
  return [
    listCampaigns,
    previewCampaign,
    startCampaign,
    campaignStatus,
    pauseCampaign,
    resumeCampaign,
    cancelCampaign,
    campaignReport,
  ];
}
