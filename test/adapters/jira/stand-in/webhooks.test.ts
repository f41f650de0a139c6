import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JiraStandIn, startJiraStandIn } from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { ALICE, CERTFLOW_BOT, changeFields, jiraClient, OPTIONS } from './support';

const SECRET = 'webhook-secret';

interface Received {
  readonly raw: string;
  readonly signature: string | undefined;
  readonly identifier: string | undefined;
  readonly body: {
    webhookEvent: string;
    timestamp: number;
    user: { accountId: string };
    issue: { key: string; fields: { status: { name: string } } };
    changelog: { items: { field: string; fromString: string | null; toString: string | null }[] };
  };
}

let standIn: JiraStandIn;
let receiver: http.Server;
let received: Received[];
let answerStatus: number;

function verified(delivery: Received): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(delivery.raw).digest('hex')}`);
  const actual = Buffer.from(delivery.signature ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

beforeEach(async () => {
  received = [];
  answerStatus = 200;
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({
        raw,
        signature: request.headers['x-hub-signature'] as string | undefined,
        identifier: request.headers['x-atlassian-webhook-identifier'] as string | undefined,
        body: JSON.parse(raw) as Received['body'],
      });
      response.writeHead(answerStatus).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  standIn = await startJiraStandIn({
    ...OPTIONS,
    webhook: { url: `http://127.0.0.1:${port}/jira/webhook`, secret: SECRET },
    nowMilliseconds: () => Date.parse('2026-12-01T09:00:00Z'),
  });
});

afterEach(async () => {
  await standIn.close();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('Jira stand-in webhooks', () => {
  it('a person’s transition sends a signed jira:issue_updated with the status changelog', async () => {
    await jiraClient(standIn).addNewIssue({ fields: changeFields() });
    await standIn.transitionAs('CERT-1', 'Approved', ALICE.accountId);
    expect(received).toHaveLength(1);
    const delivery = received[0]!;
    expect(verified(delivery)).toBe(true);
    expect(delivery.body).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      timestamp: Date.parse('2026-12-01T09:00:00Z'),
      user: { accountId: ALICE.accountId },
      issue: { key: 'CERT-1', fields: { status: { name: 'Approved' } } },
      changelog: { items: [{ field: 'status', fromString: 'Awaiting approval', toString: 'Approved' }] },
    });
    expect(standIn.issue('CERT-1')?.transitions).toMatchObject([
      { to: 'Approved', via: 'person', by: { accountId: ALICE.accountId } },
    ]);
    expect(delivery.identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(standIn.webhookDeliveries).toMatchObject([{ status: 200, identifier: delivery.identifier }]);
  });

  it('a transition through the REST API sends one too, and setField sends the field’s changelog item', async () => {
    const jira = jiraClient(standIn);
    await jira.addNewIssue({ fields: changeFields() });
    await standIn.transitionAs('CERT-1', 'Approved', ALICE.accountId);
    await jira.transitionIssue('CERT-1', { transition: { id: '31' } });
    await standIn.webhooksSettled();
    await standIn.setField('CERT-1', 'customfield_10050', '2026-12-05', ALICE.accountId);
    expect(
      received.map((delivery) => [verified(delivery), delivery.body.user.accountId, delivery.body.changelog.items]),
    ).toEqual([
      [true, ALICE.accountId, [expect.objectContaining({ field: 'status', toString: 'Approved' })]],
      [
        true,
        CERTFLOW_BOT.accountId,
        [expect.objectContaining({ field: 'status', fromString: 'Approved', toString: 'In Progress' })],
      ],
      [
        true,
        ALICE.accountId,
        [
          {
            field: 'Change window start',
            fieldtype: 'custom',
            fieldId: 'customfield_10050',
            from: null,
            fromString: null,
            to: '2026-12-05',
            toString: '2026-12-05',
          },
        ],
      ],
    ]);
    expect(standIn.issue('CERT-1')?.fields.customfield_10050).toBe('2026-12-05');
  });

  it('an invalid transition or field is refused and sends nothing', async () => {
    await jiraClient(standIn).addNewIssue({ fields: changeFields() });
    await expect(standIn.transitionAs('CERT-1', 'Done', ALICE.accountId)).rejects.toThrow(
      "A transition to 'Done' is not valid",
    );
    await expect(standIn.transitionAs('CERT-1', 'Approved', 'nobody')).rejects.toThrow(
      'no user with accountId "nobody"',
    );
    await expect(standIn.transitionAs('CERT-9', 'Approved', ALICE.accountId)).rejects.toThrow('Issue does not exist');
    await expect(standIn.setField('CERT-1', 'customfield_10050', 'soon', ALICE.accountId)).rejects.toThrow(
      'YYYY-MM-DD',
    );
    expect(received).toEqual([]);
    expect(standIn.issue('CERT-1')?.fields.status.name).toBe('Awaiting approval');
  });

  it('a failed delivery is recorded, not thrown', async () => {
    await jiraClient(standIn).addNewIssue({ fields: changeFields() });
    answerStatus = 503;
    await standIn.transitionAs('CERT-1', 'Approved', ALICE.accountId);
    await new Promise((resolve) => receiver.close(resolve));
    await standIn.transitionAs('CERT-1', 'In Progress', ALICE.accountId);
    expect(standIn.webhookDeliveries).toMatchObject([{ status: 503 }, { error: expect.any(String) as unknown }]);
    expect(standIn.issue('CERT-1')?.fields.status.name).toBe('In Progress');
    receiver = http.createServer();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
});
