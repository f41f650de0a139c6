/**
 * How certflow reaches Jira and shapes its change tickets: Jira Cloud or Data Center, the credentials, the project
 * and issue type, the workflow's transition names per logical state, the escalation priorities, and which custom
 * fields carry certflow's dates. `parseJiraConfig` validates plain data (the worker builds it from the environment)
 * and names the field and the fix for every problem.
 */
import { z } from 'zod';
import type { OwnerGroup } from '../../core/domain/inventory/model';
import type { TicketEscalationLevel, TicketState } from '../../core/ports/ticketing-port';

/** Jira Cloud (`*.atlassian.net`) or a self-hosted Jira Data Center / Server. */
export type JiraFlavour = 'cloud' | 'data-center';

/** A custom field certflow writes or reads, by id, with the type of value it holds. */
export interface JiraCustomFieldRef {
  /** `customfield_10042`. */
  readonly id: string;
  /** `date` takes YYYY-MM-DD, `datetime` an instant, `text` a string. */
  readonly type: 'date' | 'datetime' | 'text';
}

/** Custom fields certflow fills on a new ticket, and the one it reads the change window from. */
export interface JiraCustomFields {
  readonly renewalDeadline?: JiraCustomFieldRef;
  readonly expiry?: JiraCustomFieldRef;
  readonly certificateId?: JiraCustomFieldRef;
  /** Set to the owner group's `jira.group` (a group picker or text field). */
  readonly ownerGroup?: JiraCustomFieldRef;
  /** Read only: the change manager's approved window start, for deploying no earlier. */
  readonly changeWindowStart?: JiraCustomFieldRef;
  /** Read only: why the change manager declined (a text or select field on the decline screen). */
  readonly declineReason?: JiraCustomFieldRef;
}

/**
 * The statuses of the change workflow by what they mean to the change gate, compared case-insensitively: an approved
 * status releases the waiting renewal, a rejected one ends it, a pending one takes an earlier approval back.
 */
export interface JiraChangeStatuses {
  readonly approved: readonly string[];
  readonly rejected: readonly string[];
  readonly pending: readonly string[];
}

/** Jira's default change workflow: Awaiting approval → Approved | Declined. */
export const DEFAULT_CHANGE_STATUSES: JiraChangeStatuses = {
  approved: ['Approved'],
  rejected: ['Declined', 'Rejected', 'Cancelled'],
  pending: ['Awaiting approval'],
};

/** Email + API token (HTTP Basic; Jira Cloud, or a Data Center user and password) or a Data Center personal access token. */
export type JiraAuth =
  | { readonly kind: 'basic'; readonly email: string; readonly apiToken: string }
  | { readonly kind: 'bearer'; readonly personalAccessToken: string };

/** The validated Jira settings of the ticketing adapter. */
export interface JiraConfig {
  readonly flavour: JiraFlavour;
  /** Host name only, e.g. `example.atlassian.net`. */
  readonly host: string;
  readonly protocol: 'https' | 'http';
  /** Null for the protocol's default port. */
  readonly port: number | null;
  /** Context path of a Data Center install (`/jira`), or empty. */
  readonly basePath: string;
  /** REST API version of every call but search: 3 (ADF texts) or 2 (plain texts) on Cloud, 2 on Data Center. */
  readonly apiVersion: '2' | '3';
  readonly auth: JiraAuth;
  /** Project of new tickets unless the owner group names its own (`group.jira.projectKey`). */
  readonly projectKey: string;
  readonly issueType: string;
  /** Labels every ticket gets besides `certflow` and its cycle label. */
  readonly labels: readonly string[];
  /**
   * The workflow status (or the transition leading there) for each logical state, matched by name case-insensitively
   * against the transitions API; a status name also lets certflow recognise a ticket already there.
   */
  readonly transitions: Readonly<Record<TicketState, string>>;
  /** What the webhook and the poller read a change ticket's status as (`changeStatuses` in JIRA_CONFIG_FILE). */
  readonly changeStatuses: JiraChangeStatuses;
  /** The priority names an escalation and an incident raise the ticket to. */
  readonly priorities: Readonly<Record<TicketEscalationLevel, string>>;
  /** Put new tickets in the component named by the owner group's `jira.group`. */
  readonly componentFromGroup: boolean;
  /** Assign new tickets to the owner group's first contact with a Jira account. */
  readonly assignToGroupContact: boolean;
  /** Reassign an escalated ticket to the group's management (incident: incident response) contact. */
  readonly reassignOnEscalation: boolean;
  readonly customFields: JiraCustomFields;
  /** Milliseconds one HTTP call may take. */
  readonly timeoutMs: number;
  /** How often one call waits out a 429 before the activity's own retry takes over. */
  readonly rateLimitRetries: number;
  /**
   * The longest Retry-After waited out inside a call, in seconds; a longer one fails the call as retryable. Small by
   * default: the lifecycle gives an activity one minute, and its own retries wait 10 s and more.
   */
  readonly maxRetryAfterSeconds: number;
  /**
   * How long, in seconds, after a create attempt that got no answer certflow trusts only the search to find its
   * ticket: Jira Cloud's search shows a new issue after a delay, and creating again sooner could open a second one.
   */
  readonly searchLagSeconds: number;
  /** How crypto-agility campaigns appear (R-CAM-3): an epic per campaign, a task per owner group under it. */
  readonly campaigns: JiraCampaignSettings;
}

/** The issue types of campaign tickets and, on Data Center, the Epic Link field tying a task to its epic. */
export interface JiraCampaignSettings {
  readonly epicIssueType: string;
  readonly taskIssueType: string;
  /** Data Center only: the Epic Link custom field id (`customfield_10101`); Cloud uses the `parent` field. */
  readonly epicLinkField: string | null;
}

/** Invalid Jira settings: every problem with the field it is about and the fix. */
export class JiraConfigError extends Error {
  override readonly name = 'JiraConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid Jira configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const nonEmpty = (fix: string) => z.string({ error: fix }).trim().min(1, { error: fix });

const customFieldSchema = z.union(
  [
    z
      .string()
      .regex(/^customfield_\d+$/)
      .transform((id) => ({ id, type: 'date' as const })),
    z.strictObject({
      id: z.string().regex(/^customfield_\d+$/),
      type: z.enum(['date', 'datetime', 'text']).default('date'),
    }),
  ],
  {
    error:
      'expected a custom field id like "customfield_10042", or {id, type} with type date, datetime or text; ' +
      "find the id in Jira's field settings or GET /rest/api/2/field",
  },
);

const textFieldSchema = customFieldSchema.transform((field) => ({ ...field, type: 'text' as const }));

const statusNames = (what: string, defaults: readonly string[]) =>
  z
    .array(nonEmpty(`expected ${what}, e.g. ${defaults[0]}`), { error: `expected a list of ${what}` })
    .min(1, { error: `expected at least one of ${what}` })
    .default([...defaults]);

const portSchema = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
  .pipe(
    z
      .number()
      .int()
      .min(1, { error: 'expected a TCP port from 1 to 65535, or leave it out for the protocol default' })
      .max(65535, { error: 'expected a TCP port from 1 to 65535, or leave it out for the protocol default' }),
  );

const schema = z
  .strictObject({
    flavour: z.enum(['cloud', 'data-center'], {
      error: 'expected "cloud" (Jira Cloud, *.atlassian.net) or "data-center" (self-hosted Jira)',
    }),
    host: z
      .string({ error: 'expected the Jira host name, e.g. example.atlassian.net' })
      .trim()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, {
        error:
          'expected a host name only, e.g. example.atlassian.net: drop https:// (see protocol) and any path (see basePath)',
      }),
    protocol: z.enum(['https', 'http'], { error: 'expected "https" (the default) or "http"' }).default('https'),
    port: portSchema.optional(),
    basePath: z
      .string()
      .regex(/^(\/[^/\s]+)*$/, { error: 'expected a context path like "/jira" (leading slash, no trailing slash)' })
      .default(''),
    apiVersion: z
      .union([z.literal('2'), z.literal('3'), z.literal(2), z.literal(3)], {
        error: 'expected 2 or 3 (Jira Cloud: 3 by default; Data Center: 2)',
      })
      .transform((version) => String(version) as '2' | '3')
      .optional(),
    auth: z.strictObject(
      {
        email: z.string().trim().optional(),
        apiToken: z.string().trim().optional(),
        personalAccessToken: z.string().trim().optional(),
      },
      { error: 'expected {email, apiToken} or {personalAccessToken}' },
    ),
    projectKey: z
      .string({ error: 'expected the key of the Jira project for change tickets, e.g. CHG' })
      .trim()
      .regex(/^[A-Z][A-Z0-9_]+$/, {
        error: 'expected a Jira project key: capital letters, digits and _, starting with a letter, e.g. CHG',
      }),
    issueType: nonEmpty('expected the name of an issue type of the project, e.g. Change').default('Change'),
    labels: z
      .array(
        z
          .string()
          .regex(/^\S+$/, { error: 'a Jira label cannot contain spaces: join the words with - or _' })
          .max(255, { error: 'a Jira label has at most 255 characters' }),
        { error: 'expected a list of labels' },
      )
      .default([]),
    transitions: z
      .strictObject({
        'in-progress': nonEmpty('expected the transition name that starts the change').default('In Progress'),
        done: nonEmpty('expected the transition name that completes the change').default('Done'),
        rejected: nonEmpty('expected the transition name that declines the change').default('Declined'),
      })
      .prefault({}),
    changeStatuses: z
      .strictObject({
        approved: statusNames('the status names of an approved change', DEFAULT_CHANGE_STATUSES.approved),
        rejected: statusNames('the status names of a declined change', DEFAULT_CHANGE_STATUSES.rejected),
        pending: statusNames('the status names of a change awaiting approval', DEFAULT_CHANGE_STATUSES.pending),
      })
      .prefault({}),
    priorities: z
      .strictObject({
        escalation: nonEmpty('expected the priority name of an escalated ticket').default('High'),
        incident: nonEmpty('expected the priority name of an expired certificate').default('Highest'),
      })
      .prefault({}),
    componentFromGroup: z.boolean({ error: 'expected true or false' }).default(false),
    assignToGroupContact: z.boolean({ error: 'expected true or false' }).default(false),
    reassignOnEscalation: z.boolean({ error: 'expected true or false' }).default(false),
    customFields: z
      .strictObject({
        renewalDeadline: customFieldSchema.optional(),
        expiry: customFieldSchema.optional(),
        certificateId: textFieldSchema.optional(),
        ownerGroup: textFieldSchema.optional(),
        changeWindowStart: customFieldSchema.optional(),
        declineReason: textFieldSchema.optional(),
      })
      .default({}),
    timeoutMs: z
      .number()
      .int()
      .min(1000, { error: 'expected at least 1000 ms: Jira often takes a second' })
      .default(30_000),
    rateLimitRetries: z.number().int().min(0).max(10, { error: 'expected 0 to 10' }).default(3),
    maxRetryAfterSeconds: z.number().int().min(0).max(600, { error: 'expected 0 to 600 seconds' }).default(10),
    searchLagSeconds: z.number().int().min(0).max(600, { error: 'expected 0 to 600 seconds' }).default(30),
    campaigns: z
      .strictObject({
        epicIssueType: nonEmpty('expected the name of the epic issue type of the project, e.g. Epic').default('Epic'),
        taskIssueType: nonEmpty('expected the name of an issue type for group tasks, e.g. Task').default('Task'),
        epicLinkField: z
          .string()
          .regex(/^customfield_\d+$/, {
            error:
              'expected the Epic Link custom field id like "customfield_10101"; find it in GET /rest/api/2/field ' +
              '(the field named Epic Link)',
          })
          .optional(),
      })
      .prefault({}),
  })
  .superRefine((value, context) => {
    const { email, apiToken, personalAccessToken } = value.auth;
    const basic = Boolean(email) || Boolean(apiToken);
    if (basic && personalAccessToken) {
      context.addIssue({
        code: 'custom',
        path: ['auth'],
        message: 'give either email + apiToken or personalAccessToken, not both',
      });
    } else if (!basic && !personalAccessToken) {
      context.addIssue({
        code: 'custom',
        path: ['auth'],
        message:
          value.flavour === 'cloud'
            ? 'missing: set email and apiToken (create an API token at https://id.atlassian.com/manage-profile/security/api-tokens)'
            : 'missing: set personalAccessToken (Jira profile → Personal Access Tokens), or email (user name) and apiToken (password)',
      });
    } else if (basic && !email) {
      context.addIssue({
        code: 'custom',
        path: ['auth', 'email'],
        message: 'missing: the Atlassian account email the API token belongs to',
      });
    } else if (basic && !apiToken) {
      context.addIssue({ code: 'custom', path: ['auth', 'apiToken'], message: `missing: the API token of ${email}` });
    } else if (personalAccessToken && value.flavour === 'cloud') {
      context.addIssue({
        code: 'custom',
        path: ['auth', 'personalAccessToken'],
        message: 'Jira Cloud has no personal access tokens: set email and apiToken instead',
      });
    }
    if (value.flavour === 'cloud' && value.campaigns.epicLinkField !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['campaigns', 'epicLinkField'],
        message: 'Jira Cloud links a task to its epic with the parent field: leave epicLinkField out',
      });
    }
    const seen = new Map<string, string>();
    for (const meaning of ['approved', 'rejected', 'pending'] as const) {
      for (const name of value.changeStatuses[meaning]) {
        const other = seen.get(name.toLowerCase());
        if (other !== undefined && other !== meaning) {
          context.addIssue({
            code: 'custom',
            path: ['changeStatuses', meaning],
            message: `"${name}" is also listed under changeStatuses.${other}: a status has one meaning, keep it in one list`,
          });
        }
        seen.set(name.toLowerCase(), meaning);
      }
    }
    if (value.flavour === 'data-center' && value.apiVersion === '3') {
      context.addIssue({
        code: 'custom',
        path: ['apiVersion'],
        message: 'Jira Data Center has REST API 2 only: set apiVersion to 2 or leave it out',
      });
    }
  });

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.length === 0 ? 'jira' : `jira.${issue.path.map(String).join('.')}`;
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.join(', ')}; check the spelling`;
  }
  return `${path}: ${issue.message}`;
}

/** Validates plain Jira settings into a {@link JiraConfig}; throws {@link JiraConfigError} naming each field and fix. */
export function parseJiraConfig(input: unknown): JiraConfig {
  const result = schema.safeParse(input);
  if (!result.success) throw new JiraConfigError(result.error.issues.map(describe));
  const { auth, apiVersion, port, campaigns, ...rest } = result.data;
  return {
    ...rest,
    campaigns: { ...campaigns, epicLinkField: campaigns.epicLinkField ?? null },
    port: port ?? null,
    apiVersion: apiVersion ?? (rest.flavour === 'cloud' ? '3' : '2'),
    auth:
      auth.personalAccessToken !== undefined && auth.personalAccessToken !== ''
        ? { kind: 'bearer', personalAccessToken: auth.personalAccessToken }
        : { kind: 'basic', email: auth.email ?? '', apiToken: auth.apiToken ?? '' },
  };
}

/** The project of a group's tickets: the group's own Jira project, else the configured one. */
export function projectKeyFor(config: Pick<JiraConfig, 'projectKey'>, group: OwnerGroup | null): string {
  return group?.jira.projectKey ?? config.projectKey;
}

/** The browser URL of an issue, e.g. `https://example.atlassian.net/browse/CHG-7`. */
export function browseUrl(config: Pick<JiraConfig, 'protocol' | 'host' | 'port' | 'basePath'>, key: string): string {
  const port = config.port === null ? '' : `:${config.port}`;
  return `${config.protocol}://${config.host}${port}${config.basePath}/browse/${encodeURIComponent(key)}`;
}
