/**
 * Issue 17 fuzzing, the Jira webhook (R-MON-2, R-SEC-1): payloads shaped like Jira's `jira:issue_updated` with
 * fields swapped, missing, mistyped, oversized or nested deep, signed and unsigned, are answered 200, 400, 401 or 413
 * with a message, never a 500; a refused request reaches no lifecycle.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHANGE_STATUSES } from '../../src/adapters/jira/jira-config';
import { createJiraWebhookMount, JIRA_WEBHOOK_PATH } from '../../src/adapters/jira/webhook/jira-webhook-endpoint';
import {
  changeTicketReading,
  JiraWebhookPayloadError,
  parseIssueUpdated,
} from '../../src/adapters/jira/webhook/parse-issue-updated';
import { startHttpServer, type RunningHttpServer } from '../../src/adapters/shared/http';
import type { ChangeTicketUpdate } from '../../src/core/ports/ticketing-port';
import { fuzzParameters, hasStackTrace } from './fuzz-runs';
import { nastyString } from './mutations';

const SECRET = 'jira-fuzz-secret';
const CONFIG = {
  changeStatuses: DEFAULT_CHANGE_STATUSES,
  customFields: {
    changeWindowStart: { id: 'customfield_10100', type: 'datetime' },
    declineReason: { id: 'customfield_10101', type: 'text' },
  },
} as const;
const READING = changeTicketReading(CONFIG);

/** Stands for an ADF document nested that deep, spliced in as text: JSON.stringify itself cannot write one. */
const deepMarker = (depth: number) => `@@deep:${depth}@@`;

/** The payload as Jira (or an attacker) sends it: markers replaced by ADF nested that deep, a stack exhauster. */
function payloadText(value: unknown): string {
  return JSON.stringify(value).replace(/"@@deep:(\d+)@@"/g, (_, depth: string) => {
    const levels = Number(depth);
    return `${'{"type":"paragraph","content":['.repeat(levels)}{"type":"text","text":"why"}${']}'.repeat(levels)}`;
  });
}

const deep = fc.integer({ min: 1, max: 6_000 }).map(deepMarker);
const anyField = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('2026-12-03', '2026-12-03T08:00:00.000+0100', '2026-13-45', '+275760-09-13T00:00:00.000Z'),
  deep,
);
const statusName = fc.oneof(
  fc.constantFrom(
    ...DEFAULT_CHANGE_STATUSES.approved,
    ...DEFAULT_CHANGE_STATUSES.rejected,
    ...DEFAULT_CHANGE_STATUSES.pending,
    'Done',
  ),
  anyField,
);
/** Mostly the real thing, sometimes anything else: each field of a payload is swapped on its own. */
const often = <T>(real: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: real }, anyField);
/** Drops some keys of an object, as a payload from another Jira version or a hand-made request would. */
const withSomeMissing = <T extends Record<string, unknown>>(record: fc.Arbitrary<T>) =>
  fc
    .tuple(record, fc.array(fc.nat({ max: 9 }), { maxLength: 2 }))
    .map(([value, drops]) => Object.fromEntries(Object.entries(value).filter((_, index) => !drops.includes(index))));
/** A `jira:issue_updated` payload with each field real, missing or replaced by something else. */
const payload = withSomeMissing(
  fc.record({
    webhookEvent: often(fc.constantFrom('jira:issue_updated', 'comment_created')),
    timestamp: often(
      fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.constantFrom(1e20, -1e20, Number.MAX_SAFE_INTEGER)),
    ),
    user: often(withSomeMissing(fc.record({ accountId: anyField, displayName: anyField, name: anyField }))),
    issue: often(
      withSomeMissing(
        fc.record({
          key: often(fc.constantFrom('CHG-7', 'chg-1')),
          fields: often(
            withSomeMissing(
              fc.record({
                status: often(fc.record({ name: statusName })),
                resolution: often(fc.record({ name: anyField })),
                customfield_10100: anyField,
                customfield_10101: fc.oneof(deep, anyField),
              }),
            ),
          ),
        }),
      ),
    ),
    changelog: often(
      fc.record({
        items: often(
          fc.array(
            withSomeMissing(
              fc.record({
                field: often(fc.constantFrom('status', 'customfield_10100', 'toString', '__proto__')),
                fromString: anyField,
                toString: statusName,
              }),
            ),
            { maxLength: 3 },
          ),
        ),
      }),
    ),
    comment: often(fc.record({ body: fc.oneof(deep, anyField) })),
  }),
);

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('issue 17 fuzzing: the Jira webhook', () => {
  let server: RunningHttpServer;
  const delivered: ChangeTicketUpdate[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      handlers: [
        createJiraWebhookMount({
          secret: SECRET,
          config: CONFIG,
          deliver: (update) => {
            delivered.push(update);
            return Promise.resolve('signalled');
          },
          log: (line) => logged.push(line),
        }),
      ],
      log: (line) => logged.push(line),
    });
  });
  afterAll(() => server?.close());

  it('R-MON-2: parsing any payload gives an update, nothing, or a JiraWebhookPayloadError', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: payload }, fc.anything()), (value) => {
        const body = typeof value === 'object' && value !== null ? (JSON.parse(payloadText(value)) as unknown) : value;
        try {
          const update = parseIssueUpdated(body, READING);
          if (update !== null) {
            expect(update.ticketKey).not.toBe('');
            expect(Number.isNaN(Date.parse(update.at))).toBe(false);
          }
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(JiraWebhookPayloadError);
        }
      }),
      fuzzParameters(4),
    );
  });

  it('R-SEC-1, R-MON-2: every posted payload gets 200, 400, 401 or 413 with a message; refused ones reach no lifecycle', async () => {
    const body = fc.oneof(
      { weight: 6, arbitrary: payload.map(payloadText) },
      fc.string(),
      fc.constant(`{"webhookEvent":"jira:issue_updated","pad":"${'x'.repeat(1_100_000)}"}`),
    );
    const signature = fc.oneof(
      { weight: 6, arbitrary: fc.constant('valid' as const) },
      fc.constantFrom('wrong-secret' as const, 'missing' as const),
      nastyString.filter((text) => /^[\t\x20-\x7e]*$/.test(text)),
    );
    await fc.assert(
      fc.asyncProperty(body, signature, async (text, mode) => {
        delivered.length = 0;
        logged.length = 0;
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (mode === 'valid') headers['X-Hub-Signature'] = sign(text);
        else if (mode === 'wrong-secret') headers['X-Hub-Signature'] = sign(text, 'other');
        else if (mode !== 'missing') headers['X-Hub-Signature'] = mode;
        const answer = await fetch(`${server.url}${JIRA_WEBHOOK_PATH}`, { method: 'POST', headers, body: text });
        const replyText = await answer.text();
        // Refusals before the endpoint (a body over the server's limit) may answer in plain text.
        const reply = (replyText.startsWith('{') ? JSON.parse(replyText) : { error: replyText }) as {
          error?: string;
          outcome?: string;
        };
        // Node itself answers 431 to a header over its 16 KiB limit, before any handler.
        const allowed = mode.length > 16_000 ? [431] : [200, 400, 401, 413];
        expect(allowed, replyText.slice(0, 300)).toContain(answer.status);
        if (answer.status !== 200) {
          // A 413 closes the connection while the client may still be sending, so its text can be lost on the way;
          // Node answers 431 itself, without a body, before certflow sees the request.
          if (![413, 431].includes(answer.status)) expect(reply.error?.length ?? 0).toBeGreaterThan(10);
          expect(delivered).toEqual([]);
        }
        if (mode !== 'valid') expect([401, 413, 431]).toContain(answer.status);
        if (reply.outcome === 'ignored') expect(delivered).toEqual([]);
        expect(logged.some(hasStackTrace), logged.join('\n')).toBe(false);
      }),
      fuzzParameters(1),
    );
  });
});
