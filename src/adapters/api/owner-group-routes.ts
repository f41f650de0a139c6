/**
 * Owner group routes (R-API-1, R-OWN-1): list and show for any token; create and update for security leads and
 * admins only (R-SEC-2), decided from the worker's published configuration. People are written as on the command
 * line (`Alice Doe <alice@example.com> slack:U024BE7LH`).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { WhenLifecyclesReachable } from '../../core/application/imported-lifecycles';
import { saveOwnerGroup, type OwnerGroupSaveMode } from '../../core/application/owner-groups';
import { requireSecurityRole } from '../../core/application/security-roles';
import { OWNER_GROUP_ID } from '../../core/domain/inventory/metadata-row';
import type { OwnerGroup, Person } from '../../core/domain/inventory/model';
import { emptyOwnerGroup } from '../../core/domain/inventory/owner-group-check';
import { InvalidPersonError, parsePerson } from '../../core/domain/inventory/person';
import { ISSUER_NAME } from '../../core/domain/issuers/choose-issuer';
import type { ApiRouteDependencies } from './api-dependencies';
import {
  BEARER,
  ERRORS,
  invalidParameters,
  jsonBody,
  jsonResponse,
  notFound,
  problemResponse,
  requireConfiguredIssuer,
  tokenActor,
  tokenWhere,
  WRITE_ERRORS,
  type ApiApp,
  type ApiEnv,
  type ApiRouteSignature,
} from './api-kit';
import { ApiProblemError } from './problem';

const person = z.string().trim().min(1).max(500).openapi({ example: 'Alice Doe <alice@example.com> slack:U024BE7LH' });
const slackUserGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id (S…), not its @handle');

/** An owner group as stored. */
const OwnerGroupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    contacts: z.array(z.object({}).loose()),
    approvers: z.array(z.object({}).loose()),
    managementContact: z.object({}).loose().nullable(),
    incidentResponseContact: z.object({}).loose().nullable(),
    slack: z.object({}).loose(),
    jira: z.object({}).loose(),
    reminderDays: z.array(z.number().int()).nullable(),
    autoRenew: z.boolean(),
  })
  .loose()
  .openapi('OwnerGroup');

/** The fields a create or an update sets; an update keeps what it does not name. */
const OwnerGroupFieldsSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    contacts: z.array(person).max(100),
    approvers: z.array(person).max(100),
    managementContact: person.nullable(),
    incidentResponseContact: person.nullable(),
    slack: z
      .object({
        channelId: z
          .string()
          .regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id (C…)')
          .optional(),
        userGroupId: slackUserGroup.optional(),
        approverUserGroupId: slackUserGroup.optional(),
      })
      .strict(),
    jira: z
      .object({
        group: z.string().min(1).max(200).optional(),
        projectKey: z
          .string()
          .regex(/^[A-Z][A-Z0-9_]{1,9}$/)
          .optional(),
      })
      .strict(),
    reminderDays: z.array(z.number().int().min(0).max(3650)).min(1).max(20).nullable(),
    autoRenew: z.boolean(),
    issuer: z.string().regex(ISSUER_NAME).nullable().openapi({
      description: "the configured issuer that renews the group's certificates; null: the policy's, or the current one",
    }),
  })
  .partial()
  .strict();

const CreateOwnerGroupSchema = OwnerGroupFieldsSchema.extend({
  id: z
    .string()
    .regex(OWNER_GROUP_ID, "lowercase letters, digits, '.', '_' or '-'")
    .openapi({ example: 'payments-web' }),
  name: z.string().trim().min(1).max(200),
}).openapi('OwnerGroupCreate');
const UpdateOwnerGroupSchema = OwnerGroupFieldsSchema.openapi('OwnerGroupUpdate');
const GroupParamsSchema = z.object({
  id: z
    .string()
    .regex(OWNER_GROUP_ID)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'payments-web' }),
});
const SavedSchema = z
  .object({
    outcome: z.enum(['created', 'updated']),
    group: OwnerGroupSchema,
    lifecycles: z.object({}).loose().nullable(),
  })
  .openapi('OwnerGroupSaved');

const listGroups = createRoute({
  method: 'get',
  path: '/owner-groups',
  summary: 'Every owner group',
  security: BEARER,
  responses: { 200: jsonResponse('the groups', z.object({ items: z.array(OwnerGroupSchema) })), ...ERRORS },
});
const showGroup = createRoute({
  method: 'get',
  path: '/owner-groups/{id}',
  summary: 'One owner group',
  security: BEARER,
  request: { params: GroupParamsSchema },
  responses: { 200: jsonResponse('the group', OwnerGroupSchema), 404: problemResponse('no such group'), ...ERRORS },
});
const createGroup = createRoute({
  method: 'post',
  path: '/owner-groups',
  summary: 'Create an owner group (security leads and admins): a name and at least one approver',
  security: BEARER,
  request: { body: jsonBody(CreateOwnerGroupSchema) },
  responses: {
    201: jsonResponse('the group as created', SavedSchema),
    409: problemResponse('a group with this id exists: update it'),
    ...WRITE_ERRORS,
  },
});
const updateGroup = createRoute({
  method: 'patch',
  path: '/owner-groups/{id}',
  summary:
    "Change an owner group (security leads and admins): fields given replace the group's, the rest stay; its lifecycles re-plan",
  security: BEARER,
  request: { params: GroupParamsSchema, body: jsonBody(UpdateOwnerGroupSchema) },
  responses: {
    200: jsonResponse('the group as changed', SavedSchema),
    404: problemResponse('no such group: create it'),
    ...WRITE_ERRORS,
  },
});

type GroupFields = z.infer<typeof OwnerGroupFieldsSchema>;

function readPerson(field: string, text: string): Person {
  try {
    return parsePerson(text);
  } catch (error) {
    if (!(error instanceof InvalidPersonError)) throw error;
    throw new ApiProblemError(invalidParameters([{ parameter: `json.${field}`, message: error.message }]));
  }
}

/** The group `fields` make of `existing` (a new, empty one when null). */
function applyFields(id: string, existing: OwnerGroup | null, fields: GroupFields): OwnerGroup {
  const base: OwnerGroup = existing ?? emptyOwnerGroup(id);
  const people = (field: 'contacts' | 'approvers') =>
    fields[field] === undefined
      ? base[field]
      : fields[field].map((text, index) => readPerson(`${field}.${index}`, text));
  const one = (field: 'managementContact' | 'incidentResponseContact') => {
    const value = fields[field];
    return value === undefined ? base[field] : value === null ? null : readPerson(field, value);
  };
  return {
    ...base,
    name: fields.name ?? base.name,
    contacts: people('contacts'),
    approvers: people('approvers'),
    managementContact: one('managementContact'),
    incidentResponseContact: one('incidentResponseContact'),
    slack: fields.slack ?? base.slack,
    jira: fields.jira ?? base.jira,
    reminderDays:
      fields.reminderDays === undefined
        ? base.reminderDays
        : fields.reminderDays && [...new Set(fields.reminderDays)].sort((a, b) => b - a),
    autoRenew: fields.autoRenew ?? base.autoRenew,
    ...(fields.issuer === undefined ? {} : { issuer: fields.issuer }),
  };
}

/** Registers the owner group routes; returns their signatures. */
export function registerOwnerGroupRoutes(
  app: ApiApp,
  deps: ApiRouteDependencies,
  whenReachable: WhenLifecyclesReachable,
): ApiRouteSignature[] {
  app.openapi(listGroups, async (c) => c.json({ items: await deps.store.listOwnerGroups() } as never, 200));

  app.openapi(showGroup, async (c) => {
    const { id } = c.req.valid('param');
    const group = await deps.store.getOwnerGroup(id);
    if (group === null) throw notFound(`no owner group "${id}"`, 'GET /api/v1/owner-groups lists them');
    return c.json(group as never, 200);
  });

  const save = async (c: Context<ApiEnv>, id: string, mode: OwnerGroupSaveMode, fields: GroupFields) => {
    const actor = tokenActor(c);
    await requireSecurityRole(actor, deps.roles, 'change owner groups');
    if (typeof fields.issuer === 'string') requireConfiguredIssuer('json.issuer', fields.issuer, deps.issuers);
    return await saveOwnerGroup(id, mode, (existing) => applyFields(id, existing, fields), {
      store: deps.store,
      actor: actor.id,
      where: tokenWhere(c),
      tellLifecycles: (work) => whenReachable(({ lifecycles }) => work(lifecycles)),
      ...(deps.now === undefined ? {} : { now: deps.now }),
    });
  };
  app.openapi(createGroup, async (c) => {
    const { id, ...fields } = c.req.valid('json');
    return c.json((await save(c, id, 'create', fields)) as never, 201);
  });
  app.openapi(updateGroup, async (c) => {
    const saved = await save(c, c.req.valid('param').id, 'update', c.req.valid('json'));
    return c.json(saved as never, 200);
  });
  return [listGroups, showGroup, createGroup, updateGroup];
}
