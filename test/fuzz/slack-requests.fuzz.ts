/**
 * Issue 17 fuzzing, Slack (R-SEC-1, R-SEC-2): slash commands, block actions and view submissions shaped like Slack's,
 * with fields swapped, missing or oversized, signed and forged, go through the real Bolt receiver behind certflow's
 * request guard. Every one is answered without a 500 or a crash in the log, a refused (unsigned) request reaches no
 * lifecycle, and whatever reaches a lifecycle names the Slack user who sent it, for the lifecycle to decide roles.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryStore } from '../../src/adapters/database/database';
import { startHttpServer, type RunningHttpServer } from '../../src/adapters/shared/http';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../src/adapters/slack/app';
import { startSlackStandIn, type SlackStandIn } from '../../src/adapters/slack/stand-in/slack-stand-in';
import { signSlackRequest } from '../../src/adapters/slack/stand-in/user-driver';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../src/adapters/slack/views/block-ids';
import type { LifecycleView } from '../../src/core/domain/lifecycle/lifecycle-view';
import type { Actor, LifecycleRequest } from '../../src/core/domain/lifecycle/model';
import type { InventoryStore } from '../../src/core/ports/inventory-store';
import { LifecycleRefusedError } from '../../src/core/ports/lifecycle-port';
import { fuzzParameters, hasStackTrace } from './fuzz-runs';
import { nastyString } from './mutations';

const BOT_TOKEN = 'xoxb-fuzz';
const SIGNING_SECRET = 'fuzz-signing-secret';
const MANAGED_ID = '5e1d2c3b4a596877';

/** A lifecycle that records who asked and refuses everyone, as one whose configuration gives nobody here a role. */
class RefusingLifecycles {
  readonly calls: { operation: string; by: Actor | undefined }[] = [];
  private refuse(operation: string, by: Actor | undefined): Promise<never> {
    this.calls.push({ operation, by });
    return Promise.reject(new LifecycleRefusedError('not-owner', 'only an owner of this certificate may do this'));
  }
  decide = (input: { decidedBy?: Actor }): Promise<LifecycleRequest> => this.refuse('decide', input.decidedBy);
  requestRenewal = (_id: string, input: { requestedBy: Actor }): Promise<LifecycleRequest> =>
    this.refuse('requestRenewal', input.requestedBy);
  status = (managedCertificateId: string): Promise<LifecycleView> =>
    Promise.resolve({ managedCertificateId, request: null, certificate: null } as unknown as LifecycleView);
}

const userId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('U0OWNER', 'U0OTHER', 'W0ENTERPRISE') }, nastyString);
const often = <T>(real: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: real }, nastyString, fc.jsonValue({ maxDepth: 2 }));
const withSomeMissing = <T extends Record<string, unknown>>(record: fc.Arbitrary<T>) =>
  fc
    .tuple(record, fc.array(fc.nat({ max: 9 }), { maxLength: 2 }))
    .map(([value, drops]) => Object.fromEntries(Object.entries(value).filter((_, index) => !drops.includes(index))));

const commandText = fc.oneof(
  fc.constantFrom(
    '',
    'help',
    'status',
    `status ${MANAGED_ID}`,
    `renew ${MANAGED_ID}`,
    'renew',
    'expiring 30',
    'expiring -1',
    'approvals',
    'campaign list',
    'campaign status',
    'campaign preview sig=sha1',
    'campaign start key=RSA<2048 group=payments',
    'campaign preview issuer="CN=Old',
  ),
  fc
    .tuple(
      fc.constantFrom('status', 'renew', 'expiring', 'campaign', 'campaign preview', 'campaign start'),
      nastyString,
    )
    .map(([word, rest]) => `${word} ${rest}`),
  nastyString,
);

/** A `/certflow` slash command as Slack posts it, form-encoded. */
const slashCommand = withSomeMissing(
  fc.record({
    command: often(fc.constantFrom('/certflow', '/other')),
    text: commandText,
    user_id: userId,
    user_name: nastyString,
    channel_id: often(fc.constant('C0FUZZ')),
    team_id: often(fc.constant('T0FUZZ')),
    trigger_id: often(fc.constant('1.2.fuzz')),
    response_url: fc.constant('RESPONSE_URL'),
  }),
).map((fields) => ({
  contentType: 'application/x-www-form-urlencoded',
  body: new URLSearchParams(
    Object.entries(fields).map(([key, value]): [string, string] => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  ).toString(),
}));

const buttonValue = fc.oneof(
  fc.constantFrom(MANAGED_ID, `${MANAGED_ID}@abcdef0123456789`, `${MANAGED_ID}.1.1`, 'campaign-1', ''),
  nastyString,
);
const blockActions = withSomeMissing(
  fc.record({
    type: often(fc.constant('block_actions')),
    user: often(withSomeMissing(fc.record({ id: userId, name: nastyString, team_id: fc.constant('T0FUZZ') }))),
    team: often(fc.record({ id: fc.constant('T0FUZZ') })),
    channel: often(fc.record({ id: fc.constant('C0FUZZ') })),
    container: often(
      fc.record({
        type: fc.constant('message'),
        message_ts: fc.constant('1.000001'),
        channel_id: fc.constant('C0FUZZ'),
      }),
    ),
    message: often(fc.record({ ts: fc.constant('1.000001'), text: nastyString, blocks: fc.constant([]) })),
    trigger_id: often(fc.constant('1.2.fuzz')),
    response_url: fc.constant('RESPONSE_URL'),
    actions: often(
      fc.array(
        withSomeMissing(
          fc.record({
            type: often(fc.constantFrom('button', 'static_select', 'plain_text_input')),
            action_id: often(fc.constantFrom(...Object.values(ACTION_IDS))),
            block_id: often(fc.constantFrom(...Object.values(BLOCK_IDS))),
            value: often(buttonValue),
            action_ts: fc.constant('1.000002'),
          }),
        ),
        { minLength: 1, maxLength: 2 },
      ),
    ),
  }),
);
const stateValues = fc.dictionary(
  fc.oneof(fc.constantFrom(...Object.values(BLOCK_IDS)), nastyString),
  fc.dictionary(
    fc.oneof(fc.constantFrom(...Object.values(ACTION_IDS)), nastyString),
    often(
      fc.record(
        {
          type: fc.constantFrom('plain_text_input', 'static_select', 'datepicker', 'checkboxes'),
          value: often(nastyString),
          selected_option: often(fc.record({ value: nastyString })),
          selected_date: often(fc.constantFrom('2026-12-31', '1900-01-01', '2026-02-30')),
          selected_options: often(fc.array(fc.record({ value: nastyString }), { maxLength: 2 })),
        },
        { requiredKeys: ['type'] },
      ),
    ),
    { maxKeys: 3 },
  ),
  { maxKeys: 4 },
);
const viewSubmission = withSomeMissing(
  fc.record({
    type: often(fc.constantFrom('view_submission', 'view_closed')),
    user: often(withSomeMissing(fc.record({ id: userId, name: nastyString }))),
    team: often(fc.record({ id: fc.constant('T0FUZZ') })),
    trigger_id: often(fc.constant('1.2.fuzz')),
    view: often(
      withSomeMissing(
        fc.record({
          id: fc.constant('V0FUZZ'),
          type: fc.constant('modal'),
          callback_id: often(fc.constantFrom(...Object.values(CALLBACK_IDS))),
          private_metadata: often(
            fc.oneof(
              fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
              fc.constantFrom(
                JSON.stringify({ requestId: `${MANAGED_ID}.1.1`, channel: 'C0FUZZ', ts: '1.000001' }),
                JSON.stringify({ selectorText: 'sig=sha1' }),
              ),
            ),
          ),
          state: often(fc.record({ values: stateValues })),
        }),
      ),
    ),
  }),
);
/** An interactive payload: form-encoded `payload=<json>`, the JSON sometimes broken or far too large. */
const interaction = fc
  .oneof(blockActions, viewSubmission, fc.jsonValue({ maxDepth: 3 }))
  .chain((payload) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(JSON.stringify(payload)) },
      fc.constant(JSON.stringify(payload).slice(0, -1)),
      fc.constant(`${JSON.stringify(payload)}${' '.repeat(1_100_000)}`),
    ),
  )
  .map((json) => ({
    contentType: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({ payload: json }).toString(),
  }));
const otherBody = fc.oneof(
  fc.record({
    contentType: fc.constant('application/json'),
    body: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  }),
  fc.record({
    contentType: fc.constant('application/json'),
    body: fc.constant(JSON.stringify({ type: 'url_verification', challenge: 'c' })),
  }),
  fc.record({
    contentType: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'),
    body: nastyString,
  }),
);
const request = fc.oneof({ weight: 3, arbitrary: slashCommand }, { weight: 4, arbitrary: interaction }, otherBody);

/** Lines that mean the app crashed rather than answered: a JavaScript error leaking into the log. */
const CRASH = /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|unhandled error|Cannot read propert/i;

describe('issue 17 fuzzing: Slack requests through the Bolt receiver', () => {
  let standIn: SlackStandIn;
  let server: RunningHttpServer;
  let slack: SlackApp;
  let store: InventoryStore;
  const lifecycles = new RefusingLifecycles();
  const logged: string[] = [];

  beforeAll(async () => {
    store = await openInventoryStore({ url: ':memory:' });
    standIn = await startSlackStandIn({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      users: [
        { id: 'U0OWNER', name: 'olivia' },
        { id: 'U0OTHER', name: 'oscar' },
      ],
      channels: [{ id: 'C0FUZZ', name: 'owners', members: ['U0OWNER', 'U0OTHER'] }],
    });
    slack = await createSlackApp({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      slackApiUrl: standIn.apiUrl,
      lifecycles,
      store,
      log: (line) => logged.push(line),
      ackBudgetMs: 500,
    });
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      handlers: [slack.mount],
      log: (line) => logged.push(line),
    });
  });
  afterAll(async () => {
    await server?.close();
    await standIn?.close();
    await store?.close();
  });

  it('R-SEC-1, R-SEC-2: every fuzzed request is answered without a 500 or a crash; unsigned ones reach no lifecycle', async () => {
    await fc.assert(
      fc.asyncProperty(
        request,
        fc.constantFrom('valid', 'valid', 'valid', 'forged', 'missing'),
        async ({ contentType, body }, signature) => {
          lifecycles.calls.length = 0;
          logged.length = 0;
          const text = body.replaceAll('RESPONSE_URL', encodeURIComponent(`${standIn.url}/response/none`));
          const timestamp = Math.floor(Date.now() / 1000);
          const headers: Record<string, string> = {
            'Content-Type': contentType,
            'X-Slack-Request-Timestamp': String(timestamp),
          };
          if (signature !== 'missing') {
            headers['X-Slack-Signature'] = signSlackRequest(
              signature === 'valid' ? SIGNING_SECRET : 'not-the-secret',
              timestamp,
              text,
            );
          }
          const answer = await fetch(`${server.url}${SLACK_EVENTS_PATH}`, { method: 'POST', headers, body: text });
          const reply = await answer.text();
          await slack.idle();
          expect(answer.status, [reply.slice(0, 300), ...logged].join('\n')).toBeLessThan(500);
          if (signature !== 'valid') expect([401, 413]).toContain(answer.status);
          if (answer.status !== 200) {
            expect(lifecycles.calls).toEqual([]);
            // certflow's refusals say why; Bolt answers a payload type it has no listener kind for with a bare 404.
            if ([400, 401].includes(answer.status)) expect(reply.length, `status ${answer.status}`).toBeGreaterThan(0);
          }
          for (const call of lifecycles.calls) expect(call.by?.id ?? '', JSON.stringify(call)).toMatch(/^slack:./s);
          expect(logged.filter((line) => CRASH.test(line) || hasStackTrace(line))).toEqual([]);
        },
      ),
      fuzzParameters(1),
    );
  });
});
