import { describe, expect, it } from 'vitest';
import {
  adfDocument,
  changeTicketFields,
  commentProperty,
  commentText,
  cycleLabel,
  escalationAssignee,
  escalationText,
  plainText,
  textOf,
  ticketDescriptionSections,
  ticketSummary,
  type TicketFieldSettings,
} from '../../../src/adapters/jira/change-ticket-fields';
import { parseJiraConfig } from '../../../src/adapters/jira/jira-config';
import type { ChangeTicketRequest } from '../../../src/core/ports/ticketing-port';
import { ownerGroupFixture, summaryFixture } from '../../support/lifecycle-fixtures';

const KEY = 'lifecycle-a1b2c3d4e5f60718/c1/ticket';

const settings = (overrides: Record<string, unknown> = {}): TicketFieldSettings =>
  parseJiraConfig({
    flavour: 'data-center',
    host: 'jira.internal',
    auth: { personalAccessToken: 'pat' },
    projectKey: 'CHG',
    ...overrides,
  });

const request = (overrides: Partial<ChangeTicketRequest> = {}): ChangeTicketRequest => ({
  idempotencyKey: KEY,
  certificate: summaryFixture(),
  group: ownerGroupFixture({
    contacts: [{ name: 'Olive Owner', email: 'olive@example.com', jiraAccountId: 'acc-olive' }],
    managementContact: { name: 'Mona Manager', email: 'mona@example.com', jiraAccountId: 'acc-mona' },
    incidentResponseContact: { name: 'Ivan Incident', jiraAccountId: 'acc-ivan' },
    jira: { group: 'payments-web' },
  }),
  renewalDeadline: '2025-06-17T12:00:00.000Z',
  violations: [
    {
      ruleId: 'R-POL-4',
      rule: 'signature-algorithm',
      severity: 'high',
      message: 'signed with SHA-1.',
      remedy: 'Reissue with SHA-256.',
    },
  ],
  link: 'https://certflow.example.com/certificates/a1b2c3d4e5f60718',
  ...overrides,
});

describe('cycleLabel', () => {
  it('is certflow- and 16 hex digits, the same for the same key and different for another cycle', () => {
    expect(cycleLabel(KEY)).toMatch(/^certflow-[0-9a-f]{16}$/);
    expect(cycleLabel(KEY)).toBe(cycleLabel(KEY));
    expect(cycleLabel(KEY.replace('/c1/', '/c2/'))).not.toBe(cycleLabel(KEY));
  });
});

describe('ticketSummary', () => {
  it.each([
    ['the common name', summaryFixture(), 'Renew TLS certificate shop.example.com (expires 2025-07-01)'],
    [
      'the first DNS name without a common name',
      summaryFixture({ commonName: null, dnsNames: ['api.example.com'] }),
      'Renew TLS certificate api.example.com (expires 2025-07-01)',
    ],
    [
      'the subject without any name',
      summaryFixture({ commonName: null, dnsNames: [], subject: 'O=Example' }),
      'Renew TLS certificate O=Example (expires 2025-07-01)',
    ],
  ])('names the certificate by %s', (_case, certificate, expected) => {
    expect(ticketSummary(request({ certificate }))).toBe(expected);
  });

  it("is cut to Jira's 255 characters", () => {
    const summary = ticketSummary(request({ certificate: summaryFixture({ commonName: 'x'.repeat(400) }) }));
    expect(summary).toHaveLength(255);
    expect(summary.endsWith('…')).toBe(true);
  });
});

describe('the description', () => {
  it('R-REN-1: names the issuer the renewal will use and why', () => {
    const text = plainText(
      ticketDescriptionSections(
        request({ renewalIssuer: { kind: 'chosen', issuer: 'acme:pebble', source: 'campaign' } }),
      ),
    );
    expect(text).toContain("- Renewed through: acme:pebble (the campaign's target issuer)");
    expect(plainText(ticketDescriptionSections(request()))).not.toContain('Renewed through');
  });

  it('holds everything a change manager needs, as plain text for REST API v2', () => {
    const text = plainText(ticketDescriptionSections(request()));
    for (const expected of [
      'renew the TLS certificate of shop.example.com by 2025-06-17, before it expires on 2025-07-01 12:00 UTC.',
      '- DNS names: shop.example.com, www.shop.example.com',
      '- Issuer (CA): CN=Example Issuing CA',
      '- Key: EC P-256',
      '- SHA-256 fingerprint: a1b2c3d4e5f60718',
      'Installed at:\n- TLS endpoint shop.example.com:443',
      'Owner group:\n- Payments Web (payments-web)',
      '- Contacts: Olive Owner <olive@example.com>',
      '- Management contact: Mona Manager <mona@example.com>',
      '- Renewal deadline (due date): 2025-06-17 12:00 UTC',
      'Policy violations (1):\n- [high] R-POL-4 signature-algorithm: signed with SHA-1. Fix: Reissue with SHA-256.',
      'Open in certflow: https://certflow.example.com/certificates/a1b2c3d4e5f60718',
      `certflow renewal cycle: ${KEY}`,
    ]) {
      expect(text).toContain(expected);
    }
  });

  it.each([
    [
      'no owner group',
      request({ group: null, certificate: summaryFixture({ ownerGroup: null }) }),
      'None: set owner_group',
    ],
    ['no violations', request({ violations: [] }), 'Policy violations (0):\n- None: the certificate meets the policy.'],
    ['no location', request({ certificate: summaryFixture({ locations: [] }) }), 'No location known to certflow'],
    [
      'a file location',
      request({
        certificate: summaryFixture({ locations: [{ kind: 'file', path: '/etc/tls/shop.pem', host: 'web1' }] }),
      }),
      '- File /etc/tls/shop.pem on web1',
    ],
  ])('says so when there is %s', (_case, input, expected) => {
    expect(plainText(ticketDescriptionSections(input))).toContain(expected);
  });

  it('leaves out the link when certflow has none', () => {
    expect(plainText(ticketDescriptionSections(request({ link: null })))).not.toContain('Open in certflow');
  });

  it('is an ADF document for REST API v3 with the same text, headings, bullets and the link', () => {
    const sections = ticketDescriptionSections(request());
    const document = adfDocument(sections);
    expect(document).toMatchObject({ type: 'doc', version: 1 });
    expect(document.content?.map((node) => node.type)).toEqual(
      expect.arrayContaining(['paragraph', 'heading', 'bulletList']),
    );
    expect(textOf(document)).toContain('Issuer (CA): CN=Example Issuing CA');
    expect(JSON.stringify(document)).toContain(
      '{"type":"link","attrs":{"href":"https://certflow.example.com/certificates/a1b2c3d4e5f60718"}}',
    );
  });
});

describe('changeTicketFields', () => {
  it('builds the v2 create fields: project, Change, labels with the cycle label, the due date', () => {
    expect(changeTicketFields(request(), settings())).toEqual({
      project: { key: 'CHG' },
      issuetype: { name: 'Change' },
      summary: 'Renew TLS certificate shop.example.com (expires 2025-07-01)',
      description: expect.stringContaining('Policy violations (1)'),
      labels: ['certflow', cycleLabel(KEY)],
      duedate: '2025-06-17',
    });
  });

  it.each([
    [
      "the group's Jira project",
      request({ group: ownerGroupFixture({ jira: { projectKey: 'PAY' } }) }),
      settings(),
      { project: { key: 'PAY' } },
    ],
    [
      'configured labels after its own',
      request(),
      settings({ labels: ['tls', 'certflow'] }),
      { labels: ['certflow', cycleLabel(KEY), 'tls'] },
    ],
    [
      "the group's component",
      request(),
      settings({ componentFromGroup: true }),
      { components: [{ name: 'payments-web' }] },
    ],
    [
      'the first contact with a Jira account (Data Center: user name)',
      request(),
      settings({ assignToGroupContact: true }),
      { assignee: { name: 'acc-olive' } },
    ],
    [
      'the first contact with a Jira account (Cloud: account id)',
      request(),
      settings({ flavour: 'cloud', auth: { email: 'a@example.com', apiToken: 't' }, assignToGroupContact: true }),
      { assignee: { accountId: 'acc-olive' } },
    ],
    [
      'the custom fields mapped',
      request(),
      settings({
        customFields: {
          renewalDeadline: 'customfield_10042',
          expiry: { id: 'customfield_10043', type: 'datetime' },
          certificateId: 'customfield_10044',
          ownerGroup: 'customfield_10045',
        },
      }),
      {
        customfield_10042: '2025-06-17',
        customfield_10043: '2025-07-01T12:00:00.000+0000',
        customfield_10044: 'a1b2c3d4e5f60718',
        customfield_10045: 'payments-web',
      },
    ],
  ])('sets %s', (_case, input, config, expected) => {
    expect(changeTicketFields(input, config)).toMatchObject(expected);
  });

  it('sets no component or assignee the group cannot give', () => {
    const fields = changeTicketFields(
      request({ group: ownerGroupFixture() }),
      settings({ componentFromGroup: true, assignToGroupContact: true }),
    );
    expect(fields).not.toHaveProperty('components');
    expect(fields).not.toHaveProperty('assignee');
  });

  it('writes the description as ADF on API v3', () => {
    const fields = changeTicketFields(
      request(),
      settings({ flavour: 'cloud', auth: { email: 'a@example.com', apiToken: 't' } }),
    );
    expect(fields.description).toMatchObject({ type: 'doc', version: 1 });
  });
});

describe('comments', () => {
  it.each(['2', '3'] as const)('show people only their text on API v%s: no machine tag', (version) => {
    const body = commentText('Certificate issued.', version);
    expect(textOf(body)).toBe('Certificate issued.');
    expect(textOf(body)).not.toContain('[certflow:');
  });

  it('carry their idempotency key in a comment property', () => {
    expect(commentProperty('wf/c1/comment/issued')).toEqual({
      key: 'certflow',
      value: { idempotencyKey: 'wf/c1/comment/issued' },
    });
  });
});

describe('escalation', () => {
  const group = request().group;

  it.each([
    [
      'escalation',
      '2',
      'data-center',
      ['ESCALATION: nobody approved', '[~acc-mona] Mona Manager <mona@example.com>: this change needs your attention.'],
    ],
    [
      'incident',
      '2',
      'cloud',
      [
        'INCIDENT: certificate expired: expired',
        '[~accountid:acc-mona] [~accountid:acc-ivan] Mona Manager <mona@example.com>, Ivan Incident:',
      ],
    ],
  ] as const)('a %s on API v%s addresses and mentions management (%s)', (level, version, flavour, expected) => {
    const text = escalationText(
      {
        level,
        reason: level === 'incident' ? 'expired' : 'nobody approved',
        group,
      },
      version,
      flavour,
    );
    for (const part of expected) expect(text).toContain(part);
    expect(textOf(text)).not.toContain('[certflow:');
  });

  it('mentions by account id in ADF on API v3', () => {
    const document = escalationText({ level: 'escalation', reason: 'late', group }, '3', 'cloud');
    expect(JSON.stringify(document)).toContain('{"type":"mention","attrs":{"id":"acc-mona","text":"@Mona Manager"}}');
    expect(textOf(document)).toContain('ESCALATION: late');
  });

  it('says how to set a management contact when the group has none', () => {
    const text = escalationText({ level: 'escalation', reason: 'late', group: ownerGroupFixture() }, '2', 'cloud');
    expect(text).toContain(
      'Group Payments Web has no management contact: set one with `certflow groups update <group> --management',
    );
  });

  it('reassigns to incident response for an incident, to management otherwise, and to nobody without a Jira account', () => {
    expect(escalationAssignee(group, 'incident')?.jiraAccountId).toBe('acc-ivan');
    expect(escalationAssignee(group, 'escalation')?.jiraAccountId).toBe('acc-mona');
    expect(
      escalationAssignee(ownerGroupFixture({ managementContact: { email: 'm@example.com' } }), 'escalation'),
    ).toBeNull();
    expect(escalationAssignee(null, 'incident')).toBeNull();
  });
});
