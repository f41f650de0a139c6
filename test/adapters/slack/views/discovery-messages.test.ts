import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../../../src/adapters/slack/views/block-kit-check';
import {
  findingDigestMessage,
  unownedAnnouncementMessage,
} from '../../../../src/adapters/slack/views/discovery-messages';
import type { EndpointFinding } from '../../../../src/core/domain/discovery/endpoint-findings';
import { ownerGroupFixture } from '../../../support/lifecycle-fixtures';

const finding = (port: number, kind: EndpointFinding['kind'] = 'chain-incomplete'): EndpointFinding => ({
  kind,
  severity: kind === 'expired-served' ? 'incident' : 'high',
  location: { host: '127.0.0.2', port, sni: 'shop.example.com' },
  fingerprint: `${port}`.padStart(64, 'a'),
  message: 'the server sends no intermediate: configure the full chain (leaf, then intermediates) <b>*bold*</b>',
});
const audience = { people: [], channelId: 'C0PAY' };

describe('discovery messages in Slack', () => {
  it.each([1, 50, 500])('R-MON-6: a digest of %i findings stays within Slack limits', (count) => {
    const opened = Array.from({ length: count }, (_, index) => finding(1000 + index));
    const message = findingDigestMessage({
      idempotencyKey: 'run/digest/payments',
      scan: 'dmz',
      scanRunId: 'discovery:dmz-2026-06-01T00:00:00Z',
      group: ownerGroupFixture(),
      audience,
      opened,
      resolved: opened.slice(0, 3),
      notListed: 7,
    });
    expect(checkMessage(message)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('7 more finding(s) not listed here');
  });

  it('R-MON-3: an expired certificate still served is called an incident at the top', () => {
    const message = findingDigestMessage({
      idempotencyKey: 'k',
      scan: 'dmz',
      scanRunId: 'run',
      group: ownerGroupFixture(),
      audience,
      opened: [finding(443, 'expired-served')],
      resolved: [],
      notListed: 0,
    });
    expect(JSON.stringify(message.blocks[1])).toContain('expired certificate still served');
    expect(message.text).not.toContain('<b>');
  });

  it('R-INV-2: the unowned announcement lists the certificates and how to assign an owner group', () => {
    const message = unownedAnnouncementMessage({
      idempotencyKey: 'run/unowned',
      scan: 'dmz',
      scanRunId: 'run',
      audience,
      certificates: Array.from({ length: 500 }, (_, index) => ({
        fingerprint: `${index}`.padStart(64, 'b'),
        subject: 'CN=app.example.com, O=Example',
        location: { host: '127.0.0.3', port: 443 },
      })),
    });
    expect(checkMessage(message)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('certflow import --metadata');
  });
});
