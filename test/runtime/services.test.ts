import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../src/adapters/console/console-notifier';
import { SlackNotifier } from '../../src/adapters/slack/slack-notifier';
import { startSlackStandIn, type SlackStandIn } from '../../src/adapters/slack/stand-in/slack-stand-in';
import { CaPolicyRejectedError } from '../../src/core/ports/certificate-authority';
import { ownerGroupFixture, summaryFixture } from '../support/lifecycle-fixtures';
import { openTestServices, type TestServices } from '../support/services';

const TOKEN = 'xoxb-111-222-services';

describe("the worker's services", () => {
  let services: TestServices | undefined;
  let standIn: SlackStandIn | undefined;
  afterEach(async () => {
    await services?.close();
    await standIn?.close();
    services = undefined;
    standIn = undefined;
  });

  it('print notifications without Slack credentials', async () => {
    services = await openTestServices();
    expect(services.lifecycle.notifications).toBeInstanceOf(ConsoleNotifier);
  });

  it('R-MON-1: send notifications to Slack when SLACK_BOT_TOKEN is set (here: to the stand-in at SLACK_API_URL)', async () => {
    standIn = await startSlackStandIn({
      botToken: TOKEN,
      signingSecret: 'secret',
      users: [{ id: 'U0OWNER', name: 'owner', email: 'owner@example.com' }],
      channels: [{ id: 'C0PAYMENTS', name: 'payments' }],
    });
    services = await openTestServices({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: standIn.apiUrl });
    const notifier = services.lifecycle.notifications;
    expect(notifier).toBeInstanceOf(SlackNotifier);
    const receipt = await notifier.send({
      kind: 'reminder',
      idempotencyKey: 'services-test/reminder-90',
      dueAt: '2026-11-23T00:00:00.000Z',
      certificate: summaryFixture(),
      group: ownerGroupFixture({ slack: { channelId: 'C0PAYMENTS' } }),
      audience: { people: [{ email: 'owner@example.com' }], channelId: 'C0PAYMENTS' },
      ticket: null,
      link: null,
      daysLeft: 90,
      renewalDeadline: '2027-01-01T00:00:00.000Z',
    });
    expect(receipt.messages.map((message) => message.channel)).toContain('C0PAYMENTS');
    expect(standIn.messages('C0PAYMENTS')).toHaveLength(1);
  });

  it('R-POL-6: the internal CA issues under CERTFLOW_POLICY_FILE, read again before every issuance', async () => {
    const policyFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-services-policy-'));
    const policyFile = path.join(policyFolder, 'policy.yaml');
    await fs.writeFile(policyFile, 'rules:\n  validityPeriod:\n    maxDays: 30\n');
    try {
      services = await openTestServices({ CERTFLOW_POLICY_FILE: policyFile });
      const { keyStore } = services.lifecycle;
      await keyStore.ensureKeyPair('policy-test', { algorithm: 'EC', curve: 'P-256' });
      const issue = async (key: string, dnsName: string) => {
        const names = { subject: `CN=${dnsName}`, dnsNames: [dnsName], ipAddresses: [] };
        const csrPem = await keyStore.createCsr('policy-test', names);
        return services!.ca.issue({ idempotencyKey: key, csrPem, ...names, validityDays: 398 });
      };

      const capped = await issue('first', 'api.example.com');
      await fs.writeFile(policyFile, 'rules:\n  validityPeriod:\n    maxDays: 60\n');
      const reloaded = await issue('second', 'api.example.com');
      const wildcard = await issue('third', '*.example.com').catch((error: unknown) => error);

      const days = (issued: { notBefore: string; notAfter: string }) =>
        (Date.parse(issued.notAfter) - Date.parse(issued.notBefore) + 1000) / 86_400_000;
      expect(days(capped)).toBe(30);
      expect(days(reloaded)).toBe(60);
      expect(wildcard).toBeInstanceOf(CaPolicyRejectedError);
      expect((wildcard as Error).message).toContain('R-POL-5 wildcard-name');
    } finally {
      await fs.rm(policyFolder, { recursive: true, force: true });
    }
  });
});
