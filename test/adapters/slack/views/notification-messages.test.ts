import type { SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type {
  ApprovalRequestNotification,
  LifecycleNotification,
  ReminderNotification,
} from '../../../../src/core/ports/notification-port';
import type { IssuerChoice } from '../../../../src/core/domain/issuers/choose-issuer';
import { ACTION_IDS, BLOCK_IDS } from '../../../../src/adapters/slack/views/block-ids';
import { checkMessage } from '../../../../src/adapters/slack/views/block-kit-check';
import {
  approvalDecisionMessage,
  approvalRequestMessage,
  notificationMessage,
  reminderMessage,
} from '../../../../src/adapters/slack/views/notification-messages';
import { FIXTURE_NOW, ownerGroupFixture, requestFixture, summaryFixture } from '../../../support/lifecycle-fixtures';

const GROUP = ownerGroupFixture();

const BASE = {
  idempotencyKey: 'certflow-lifecycle-a1b2c3d4e5f60718/c1/reminder-30',
  dueAt: FIXTURE_NOW,
  certificate: summaryFixture(),
  group: GROUP,
  audience: { people: GROUP.contacts, channelId: 'C0PAYMENTS' },
  ticket: { key: 'CHG-42', url: 'https://jira.example.com/browse/CHG-42' },
  link: 'https://certflow.example.com/certificates/a1b2c3d4e5f60718',
};

const REMINDER: ReminderNotification = {
  ...BASE,
  kind: 'reminder',
  daysLeft: 30,
  renewalDeadline: '2025-06-01T12:00:00.000Z',
};
const APPROVAL: ApprovalRequestNotification = {
  ...BASE,
  kind: 'approval-request',
  request: requestFixture(),
  reminder: 0,
};
const DECIDED = requestFixture({
  status: 'rejected',
  decidedBy: { id: 'slack:U0APPROVER' },
  decidedAt: '2025-05-31T10:00:00.000Z',
  decisionReason: 'wrong names',
});

const ALL: readonly LifecycleNotification[] = [
  REMINDER,
  APPROVAL,
  { ...APPROVAL, reminder: 2 },
  { ...APPROVAL, request: requestFixture({ kind: 'revocation', revocationReason: 'keyCompromise' }) },
  { ...BASE, kind: 'decision', request: DECIDED },
  { ...BASE, kind: 'escalation', cause: 'not-renewed', reason: 'Not renewed 30 days before expiry', daysLeft: 29 },
  { ...BASE, kind: 'escalation', cause: 'approval-overdue', reason: 'Nobody approved for 3 days', daysLeft: 20 },
  { ...BASE, kind: 'escalation', cause: 'renewal-failed', reason: 'Verification failed', daysLeft: 10 },
  { ...BASE, kind: 'incident', dueAt: '2025-07-03T12:00:00.000Z', reason: 'Expired while still served' },
  {
    ...BASE,
    kind: 'renewal-progress',
    step: 'installed-and-verified',
    detail: 'Served at shop.example.com:443',
    replacement: summaryFixture({ id: 'ffff000011112222', notAfter: '2025-12-01T00:00:00.000Z' }),
  },
  {
    ...BASE,
    kind: 'renewal-progress',
    step: 'failed',
    detail: 'CA refused',
    replacement: null,
    ticket: null,
    link: null,
  },
];

/** Every object of `type` anywhere in `value`. */
function collect(value: unknown, type: string): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap((item) => collect(item, type));
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  return [...(record.type === type ? [record] : []), ...Object.values(record).flatMap((item) => collect(item, type))];
}

function buttons(value: unknown): { action_id: unknown; value: unknown; style?: unknown; url?: unknown }[] {
  return collect(value, 'button') as { action_id: unknown; value: unknown; style?: unknown; url?: unknown }[];
}

describe('notification messages', () => {
  it.each(ALL.map((notification) => [notification.kind, notification] as const))(
    'builds valid Block Kit for a %s notification',
    (_kind, notification) => {
      const message = notificationMessage(notification);
      expect(checkMessage(message)).toEqual([]);
      expect(message.text.length).toBeGreaterThan(0);
    },
  );

  it('R-MON-1: a reminder says the days left, names, issuer, key, locations, group and ticket, with its two buttons', () => {
    const message = reminderMessage(REMINDER);
    const json = JSON.stringify(message.blocks);
    for (const expected of [
      '30 days',
      'www.shop.example.com',
      'Example Issuing CA',
      'EC P-256',
      'shop.example.com:443',
      'Payments Web',
      '<https://jira.example.com/browse/CHG-42|CHG-42>',
    ]) {
      expect(json).toContain(expected);
    }
    expect(message.text).toContain('expires in 30 days');
    expect(buttons(message)).toEqual([
      expect.objectContaining({
        action_id: ACTION_IDS.requestRenewal,
        value: 'a1b2c3d4e5f60718:a1b2c3d4e5f60718',
        style: 'primary',
      }),
      expect.objectContaining({ action_id: ACTION_IDS.viewDetails, value: 'a1b2c3d4e5f60718', url: BASE.link }),
    ]);
  });

  it('R-REN-3: a reminder the CA asked for early says which issuer asked and links its explanation', () => {
    const message = reminderMessage({
      ...REMINDER,
      earlyRenewal: { issuer: 'acme:pebble', explanationUrl: 'https://ca.example/incident' },
    });
    const json = JSON.stringify(message.blocks);
    expect(json).toContain(
      'acme:pebble asked for this certificate to be renewed early (<https://ca.example/incident|why>)',
    );
    expect(checkMessage(message)).toEqual([]);
    expect(JSON.stringify(reminderMessage(REMINDER).blocks)).not.toContain('renewed early');
  });

  it('R-RA-1: an approval request shows what an RA vets and has Approve (primary) and Reject (danger) carrying the request id', () => {
    const message = approvalRequestMessage(APPROVAL);
    const json = JSON.stringify(message.blocks);
    for (const expected of [
      '<@U0OWNER1>',
      'expires soon',
      'EC P-256',
      'Example Issuing CA',
      '182 days',
      'Shop',
      'a1b2c3d4e5f60718.1.1',
    ]) {
      expect(json).toContain(expected);
    }
    const [approve, reject] = buttons(message);
    expect(approve).toMatchObject({ action_id: 'approve_request', value: 'a1b2c3d4e5f60718.1.1', style: 'primary' });
    expect(reject).toMatchObject({ action_id: 'reject_request', value: 'a1b2c3d4e5f60718.1.1', style: 'danger' });
    expect(json).not.toContain('Reminder');
  });

  it.each([
    {
      kind: 'approval request',
      render: (issuer?: IssuerChoice) =>
        approvalRequestMessage({ ...APPROVAL, ...(issuer && { renewalIssuer: issuer }) }),
    },
    {
      kind: 'reminder',
      render: (issuer?: IssuerChoice) => reminderMessage({ ...REMINDER, ...(issuer && { renewalIssuer: issuer }) }),
    },
  ])('R-REN-1: a $kind says which issuer the renewal will use and why', ({ render }) => {
    const message = render({ kind: 'chosen', issuer: 'acme:pebble', source: 'owner-group' });
    expect(JSON.stringify(message.blocks)).toContain("*Renews through*\\nacme:pebble (the owner group's setting)");
    expect(checkMessage(message)).toEqual([]);
    expect(JSON.stringify(render().blocks)).not.toContain('Renews through');
  });

  it("R-RA-1: names are checked against the application's known addresses", () => {
    const message = approvalRequestMessage(
      {
        ...APPROVAL,
        certificate: summaryFixture({
          dnsNames: ['shop.example.com', 'evil.example.net', '*.shop.example.com'],
          locations: [{ kind: 'endpoint', host: 'shop.example.com', port: 443 }],
        }),
      },
      { knownAddresses: ['api.shop.example.com'] },
    );
    const names = message.blocks.find((block) => block.block_id === BLOCK_IDS.names);
    const text = JSON.stringify(names);
    expect(text).toContain('✓ shop.example.com');
    expect(text).toContain('✓ *.shop.example.com');
    expect(text).toContain('⚠️ evil.example.net: not among the application');
  });

  it('R-RA-3: a re-sent approval request says it is a reminder', () => {
    const message = approvalRequestMessage({ ...APPROVAL, reminder: 2 });
    expect(message.text).toMatch(/^Reminder 2: approval needed/);
    expect(JSON.stringify(message.blocks)).toContain('This is reminder 2');
  });

  it('R-RA-1: the decision shown in place says who decided, when and why, and has no buttons', () => {
    const message = approvalDecisionMessage(
      { request: DECIDED, decidedBy: { id: 'slack:U0APPROVER' }, decidedAt: '2025-05-31T10:00:00.000Z' },
      summaryFixture(),
    );
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('*Rejected* by <@U0APPROVER> on <!date^1748685600^');
    expect(json).toContain('wrong names');
    expect(buttons(message)).toEqual([]);
    expect(collect(message, 'actions')).toEqual([]);
    expect(checkMessage(message)).toEqual([]);
  });

  it('R-MON-3: an escalation names its cause and the days left; an overdue approval offers no renewal button', () => {
    const notRenewed = notificationMessage(ALL[5]!);
    expect(notRenewed.text).toContain('not renewed in time, 29 days left');
    expect(buttons(notRenewed).map((b) => b.action_id)).toEqual(['request_renewal', 'view_details']);
    const overdue = notificationMessage(ALL[6]!);
    expect(overdue.text).toContain('approval overdue, 20 days left');
    expect(buttons(overdue).map((b) => b.action_id)).toEqual(['view_details']);
  });

  it('R-MON-3: an expiry incident says how long ago the certificate expired', () => {
    const message = notificationMessage(ALL[8]!);
    expect(message.text).toContain('Incident: shop.example.com expired');
    expect(JSON.stringify(message.blocks)).toContain('(2 days ago)');
  });

  it('renewal progress shows the replacement and points View details at it', () => {
    const message = notificationMessage(ALL[9]!);
    expect(JSON.stringify(message.blocks)).toContain('Renewed, installed and verified');
    expect(buttons(message)[0]).toMatchObject({ action_id: 'view_details', value: 'a1b2c3d4e5f60718' });
  });

  it('escapes user text so it can neither mention nor link', () => {
    const hostile = '<!channel> & <https://evil.example|click>';
    const message = approvalRequestMessage({
      ...APPROVAL,
      certificate: summaryFixture({ commonName: hostile, issuer: `CN=${hostile}`, application: hostile }),
      request: requestFixture({ reason: hostile, requestedBy: { id: 'user:mallory', displayName: hostile } }),
    });
    // Plain text (headers, button labels) is never parsed for mentions or links; mrkdwn and the fallback are.
    const json = JSON.stringify([message.text, collect(message, 'mrkdwn')]);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil');
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(checkMessage(message)).toEqual([]);
  });

  it("stays within Slack's limits with very long names and many SANs", () => {
    const long = `${'x'.repeat(5000)}.example.com`;
    const many = Array.from({ length: 500 }, (_, index) => `host-${index}-${'y'.repeat(200)}.example.com`);
    const huge = summaryFixture({ commonName: long, dnsNames: [long, ...many], issuer: long, application: long });
    for (const notification of ALL) {
      const message = notificationMessage({
        ...notification,
        certificate: huge,
        ...('reason' in notification ? { reason: long } : {}),
      });
      expect(checkMessage(message)).toEqual([]);
    }
    const approval = approvalRequestMessage({
      ...APPROVAL,
      certificate: huge,
      request: requestFixture({ reason: `&${'<'.repeat(4000)}` }),
    });
    expect(checkMessage(approval)).toEqual([]);
    const names = approval.blocks.find((block) => block.block_id === BLOCK_IDS.names) as SectionBlock;
    expect(names.text?.text).toMatch(/\nand 49\d more$/);
  });

  it('button values carry only the request id, or the managed certificate id and the version shown', () => {
    for (const notification of ALL) {
      for (const element of buttons(notificationMessage(notification))) {
        expect(['a1b2c3d4e5f60718', 'a1b2c3d4e5f60718:a1b2c3d4e5f60718', 'a1b2c3d4e5f60718.1.1']).toContain(
          element.value,
        );
      }
    }
  });
});
