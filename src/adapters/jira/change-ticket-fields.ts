/**
 * What certflow writes into Jira, computed without I/O: a change ticket's fields (summary, a description with
 * everything a change manager needs, labels, due date, component, assignee, custom fields), comments with the hidden
 * marker that makes them idempotent, and the escalation comment. Texts are plain for REST API v2 and Atlassian
 * Document Format (ADF) for v3.
 */
import { describeIssuerChoice } from '../../core/domain/issuers/choose-issuer';
import { createHash } from 'node:crypto';
import type { CertificateLocation, OwnerGroup, Person } from '../../core/domain/inventory/model';
import type { ChangeTicketRequest, TicketEscalationLevel } from '../../core/ports/ticketing-port';
import { projectKeyFor, type JiraConfig, type JiraCustomFieldRef } from './jira-config';

/** The settings ticket fields depend on. */
export type TicketFieldSettings = Pick<
  JiraConfig,
  | 'flavour'
  | 'apiVersion'
  | 'projectKey'
  | 'issueType'
  | 'labels'
  | 'componentFromGroup'
  | 'assignToGroupContact'
  | 'customFields'
>;

/** A block of a text: an optional heading, then paragraphs, then bullets. */
export interface TextSection {
  readonly heading?: string;
  readonly paragraphs?: readonly string[];
  readonly bullets?: readonly string[];
  /** A link shown as its own paragraph. */
  readonly link?: { readonly label: string; readonly href: string };
}

/** An Atlassian Document Format node. */
export interface AdfNode {
  readonly type: string;
  readonly version?: 1;
  readonly content?: readonly AdfNode[];
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly marks?: readonly { readonly type: string; readonly attrs?: Readonly<Record<string, unknown>> }[];
}

/** A text as the REST API version takes it: a string for v2, an ADF document for v3. */
export type JiraText = string | AdfNode;

/** Jira refuses a summary longer than this. */
const SUMMARY_LIMIT = 255;

/** The label every certflow ticket carries. */
export const CERTFLOW_LABEL = 'certflow';

/** The stable label of a renewal cycle's ticket, `certflow-<16 hex digits of SHA-256(idempotencyKey)>`. */
export function cycleLabel(idempotencyKey: string): string {
  return `certflow-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)}`;
}

/**
 * The marker that ended the comments of earlier certflow versions: still recognised on tickets they commented,
 * never written again (people read comments; the key now travels in a comment property).
 */
export function legacyCommentMarker(idempotencyKey: string): string {
  return `[certflow:${idempotencyKey}]`;
}

/** The key of the comment property carrying a comment's idempotency key; Jira's UI does not show properties. */
export const COMMENT_PROPERTY_KEY = 'certflow';

/** A comment property as `POST …/comment` takes it in `properties`: the idempotency key, created with the comment. */
export function commentProperty(idempotencyKey: string): { key: string; value: { idempotencyKey: string } } {
  return { key: COMMENT_PROPERTY_KEY, value: { idempotencyKey } };
}

/** YYYY-MM-DD of an ISO 8601 UTC instant. */
export function isoDate(instant: string): string {
  return new Date(instant).toISOString().slice(0, 10);
}

function utc(instant: string): string {
  return `${new Date(instant).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Jira's datetime field format, e.g. `2025-06-01T12:00:00.000+0000`. */
function jiraDateTime(instant: string): string {
  return new Date(instant).toISOString().replace('Z', '+0000');
}

function certificateName(request: ChangeTicketRequest): string {
  const { certificate } = request;
  return certificate.commonName ?? certificate.dnsNames[0] ?? certificate.ipAddresses[0] ?? certificate.subject;
}

/** `Renew TLS certificate shop.example.com (expires 2025-07-01)`, cut to Jira's 255 characters. */
export function ticketSummary(request: ChangeTicketRequest): string {
  const summary = `Renew TLS certificate ${certificateName(request)} (expires ${isoDate(request.certificate.notAfter)})`;
  return jiraSummary(summary);
}

/** The text cut to the 255 characters Jira takes in a summary, an ellipsis marking the cut. */
export function jiraSummary(text: string): string {
  return text.length <= SUMMARY_LIMIT ? text : `${text.slice(0, SUMMARY_LIMIT - 1)}…`;
}

/** How a person reads in a ticket: name and e-mail, else whatever identity is known. */
export function describePerson(person: Person): string {
  const name = person.name ?? person.email ?? person.jiraAccountId ?? person.slackUserId ?? 'unknown';
  return person.name !== undefined && person.email !== undefined ? `${name} <${person.email}>` : name;
}

function describeLocation(location: CertificateLocation): string {
  if (location.kind === 'endpoint') {
    const sni = location.sni !== undefined && location.sni !== location.host ? ` (SNI ${location.sni})` : '';
    return `TLS endpoint ${location.host}:${location.port}${sni}`;
  }
  return `File ${location.path}${location.host !== undefined ? ` on ${location.host}` : ''}`;
}

function people(list: readonly Person[]): string {
  return list.length === 0 ? 'none' : list.map(describePerson).join(', ');
}

function keyDescription(request: ChangeTicketRequest): string {
  const { keyAlgorithm, keySize, curve } = request.certificate;
  return [keyAlgorithm, curve ?? (keySize !== null ? `${keySize} bits` : null)].filter(Boolean).join(' ');
}

/** The description's sections: what to renew, where it is installed, who owns it, when, and what is wrong with it. */
export function ticketDescriptionSections(request: ChangeTicketRequest): TextSection[] {
  const { certificate, group } = request;
  const sections: TextSection[] = [
    {
      paragraphs: [
        `certflow asks to renew the TLS certificate of ${certificateName(request)} by ${isoDate(request.renewalDeadline)}, ` +
          `before it expires on ${utc(certificate.notAfter)}.`,
      ],
    },
    {
      heading: 'Certificate',
      bullets: [
        `Common name: ${certificate.commonName ?? 'none'}`,
        `DNS names: ${certificate.dnsNames.length > 0 ? certificate.dnsNames.join(', ') : 'none'}`,
        ...(certificate.ipAddresses.length > 0 ? [`IP addresses: ${certificate.ipAddresses.join(', ')}`] : []),
        `Subject: ${certificate.subject}`,
        `Issuer (CA): ${certificate.issuer}`,
        ...(request.renewalIssuer === undefined
          ? []
          : [`Renewed through: ${describeIssuerChoice(request.renewalIssuer)}`]),
        `Serial number: ${certificate.serialNumber}`,
        `SHA-256 fingerprint: ${certificate.fingerprintSha256}`,
        `Key: ${keyDescription(request)}`,
        `Valid from ${utc(certificate.notBefore)} to ${utc(certificate.notAfter)}`,
        ...(certificate.application !== null ? [`Application: ${certificate.application}`] : []),
        `certflow id: ${certificate.managedCertificateId}`,
      ],
    },
    {
      heading: 'Installed at',
      bullets:
        certificate.locations.length > 0
          ? certificate.locations.map(describeLocation)
          : ['No location known to certflow: find where it is installed before renewing.'],
    },
    {
      heading: 'Owner group',
      bullets:
        group === null
          ? [
              certificate.ownerGroup === null
                ? 'None: set owner_group with `certflow import --metadata <csv>`.'
                : `${certificate.ownerGroup} (not found)`,
            ]
          : [
              `${group.name} (${group.id})`,
              `Contacts: ${people(group.contacts)}`,
              `Approvers: ${people(group.approvers)}`,
              `Management contact: ${group.managementContact ? describePerson(group.managementContact) : 'none'}`,
              ...(group.incidentResponseContact
                ? [`Incident response: ${describePerson(group.incidentResponseContact)}`]
                : []),
            ],
    },
    {
      heading: 'Dates',
      bullets: [
        `Expires: ${utc(certificate.notAfter)}`,
        `Renewal deadline (due date): ${utc(request.renewalDeadline)}`,
      ],
    },
    {
      heading: `Policy violations (${request.violations.length})`,
      bullets:
        request.violations.length > 0
          ? request.violations.map(
              (violation) =>
                `[${violation.severity}] ${violation.ruleId} ${violation.rule}: ${violation.message} Fix: ${violation.remedy}`,
            )
          : ['None: the certificate meets the policy.'],
    },
  ];
  if (request.link !== null) sections.push({ link: { label: 'Open in certflow', href: request.link } });
  sections.push({ paragraphs: [`certflow renewal cycle: ${request.idempotencyKey}`] });
  return sections;
}

/** Sections as plain text (REST API v2): headings end with a colon, bullets start with `- `. */
export function plainText(sections: readonly TextSection[]): string {
  return sections
    .map((section) =>
      [
        ...(section.heading !== undefined ? [`${section.heading}:`] : []),
        ...(section.paragraphs ?? []),
        ...(section.bullets ?? []).map((bullet) => `- ${bullet}`),
        ...(section.link !== undefined ? [`${section.link.label}: ${section.link.href}`] : []),
      ].join('\n'),
    )
    .join('\n\n');
}

const paragraph = (content: readonly AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const text = (value: string): AdfNode => ({ type: 'text', text: value });

/** Sections as an ADF document (REST API v3). */
export function adfDocument(sections: readonly TextSection[]): AdfNode {
  const content: AdfNode[] = [];
  for (const section of sections) {
    if (section.heading !== undefined) {
      content.push({ type: 'heading', attrs: { level: 3 }, content: [text(section.heading)] });
    }
    for (const line of section.paragraphs ?? []) content.push(paragraph([text(line)]));
    if (section.bullets !== undefined && section.bullets.length > 0) {
      content.push({
        type: 'bulletList',
        content: section.bullets.map((bullet) => ({ type: 'listItem', content: [paragraph([text(bullet)])] })),
      });
    }
    if (section.link !== undefined) {
      content.push(
        paragraph([{ ...text(section.link.label), marks: [{ type: 'link', attrs: { href: section.link.href } }] }]),
      );
    }
  }
  return { type: 'doc', version: 1, content };
}

/** Sections in the form the API version takes. */
export function jiraText(sections: readonly TextSection[], apiVersion: '2' | '3'): JiraText {
  return apiVersion === '3' ? adfDocument(sections) : plainText(sections);
}

/** Every text in a v2 string or v3 ADF value, joined, so a marker is found in either. */
export function textOf(value: unknown): string {
  // A loop over a stack, not recursion: a webhook body may nest ADF thousands deep, which would overflow the call stack.
  const parts: string[] = [];
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') parts.push(next);
    else if (Array.isArray(next)) for (let index = next.length - 1; index >= 0; index--) pending.push(next[index]);
    else if (typeof next === 'object' && next !== null) {
      const node = next as { text?: unknown; content?: unknown };
      pending.push(node.content);
      if (typeof node.text === 'string') parts.push(node.text);
    }
  }
  return parts.join('');
}

/** A lifecycle comment as people read it; its idempotency key goes in a comment property. */
export function commentText(body: string, apiVersion: '2' | '3'): JiraText {
  return jiraText([{ paragraphs: [body] }], apiVersion);
}

/** Who an escalation is addressed to: the management contact, and incident response for an incident. */
export function escalationAudience(group: OwnerGroup | null, level: TicketEscalationLevel): Person[] {
  if (group === null) return [];
  const contacts = [group.managementContact, level === 'incident' ? group.incidentResponseContact : null];
  return contacts.filter((person): person is Person => person !== null);
}

/** The person an escalated ticket is reassigned to: incident response for an incident, else management. */
export function escalationAssignee(group: OwnerGroup | null, level: TicketEscalationLevel): Person | null {
  const preferred = level === 'incident' ? (group?.incidentResponseContact ?? null) : null;
  const person = preferred ?? group?.managementContact ?? null;
  return person?.jiraAccountId !== undefined ? person : null;
}

/** The escalation comment: addressed to the group's management (and incident response), and the reason. */
export function escalationText(
  input: { level: TicketEscalationLevel; reason: string; group: OwnerGroup | null },
  apiVersion: '2' | '3',
  flavour: JiraConfig['flavour'],
): JiraText {
  const audience = escalationAudience(input.group, input.level);
  const heading = input.level === 'incident' ? 'INCIDENT: certificate expired' : 'ESCALATION';
  const address =
    audience.length > 0
      ? `${audience.map(describePerson).join(', ')}: this change needs your attention.`
      : `${input.group === null ? 'The certificate has no owner group' : `Group ${input.group.name} has no management contact`}: ` +
        'set one with `certflow groups update <group> --management <person>` so escalations reach someone.';
  if (apiVersion === '2') {
    // Wiki-markup mentions notify the person: by account id on Cloud, by user name on Data Center.
    const mentions = audience
      .filter((person) => person.jiraAccountId !== undefined)
      .map((person) => (flavour === 'cloud' ? `[~accountid:${person.jiraAccountId}]` : `[~${person.jiraAccountId}]`));
    return [`${heading}: ${input.reason}`, [...mentions, address].join(' ')].join('\n\n');
  }
  const mentions: AdfNode[] = audience
    .filter((person) => person.jiraAccountId !== undefined)
    .flatMap((person) => [
      { type: 'mention', attrs: { id: person.jiraAccountId, text: `@${person.name ?? person.email ?? ''}` } },
      text(' '),
    ]);
  return {
    type: 'doc',
    version: 1,
    content: [
      paragraph([{ ...text(`${heading}: `), marks: [{ type: 'strong' }] }, text(input.reason)]),
      paragraph([...mentions, text(address)]),
    ],
  };
}

/** A user reference in an issue field: account id on Cloud, user name on Data Center. */
export function userField(flavour: JiraConfig['flavour'], person: Person): { accountId: string } | { name: string } {
  const id = person.jiraAccountId ?? '';
  return flavour === 'cloud' ? { accountId: id } : { name: id };
}

function customValue(field: JiraCustomFieldRef, value: string): unknown {
  if (field.type === 'text') return value;
  return field.type === 'date' ? isoDate(value) : jiraDateTime(value);
}

/** The component and assignee of a group's new issues, as configured (`componentFromGroup`, `assignToGroupContact`). */
export function groupRoutingFields(
  group: OwnerGroup | null,
  settings: Pick<TicketFieldSettings, 'flavour' | 'componentFromGroup' | 'assignToGroupContact'>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const jiraGroup = group?.jira.group;
  if (settings.componentFromGroup && jiraGroup !== undefined) fields.components = [{ name: jiraGroup }];
  const assignee = settings.assignToGroupContact
    ? group?.contacts.find((person) => person.jiraAccountId !== undefined)
    : undefined;
  if (assignee !== undefined) fields.assignee = userField(settings.flavour, assignee);
  return fields;
}

/** The `fields` of the create-issue call for a change ticket request. */
export function changeTicketFields(
  request: ChangeTicketRequest,
  settings: TicketFieldSettings,
): Record<string, unknown> {
  const { group } = request;
  const labels = [...new Set([CERTFLOW_LABEL, cycleLabel(request.idempotencyKey), ...settings.labels])];
  const fields: Record<string, unknown> = {
    project: { key: projectKeyFor(settings, group) },
    issuetype: { name: settings.issueType },
    summary: ticketSummary(request),
    description: jiraText(ticketDescriptionSections(request), settings.apiVersion),
    labels,
    duedate: isoDate(request.renewalDeadline),
  };
  Object.assign(fields, groupRoutingFields(group, settings));
  const jiraGroup = group?.jira.group;
  const custom = settings.customFields;
  if (custom.renewalDeadline)
    fields[custom.renewalDeadline.id] = customValue(custom.renewalDeadline, request.renewalDeadline);
  if (custom.expiry) fields[custom.expiry.id] = customValue(custom.expiry, request.certificate.notAfter);
  if (custom.certificateId) fields[custom.certificateId.id] = request.certificate.managedCertificateId;
  if (custom.ownerGroup && jiraGroup !== undefined) fields[custom.ownerGroup.id] = jiraGroup;
  return fields;
}
