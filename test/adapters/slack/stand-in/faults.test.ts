import { LogLevel, WebClient, WebClientEvent } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidSlackFaultError } from '../../../../src/adapters/slack/stand-in/faults';
import { type SlackStandIn, startSlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';

const BOT_TOKEN = 'xoxb-stand-in-test';
// Retries are immediate so tests wait only for what Slack's Retry-After asks.
const FAST_RETRIES = { retries: 2, factor: 1, minTimeout: 1, maxTimeout: 1 };

let standIn: SlackStandIn;

function client(options: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl, logLevel: LogLevel.ERROR, ...options });
}

function postCalls() {
  return standIn.calls.filter((call) => call.method === 'chat.postMessage');
}

beforeEach(async () => {
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-here',
    channels: [{ id: 'C0OWNERS', name: 'web-owners' }],
  });
});

afterEach(() => standIn.close());

describe('Slack stand-in faults', () => {
  it('answers a rate-limited call with 429, Retry-After and ratelimited, as Slack does', async () => {
    standIn.faults.next('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
    const response = await fetch(`${standIn.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${BOT_TOKEN}` },
      body: 'channel=C0OWNERS&text=x',
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(standIn.messages('C0OWNERS')).toEqual([]);
  });

  it('WebClient retries a 429 after Retry-After and the message is delivered once', async () => {
    standIn.faults.next('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
    const slack = client({ retryConfig: FAST_RETRIES });
    const waits: number[] = [];
    slack.on(WebClientEvent.RATE_LIMITED, (seconds: number) => waits.push(seconds));
    const answer = await slack.chat.postMessage({ channel: 'C0OWNERS', text: 'reminder' });
    expect(answer.ok).toBe(true);
    expect(waits).toEqual([1]);
    expect(postCalls()).toEqual([
      { method: 'chat.postMessage', status: 429, error: 'ratelimited' },
      { method: 'chat.postMessage', status: 200 },
    ]);
    expect(standIn.messages('C0OWNERS').map((message) => message.text)).toEqual(['reminder']);
  });

  it('WebClient retries a 500 and the message is delivered once', async () => {
    standIn.faults.next('chat.postMessage', { status: 500 });
    const answer = await client({ retryConfig: FAST_RETRIES }).chat.postMessage({ channel: 'C0OWNERS', text: 'hi' });
    expect(answer.ok).toBe(true);
    expect(postCalls().map((call) => call.status)).toEqual([500, 200]);
    expect(standIn.messages('C0OWNERS')).toHaveLength(1);
  });

  it('a 500 after processing posts the message and then fails, as a lost answer does: a blind retry posts twice', async () => {
    standIn.faults.next('chat.postMessage', { status: 500, afterProcessing: true });
    const answer = await client({ retryConfig: FAST_RETRIES }).chat.postMessage({ channel: 'C0OWNERS', text: 'hi' });
    expect(answer.ok).toBe(true);
    expect(postCalls().map((call) => call.status)).toEqual([500, 200]);
    expect(standIn.messages('C0OWNERS').map((message) => message.text)).toEqual(['hi', 'hi']);
  });

  it("the random mode fails a seeded share of every method's calls, after queued faults, until turned off", async () => {
    standIn.faults.randomly({ rate: 1, seed: 7, timeoutMs: 600_000, retryAfterSeconds: 0 });
    standIn.faults.next('auth.test', { delayMs: 0 });
    const slack = client({ retryConfig: { retries: 0 }, timeout: 200 });
    expect(await slack.auth.test()).toMatchObject({ ok: true });
    await expect(slack.auth.test()).rejects.toThrow();
    standIn.faults.randomly(undefined);
    expect(await slack.auth.test()).toMatchObject({ ok: true });
  });

  it('faults apply to the next N calls of their method only', async () => {
    standIn.faults.next('chat.postMessage', { status: 500 }, 2);
    const slack = client({ retryConfig: { retries: 0 } });
    expect(await slack.auth.test()).toMatchObject({ ok: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(slack.chat.postMessage({ channel: 'C0OWNERS', text: 'x' })).rejects.toMatchObject({
        code: 'slack_webapi_http_error',
        statusCode: 500,
      });
    }
    expect((await slack.chat.postMessage({ channel: 'C0OWNERS', text: 'third' })).ok).toBe(true);
    expect(standIn.messages('C0OWNERS').map((message) => message.text)).toEqual(['third']);
  });

  it('a slow call outlasts a client timeout, and the next call is answered normally', async () => {
    standIn.faults.next('chat.postMessage', { delayMs: 600_000 });
    const slack = client({ retryConfig: { retries: 0 }, timeout: 100 });
    await expect(slack.chat.postMessage({ channel: 'C0OWNERS', text: 'slow' })).rejects.toMatchObject({
      code: 'slack_webapi_request_error',
    });
    expect((await slack.chat.postMessage({ channel: 'C0OWNERS', text: 'fast' })).ok).toBe(true);
    expect(standIn.messages('C0OWNERS').map((message) => message.text)).toEqual(['fast']);
  });

  it('a short delay still answers', async () => {
    standIn.faults.next('auth.test', { delayMs: 5 });
    expect(await client().auth.test()).toMatchObject({ ok: true });
  });

  it.each([
    ['a count below one', () => standIn.faults.next('auth.test', { status: 500 }, 0)],
    ['a fractional count', () => standIn.faults.next('auth.test', { status: 500 }, 1.5)],
    ['a negative delay', () => standIn.faults.next('auth.test', { delayMs: -1 })],
    ['a fractional Retry-After', () => standIn.faults.next('auth.test', { status: 429, retryAfterSeconds: 0.5 })],
  ])('refuses %s with InvalidSlackFaultError', (_name, queue) => {
    expect(queue).toThrow(InvalidSlackFaultError);
  });
});
