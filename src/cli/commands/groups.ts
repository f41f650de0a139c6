import { saveOwnerGroup, type OwnerGroupSaved } from '../../core/application/owner-groups';
import { type IssuersConfig, unconfiguredIssuer } from '../../adapters/acme/acme-issuers-config';
import { OWNER_GROUP_ID } from '../../core/domain/inventory/metadata-row';
import { ISSUER_NAME } from '../../core/domain/issuers/choose-issuer';
import { emptyOwnerGroup, ownerGroupProblem } from '../../core/domain/inventory/owner-group-check';
import type { OwnerGroup, Person } from '../../core/domain/inventory/model';
import type { OwnerGroupStore } from '../../core/ports/inventory-store';
import { formatPerson, InvalidPersonError, parsePerson } from '../../core/domain/inventory/person';
import { UsageError } from '../errors';
import { renderTable } from '../format/table';
import { whenLifecyclesReachable, type LifecycleCommandContext } from './lifecycle';

/** Options of `certflow groups create|update`. */
export const GROUP_OPTIONS = {
  name: { type: 'string' },
  contact: { type: 'string', multiple: true },
  approver: { type: 'string', multiple: true },
  management: { type: 'string' },
  'incident-response': { type: 'string' },
  'slack-channel': { type: 'string' },
  'slack-usergroup': { type: 'string' },
  'slack-approver-usergroup': { type: 'string' },
  'jira-group': { type: 'string' },
  'jira-project': { type: 'string' },
  'reminder-days': { type: 'string' },
  'auto-renew': { type: 'string' },
  issuer: { type: 'string' },
  'if-missing': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** Raw option values of `certflow groups`. */
export type GroupValues = {
  [K in keyof typeof GROUP_OPTIONS]?: (typeof GROUP_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof GROUP_OPTIONS)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

function person(flag: string, text: string): Person {
  try {
    return parsePerson(text);
  } catch (error) {
    if (error instanceof InvalidPersonError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

function reminderDays(raw: string): number[] {
  const days = raw.split(',').map((part) => part.trim());
  if (days.some((day) => !/^\d{1,4}$/.test(day)) || days.length === 0) {
    throw new UsageError(`--reminder-days "${raw}" must be whole days before expiry, comma-separated (e.g. 90,60,30)`);
  }
  return [...new Set(days.map(Number))].sort((a, b) => b - a);
}

/** A Slack user group id (`S…`), as `usergroups.users.list` needs it; an empty value clears the setting. */
function slackUserGroupId(flag: string, raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (!/^S[A-Z0-9]{2,}$/.test(value)) {
    throw new UsageError(
      `--${flag} "${raw}" is not a Slack user group id; copy the id (S…) from the group's page in Slack, not its @handle`,
    );
  }
  return value;
}

function onOff(flag: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`--${flag} "${raw}" must be on or off`);
}

/**
 * The issuer `--issuer` names, checked against the configured ones (CERTFLOW_ISSUERS_FILE), or only for its form
 * when they are the server's (null: through the API, which checks them); an empty value clears the setting (null),
 * so the policy's issuer, the current one's or the default decides again.
 */
function issuerSetting(raw: string, issuers: IssuersConfig | null): string | null {
  const value = raw.trim();
  if (value === '') return null;
  if (issuers === null) {
    if (ISSUER_NAME.test(value)) return value;
    throw new UsageError(`--issuer "${raw}" is not an issuer name: give internal or acme:<name> ("" clears it)`);
  }
  const problem = unconfiguredIssuer('--issuer', value, issuers);
  if (problem !== null) throw new UsageError(`${problem} (--issuer "" clears the setting)`);
  return value;
}

/**
 * Applies `certflow groups create|update` options to a group (R-OWN-1). Options given replace the group's field;
 * fields not given are kept. A created group needs a name and at least one approver, so renewals can be approved.
 * `issuers` are what `--issuer` may name (null: the server's, which checks them).
 */
export function applyGroupOptions(
  id: string,
  existing: OwnerGroup | null,
  values: GroupValues,
  issuers: IssuersConfig | null,
): OwnerGroup {
  if (!OWNER_GROUP_ID.test(id)) {
    throw new UsageError(
      `"${id}" is not a group id; use lowercase letters, digits, '.', '_' or '-' (e.g. payments-web)`,
    );
  }
  const base: OwnerGroup = existing ?? emptyOwnerGroup(id);
  const slack = { ...base.slack };
  if (values['slack-channel'] !== undefined) slack.channelId = values['slack-channel'];
  for (const [flag, field] of [
    ['slack-usergroup', 'userGroupId'],
    ['slack-approver-usergroup', 'approverUserGroupId'],
  ] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const userGroup = slackUserGroupId(flag, raw);
    if (userGroup === undefined) delete slack[field];
    else slack[field] = userGroup;
  }
  const jira = { ...base.jira };
  if (values['jira-group'] !== undefined) jira.group = values['jira-group'];
  if (values['jira-project'] !== undefined) jira.projectKey = values['jira-project'];
  const group: OwnerGroup = {
    ...base,
    name: values.name ?? base.name,
    contacts: values.contact ? values.contact.map((text) => person('contact', text)) : base.contacts,
    approvers: values.approver ? values.approver.map((text) => person('approver', text)) : base.approvers,
    managementContact: values.management ? person('management', values.management) : base.managementContact,
    incidentResponseContact: values['incident-response']
      ? person('incident-response', values['incident-response'])
      : base.incidentResponseContact,
    slack,
    jira,
    reminderDays: values['reminder-days'] ? reminderDays(values['reminder-days']) : base.reminderDays,
    autoRenew: values['auto-renew'] !== undefined ? onOff('auto-renew', values['auto-renew']) : base.autoRenew,
    ...(values.issuer === undefined ? {} : { issuer: issuerSetting(values.issuer, issuers) }),
  };
  const problem = ownerGroupProblem(group);
  if (problem !== null) throw new UsageError(problem);
  return group;
}

function describeGroup(group: OwnerGroup): string[] {
  const people = (list: readonly Person[]) => (list.length > 0 ? list.map(formatPerson).join(', ') : '—');
  return [
    `Group ${group.id}: ${group.name}`,
    `  contacts           ${people(group.contacts)}`,
    `  approvers          ${people(group.approvers)}`,
    `  management         ${group.managementContact ? formatPerson(group.managementContact) : '—'}`,
    `  incident response  ${group.incidentResponseContact ? formatPerson(group.incidentResponseContact) : '—'}`,
    `  Slack              channel ${group.slack.channelId ?? '—'}, owners' user group ${group.slack.userGroupId ?? '—'}, ` +
      `approvers' user group ${group.slack.approverUserGroupId ?? '—'}`,
    `  Jira               group ${group.jira.group ?? '—'}, project ${group.jira.projectKey ?? '—'}`,
    `  reminder days      ${group.reminderDays ? group.reminderDays.join(', ') : 'policy default'}`,
    `  auto-renew         ${group.autoRenew ? 'on: the schedule requests renewals, pre-approved' : 'off: owners request, approvers decide'}`,
    `  issuer             ${group.issuer ?? "policy's, else the current certificate's issuer, else the default"}`,
  ];
}

/** Runs `certflow groups list | show <id>` on the owner groups `groups` reads (the inventory, or the HTTP API). */
export async function runGroupsRead(
  action: 'list' | 'show',
  id: string | undefined,
  values: GroupValues,
  groups: Pick<OwnerGroupStore, 'listOwnerGroups' | 'getOwnerGroup'>,
  io: { out: (line: string) => void },
): Promise<void> {
  if (action === 'list') {
    const listed = await groups.listOwnerGroups();
    if (values.json) io.out(JSON.stringify(listed, null, 2));
    else if (listed.length === 0) io.out('No owner groups yet: certflow groups create <id> --name … --approver …');
    else
      io.out(
        renderTable(listed, [
          { header: 'ID', cell: (group) => group.id },
          { header: 'NAME', cell: (group) => group.name, maxWidth: 40 },
          { header: 'APPROVERS', cell: (group) => group.approvers.map(formatPerson).join(', '), maxWidth: 50 },
          { header: 'SLACK', cell: (group) => group.slack.channelId ?? '—' },
          { header: 'JIRA', cell: (group) => group.jira.projectKey ?? '—' },
        ]),
      );
    return;
  }
  if (!id) throw new UsageError('usage: certflow groups show <group id>');
  const existing = await groups.getOwnerGroup(id);
  if (!existing) throw new UsageError(`no owner group "${id}"; see certflow groups list`);
  if (values.json) io.out(JSON.stringify(existing, null, 2));
  else describeGroup(existing).forEach((line) => io.out(line));
}

/** Where `certflow groups create|update` reads and saves groups: the inventory, or the HTTP API. */
export interface OwnerGroupWriter {
  getOwnerGroup(id: string): Promise<OwnerGroup | null>;
  /** Saves `group`, built from `existing` (null for a new one). */
  save(group: OwnerGroup, existing: OwnerGroup | null): Promise<OwnerGroupSaved>;
  /** The issuers `--issuer` may name; null when the server checks them. */
  readonly issuers: IssuersConfig | null;
}

/** Runs `certflow groups create|update` on `writer`. */
export async function runGroupsWrite(
  action: string,
  id: string | undefined,
  values: GroupValues,
  writer: OwnerGroupWriter,
  io: { out: (line: string) => void },
): Promise<void> {
  if (!['create', 'update'].includes(action)) {
    throw new UsageError(`unknown groups action "${action}"; use list, show, create or update`);
  }
  if (!id) throw new UsageError(`usage: certflow groups ${action} <group id> [options]`);
  const existing = await writer.getOwnerGroup(id);
  if (action === 'create' && existing) {
    if (!values['if-missing']) {
      throw new UsageError(
        `group ${id} exists already; change it with groups update, or add --if-missing to leave it as it is`,
      );
    }
    // Like mkdir -p: scripts and the README's demo run it again. The options are still checked, so a typo is no
    // silent success.
    applyGroupOptions(id, null, values, writer.issuers);
    if (values.json) io.out(JSON.stringify(existing, null, 2));
    else {
      io.out(`group ${id} exists already; left as it is (change it with certflow groups update ${id})`);
      describeGroup(existing).forEach((line) => io.out(line));
    }
    return;
  }
  if (action === 'update' && !existing) throw new UsageError(`no owner group "${id}"; create it with groups create`);
  const group = applyGroupOptions(id, existing, values, writer.issuers);
  const { lifecycles: told } = await writer.save(group, existing);
  if (values.json) {
    io.out(JSON.stringify(group, null, 2));
    return;
  }
  describeGroup(group).forEach((line) => io.out(line));
  if (told && 'signalled' in told) io.out(`  lifecycles         ${told.signalled} told to re-plan`);
  else if (told)
    io.out(`lifecycles not told to re-plan: ${told.unavailable}; run this update again once certflow runs`);
}

/** Runs `certflow groups list|show|create|update` directly on the inventory. */
export async function runGroups(
  action: string,
  id: string | undefined,
  values: GroupValues,
  context: LifecycleCommandContext,
  io: { out: (line: string) => void },
): Promise<void> {
  if (action === 'list' || action === 'show') {
    await runGroupsRead(action, id, values, context.store, io);
    return;
  }
  const writer: OwnerGroupWriter = {
    getOwnerGroup: (groupId) => context.store.getOwnerGroup(groupId),
    save: (group) =>
      saveOwnerGroup(group.id, 'upsert', () => group, {
        store: context.store,
        actor: context.actor,
        where: context.where,
        tellLifecycles: (work) => whenLifecyclesReachable(context, ({ lifecycles }) => work(lifecycles)),
      }),
    issuers: context.config.issuers,
  };
  await runGroupsWrite(action, id, values, writer, io);
}
