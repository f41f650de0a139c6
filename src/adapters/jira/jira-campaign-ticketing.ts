/**
 * The Jira adapter of campaign ticketing (R-CAM-3): one epic per campaign and one task per owner group under it,
 * through jira-client, for Jira Cloud (`parent`) and Data Center (the Epic Link field). Epics and tasks are found as
 * change tickets are (the ticket store, then a label search, then a create recorded before it is returned), a
 * task's description follows its group's progress (written only when it changed), the task moves to In Progress
 * and Done with the configured transition names, and an escalation raises its priority and comments once per key.
 */
import type JiraApi from 'jira-client';
import { createHash } from 'node:crypto';
import {
  CAMPAIGN_MEMBER_STATES,
  type CampaignDefinition,
  type CampaignGroupProgress,
} from '../../core/domain/campaigns/model';
import { describeCampaignSelector } from '../../core/domain/campaigns/selector';
import type { TicketRef } from '../../core/domain/lifecycle/model';
import { campaignTaskStage } from '../../core/ports/campaign-task-stage';
import { TicketRejectedError, type CampaignTicketing } from '../../core/ports/ticketing-port';
import {
  CERTFLOW_LABEL,
  commentText,
  cycleLabel,
  describePerson,
  groupRoutingFields,
  isoDate,
  jiraSummary,
  jiraText,
  textOf,
  type TextSection,
} from './change-ticket-fields';
import { browseUrl, type JiraConfig } from './jira-config';
import { awaitSearchLag, JiraIssueCalls, record, sameName, stringOf } from './jira-issue-calls';
import { createJiraClient, type JiraClientOptions } from './jira-rest';
import type { JiraTicketStore } from './jira-ticket-store';

/** Options of {@link JiraCampaignTicketing}. */
export interface JiraCampaignTicketingOptions extends JiraClientOptions {
  readonly config: JiraConfig;
  /** Where epics, tasks and applied keys are kept: the inventory database's store in the worker. */
  readonly store: JiraTicketStore;
  /** The clock of create attempts (see `jira.searchLagSeconds`); `Date.now` by default. */
  readonly nowMs?: () => number;
}

/** The label of a campaign's epic, `certflow-campaign-<id>`. */
export function campaignEpicLabel(campaignId: string): string {
  return `certflow-campaign-${campaignId}`;
}

/** The label every task of a campaign carries, `certflow-campaign-task-<id>` (not the epic's, so a search finds one). */
export function campaignTaskLabel(campaignId: string): string {
  return `certflow-campaign-task-${campaignId}`;
}

/** The epic's description: what the campaign replaces, why, by when, and who launched it. */
export function campaignEpicSections(campaign: CampaignDefinition): TextSection[] {
  const selector = describeCampaignSelector(campaign.selector);
  return [
    { paragraphs: [`certflow campaign ${campaign.id}: ${campaign.title}.`] },
    {
      bullets: [
        `Kind: ${campaign.kind}`,
        `Reason: ${campaign.reason}`,
        `Deadline: ${campaign.deadline}`,
        `Selector: ${selector === '' ? 'every managed certificate' : selector}`,
        `Launched by: ${campaign.launchedBy.displayName ?? campaign.launchedBy.id} at ${campaign.launchedAt}`,
        `Emergency (renewals pre-approved): ${campaign.emergency ? 'yes' : 'no'}`,
      ],
    },
  ];
}

/** A group task's description: done/total and the count of every state. */
export function campaignTaskSections(campaign: CampaignDefinition, progress: CampaignGroupProgress): TextSection[] {
  const percent = progress.total === 0 ? 100 : Math.floor((progress.done * 100) / progress.total);
  return [
    {
      paragraphs: [
        `${progress.done}/${progress.total} (${percent} %) certificates of ${progress.group} are done in campaign ` +
          `${campaign.id} (${campaign.title}); deadline ${campaign.deadline}.`,
      ],
    },
    {
      heading: 'By state',
      bullets: CAMPAIGN_MEMBER_STATES.map((state) => `${state}: ${progress.counts[state]}`),
    },
  ];
}

/** Opens and follows a campaign's epic and group tasks in Jira, each idempotency key applied once. */
export class JiraCampaignTicketing implements CampaignTicketing {
  private readonly client: JiraApi;
  private readonly issues: JiraIssueCalls;
  private readonly config: JiraConfig;
  private readonly store: JiraTicketStore;
  private readonly nowMs: () => number;

  constructor(options: JiraCampaignTicketingOptions) {
    this.config = options.config;
    this.store = options.store;
    this.nowMs = options.nowMs ?? Date.now;
    this.client = createJiraClient(options.config, options);
    this.issues = new JiraIssueCalls(this.client, options.config);
  }

  /** The campaign's epic from the store, else found by its label, else created; recorded before returned. */
  async ensureEpic(input: Parameters<CampaignTicketing['ensureEpic']>[0]): Promise<TicketRef> {
    const { campaign } = input;
    const fields = (): Record<string, unknown> => ({
      project: { key: this.config.projectKey },
      issuetype: { name: this.config.campaigns.epicIssueType },
      summary: jiraSummary(`[certflow] ${campaign.title}`),
      description: jiraText(campaignEpicSections(campaign), this.config.apiVersion),
      labels: this.labels([campaignEpicLabel(campaign.id)]),
      duedate: isoDate(campaign.deadline),
    });
    return await this.ensureIssue(input.idempotencyKey, campaignEpicLabel(campaign.id), 'epic', fields);
  }

  /** The group's task under the epic from the store, else found by its label, else created. */
  async ensureGroupTask(input: Parameters<CampaignTicketing['ensureGroupTask']>[0]): Promise<TicketRef> {
    const { campaign, progress, group } = input;
    const label = cycleLabel(input.idempotencyKey);
    const fields = (): Record<string, unknown> => ({
      project: { key: this.config.projectKey },
      issuetype: { name: this.config.campaigns.taskIssueType },
      summary: jiraSummary(`[certflow] ${campaign.title}: ${progress.group}`),
      description: jiraText(campaignTaskSections(campaign, progress), this.config.apiVersion),
      labels: this.labels([campaignTaskLabel(campaign.id), label]),
      duedate: isoDate(campaign.deadline),
      ...groupRoutingFields(group, this.config),
      ...this.epicLink(input.epic),
    });
    return await this.ensureIssue(input.idempotencyKey, label, 'task', fields);
  }

  /** Rewrites the description when the progress changed it, then moves the task on (never back). */
  async syncGroupTask(input: Parameters<CampaignTicketing['syncGroupTask']>[0]): Promise<void> {
    const issueKey = input.task.key;
    const issue = record(
      await this.issues.call(`read ${issueKey}`, () => this.client.findIssue(issueKey, '', 'description,status')),
    );
    const fields = record(issue.fields);
    const description = jiraText(campaignTaskSections(input.campaign, input.progress), this.config.apiVersion);
    // Comparing the texts costs nothing more than the read the status needs, and keeps Jira's history quiet.
    if (digest(textOf(fields.description)) !== digest(textOf(description))) {
      await this.issues.call(
        `update the description of ${issueKey}`,
        () => this.client.updateIssue(issueKey, { fields: { description } }),
        () => `Add Description to the edit screen of issue type ${this.config.campaigns.taskIssueType}`,
      );
    }
    const status = record(fields.status);
    const name = stringOf(status.name) ?? 'unknown';
    const category = stringOf(record(status.statusCategory).key) ?? 'new';
    const stage = campaignTaskStage(input.progress);
    const inProgress = this.config.transitions['in-progress'];
    // A task workflow may reach Done only through In Progress, so a group done at once passes through it.
    if (stage !== 'open' && category === 'new') {
      await this.issues.moveTo(issueKey, name, inProgress, 'jira.transitions.in-progress', 'starts work');
    }
    if (stage === 'done' && category !== 'done') {
      const from = category === 'new' ? inProgress : name;
      await this.issues.moveTo(issueKey, from, this.config.transitions.done, 'jira.transitions.done', 'completes work');
    }
  }

  /** Raises the task to the escalation priority (never lowers it) and comments the reason, once per key. */
  async escalateGroupTask(input: Parameters<CampaignTicketing['escalateGroupTask']>[0]): Promise<void> {
    if (await this.store.isApplied(input.idempotencyKey)) return;
    const issueKey = input.task.key;
    const fields = record(
      record(await this.issues.call(`read ${issueKey}`, () => this.client.findIssue(issueKey, '', 'priority'))).fields,
    );
    const priority = stringOf(record(fields.priority).name);
    const { escalation, incident } = this.config.priorities;
    if (!sameName(priority, escalation) && !sameName(priority, incident)) {
      await this.issues.call(
        `escalate ${issueKey} (priority ${escalation})`,
        () => this.client.updateIssue(issueKey, { fields: { priority: { name: escalation } } }),
        () => `Set jira.priorities.escalation to a priority name of this Jira (now "${escalation}")`,
      );
    }
    const management = input.group?.managementContact;
    const body = `Escalated: ${input.reason}${management ? ` (management: ${describePerson(management)})` : ''}`;
    await this.issues.commentOnce(issueKey, input.idempotencyKey, commentText(body, this.config.apiVersion));
    await this.store.markApplied(input.idempotencyKey, issueKey, 'escalation');
  }

  private labels(own: readonly string[]): string[] {
    return [...new Set([CERTFLOW_LABEL, ...own, ...this.config.labels])];
  }

  private epicLink(epic: TicketRef): Record<string, unknown> {
    if (this.config.flavour === 'cloud') return { parent: { key: epic.key } };
    const field = this.config.campaigns.epicLinkField;
    if (field === null) {
      throw new TicketRejectedError(
        `cannot put a campaign task under epic ${epic.key}: Jira Data Center links them through the Epic Link ` +
          'custom field; set campaigns.epicLinkField in JIRA_CONFIG_FILE to its id (GET /rest/api/2/field, the ' +
          'field named Epic Link)',
      );
    }
    return { [field]: epic.key };
  }

  private async ensureIssue(
    idempotencyKey: string,
    label: string,
    kind: 'epic' | 'task',
    /** Built only when a create is needed, so a recorded issue never depends on today's settings. */
    fields: () => Record<string, unknown>,
  ): Promise<TicketRef> {
    const known = await this.store.findTicket(idempotencyKey);
    if (known !== undefined) return known;
    const found = await this.issues.findByLabel(label);
    if (found !== undefined) return await this.store.saveTicket(idempotencyKey, this.ref(found));
    await awaitSearchLag(this.store, this.config, this.nowMs(), idempotencyKey, `the campaign ${kind}`);
    const project = this.config.projectKey;
    const body = { fields: fields() };
    const created = record(
      await this.issues.call(
        `open a campaign ${kind} in project ${project}`,
        () => this.client.addNewIssue(body),
        (said) => createFix(said, kind, project, this.config),
      ),
    );
    const key = stringOf(created.key);
    if (key === undefined) {
      throw new TicketRejectedError(
        `Jira answered the creation of a campaign ${kind} in project ${project} without an issue key ` +
          `(${JSON.stringify(created).slice(0, 200)}): check that jira.host points at Jira's REST API`,
      );
    }
    return await this.store.saveTicket(idempotencyKey, this.ref(key));
  }

  private ref(key: string): TicketRef {
    return { key, url: browseUrl(this.config, key) };
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The fix for a refused create of an epic or task, from the fields Jira names in its errors. */
function createFix(said: readonly string[], kind: 'epic' | 'task', project: string, config: JiraConfig): string {
  const about = (field: RegExp) => said.some((message) => field.test(message));
  const fixes: string[] = [];
  if (about(/^project:/)) fixes.push(`set jira.projectKey to a project certflow's Jira user can create issues in`);
  if (about(/^issuetype:/)) {
    const [setting, name] =
      kind === 'epic'
        ? ['epicIssueType', config.campaigns.epicIssueType]
        : ['taskIssueType', config.campaigns.taskIssueType];
    fixes.push(`issue type ${name} does not exist in project ${project}: set campaigns.${setting} in JIRA_CONFIG_FILE`);
  }
  if (about(/^parent:/)) fixes.push(`let issue type ${config.campaigns.taskIssueType} have an epic as its parent`);
  if (about(/^customfield_/)) {
    fixes.push(
      'check campaigns.epicLinkField in JIRA_CONFIG_FILE: it must be the Epic Link field on the create screen',
    );
  }
  if (about(/^components:/))
    fixes.push("create the group's component in the project, or set jira.componentFromGroup to false");
  if (about(/^assignee:/)) {
    fixes.push("make the group's first Jira contact assignable, or set jira.assignToGroupContact to false");
  }
  return fixes.length > 0
    ? `Fix: ${fixes.join('; ')}`
    : `Check jira.projectKey (${project}) and the campaigns section of JIRA_CONFIG_FILE against the create screen`;
}
