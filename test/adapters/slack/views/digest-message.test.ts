import { describe, expect, it } from 'vitest';
import type { CertificateSummary } from '../../../../src/core/domain/lifecycle/model';
import type { ReminderNotification } from '../../../../src/core/ports/notification-port';
import { checkMessage } from '../../../../src/adapters/slack/views/block-kit-check';
import { DIGEST_MAX_ITEMS, digestMessage, EmptyDigestError } from '../../../../src/adapters/slack/views/digest-message';
import { FIXTURE_NOW, fixtureCertificateId, summaryFixture } from '../../../support/lifecycle-fixtures';

function reminder(index: number, overrides: Partial<CertificateSummary> = {}): ReminderNotification {
  const id = fixtureCertificateId(index);
  return {
    kind: 'reminder',
    idempotencyKey: `certflow-lifecycle-${id}/c1/reminder-30`,
    dueAt: FIXTURE_NOW,
    certificate: summaryFixture({
      managedCertificateId: id,
      id,
      commonName: `host-${index}.example.com`,
      notAfter: new Date(Date.parse(FIXTURE_NOW) + (30 + (index % 7)) * 86_400_000).toISOString(),
      ...overrides,
    }),
    group: null,
    audience: { people: [{ slackUserId: 'U0OWNER1' }], channelId: null },
    ticket: null,
    link: null,
    daysLeft: 30,
    renewalDeadline: FIXTURE_NOW,
  };
}

function renewalButtons(message: ReturnType<typeof digestMessage>): unknown[] {
  return message.blocks.flatMap((block) => (block.type === 'section' && block.accessory ? [block.accessory] : []));
}

describe('digest message', () => {
  it('R-MON-5: twenty certificates due together make one message with a Request renewal button each', () => {
    const message = digestMessage({
      recipient: 'Olive Owner',
      now: FIXTURE_NOW,
      notifications: Array.from({ length: 20 }, (_, i) => reminder(i)),
    });
    expect(checkMessage(message)).toEqual([]);
    const buttons = renewalButtons(message);
    expect(buttons).toHaveLength(20);
    expect(buttons[0]).toMatchObject({
      type: 'button',
      action_id: 'request_renewal',
      value: '0000000000000000:a1b2c3d4e5f60718',
    });
    expect(message.text).toMatch(/^20 certificates need attention: host-0\.example\.com, .* and 15 more$/);
    expect(JSON.stringify(message.blocks)).not.toContain('more. Run');
  });

  it('R-MON-5: a digest of 100 certificates stays within 50 blocks and says how many more there are', () => {
    const message = digestMessage({
      recipient: 'payments-web',
      now: FIXTURE_NOW,
      notifications: Array.from({ length: 100 }, (_, i) => reminder(i)),
    });
    expect(checkMessage(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(renewalButtons(message)).toHaveLength(DIGEST_MAX_ITEMS);
    expect(JSON.stringify(message.blocks.at(-1))).toContain(`…and ${100 - DIGEST_MAX_ITEMS} more`);
  });

  it('R-MON-5: very long names and reasons stay within 3000 characters per text', () => {
    const long = `<${'n'.repeat(6000)}&>`;
    const notifications = Array.from({ length: 60 }, (_, i) => ({
      ...reminder(i, { commonName: long, ownerGroup: long }),
      kind: 'escalation' as const,
      cause: 'not-renewed' as const,
      reason: long,
    }));
    const message = digestMessage({ recipient: long, now: FIXTURE_NOW, notifications });
    expect(checkMessage(message)).toEqual([]);
    expect(message.text).not.toContain('<n');
  });

  it('R-MON-5: one row per certificate, the most urgent notification wins, most urgent first', () => {
    const soon = reminder(1);
    const escalated = {
      ...reminder(2),
      kind: 'escalation' as const,
      cause: 'not-renewed' as const,
      reason: 'not renewed',
      daysLeft: 29,
    };
    const expired = { ...reminder(3), kind: 'incident' as const, reason: 'expired while served' };
    const message = digestMessage({
      recipient: 'x',
      now: FIXTURE_NOW,
      notifications: [soon, { ...soon }, escalated, reminder(2), expired],
    });
    const ids = message.blocks.map((block) => block.block_id);
    expect(ids).toEqual([
      'header',
      'summary',
      'digest_item_0000000000000003',
      'digest_item_0000000000000002',
      'digest_item_0000000000000001',
    ]);
    expect(JSON.stringify(message.blocks[1])).toContain('1 expired, 1 escalated, 1 due for renewal');
    expect(checkMessage(message)).toEqual([]);
  });

  it('refuses an empty digest with a typed error', () => {
    expect(() => digestMessage({ recipient: 'payments-web', now: FIXTURE_NOW, notifications: [] })).toThrow(
      EmptyDigestError,
    );
    expect(() => digestMessage({ recipient: 'payments-web', now: FIXTURE_NOW, notifications: [] })).toThrow(
      /send nothing/,
    );
  });
});
