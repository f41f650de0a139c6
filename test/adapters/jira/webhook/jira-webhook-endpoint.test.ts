import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../../../../src/adapters/shared/http';
import {
  createJiraWebhookMount,
  JIRA_WEBHOOK_PATH,
  type ChangeTicketDelivery,
} from '../../../../src/adapters/jira/webhook/jira-webhook-endpoint';
import { DEFAULT_CHANGE_STATUSES } from '../../../../src/adapters/jira/jira-config';
import type { ChangeTicketUpdate } from '../../../../src/core/ports/ticketing-port';

const SECRET = 'jira-webhook-secret';

const APPROVED = JSON.stringify({
  webhookEvent: 'jira:issue_updated',
  timestamp: Date.parse('2026-12-01T10:00:00Z'),
  user: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Chris Change' },
  issue: { key: 'CHG-7', fields: { status: { name: 'Approved' } } },
  changelog: { items: [{ field: 'status', fromString: 'Awaiting approval', toString: 'Approved' }] },
});

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('R-SEC-1, R-MON-2: the Jira webhook endpoint', () => {
  let server: RunningHttpServer;
  let delivered: ChangeTicketUpdate[];
  let outcome: ChangeTicketDelivery | Error;
  let logged: string[];

  beforeAll(async () => {
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      handlers: [
        createJiraWebhookMount({
          secret: SECRET,
          config: { changeStatuses: DEFAULT_CHANGE_STATUSES, customFields: {} },
          deliver: (update) => {
            delivered.push(update);
            return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
          },
          log: (line) => logged.push(line),
        }),
      ],
    });
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    delivered = [];
    outcome = 'signalled';
    logged = [];
  });

  const post = (body: string, headers: Record<string, string>, method = 'POST') =>
    fetch(`${server.url}${JIRA_WEBHOOK_PATH}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      ...(method === 'POST' ? { body } : {}),
    });

  it('a correctly signed approval reaches the lifecycle once', async () => {
    const answer = await post(APPROVED, { 'X-Hub-Signature': sign(APPROVED) });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ outcome: 'signalled', ticket: 'CHG-7', decision: 'approved' });
    expect(delivered).toEqual([expect.objectContaining({ ticketKey: 'CHG-7', decision: 'approved' })]);
  });

  it.each([
    ['no signature', {}],
    ['another secret', { 'X-Hub-Signature': sign(APPROVED, 'guessed') }],
    ['a signature of another body', { 'X-Hub-Signature': sign(`${APPROVED} `) }],
    ['a sha1 signature', { 'X-Hub-Signature': `sha1=${createHmac('sha1', SECRET).update(APPROVED).digest('hex')}` }],
    ['a malformed header', { 'X-Hub-Signature': 'sha256=zz' }],
  ])('%s gets 401 and changes nothing', async (_, headers) => {
    const answer = await post(APPROVED, headers);
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: string }).error).toMatch(/JIRA_WEBHOOK_SECRET/);
    expect(delivered).toEqual([]);
    expect(logged).toHaveLength(1);
  });

  it('a signed body that is not JSON, or not Jira’s, gets 400 and changes nothing', async () => {
    for (const body of ['{"webhookEvent":', JSON.stringify({ webhookEvent: 'jira:issue_updated' })]) {
      const answer = await post(body, { 'X-Hub-Signature': sign(body) });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: string }).error).toMatch(/^not a Jira webhook certflow can read/);
    }
    expect(delivered).toEqual([]);
  });

  it('an event certflow does not act on is acknowledged and ignored', async () => {
    const body = JSON.stringify({ webhookEvent: 'jira:issue_deleted', issue: { key: 'CHG-7' } });
    const answer = await post(body, { 'X-Hub-Signature': sign(body) });
    expect(await answer.json()).toEqual({ outcome: 'ignored' });
    expect(delivered).toEqual([]);
  });

  it('a ticket certflow does not know is acknowledged, so Jira does not retry it', async () => {
    outcome = 'unknown-ticket';
    const answer = await post(APPROVED, { 'X-Hub-Signature': sign(APPROVED) });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ outcome: 'unknown-ticket' });
  });

  it('a lifecycle that cannot be reached gets 503, so Jira retries, and the log says why', async () => {
    outcome = new Error('Temporal is not reachable at 127.0.0.1:7233');
    const answer = await post(APPROVED, { 'X-Hub-Signature': sign(APPROVED) });
    expect(answer.status).toBe(503);
    expect(logged).toEqual(['Jira webhook for CHG-7 not delivered: Temporal is not reachable at 127.0.0.1:7233']);
  });

  it('only POST is allowed', async () => {
    const answer = await post('', {}, 'GET');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });
});
