import { once } from 'node:events';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type SlackStandIn, startSlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';
import { SocketModeFrameError } from '../../../../src/adapters/slack/stand-in/socket-mode';
import { STAND_IN_BOT } from '../../../../src/adapters/slack/stand-in/stand-in-state';
import { SlackDriverError } from '../../../../src/adapters/slack/stand-in/user-driver';

const BOT_TOKEN = 'xoxb-stand-in-test';
const APP_TOKEN = 'xapp-1-stand-in-test';
const BLOCKS = [
  {
    type: 'actions',
    block_id: 'decide',
    elements: [{ type: 'button', action_id: 'approve', value: 'req-1', text: { type: 'plain_text', text: 'OK' } }],
  },
];

let standIn: SlackStandIn;
const sockets: WebSocket[] = [];

/** Slack's error name for a call WebClient rejected. */
async function slackError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  return (error as { data?: { error?: string } }).data?.error ?? String(error);
}

function client(token: string): WebClient {
  return new WebClient(token, { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
}

/** A Socket Mode app by hand: connects with a fresh URL and hands every frame it receives to `onFrame`. */
async function connectApp(onFrame: (frame: Record<string, unknown>, socket: WebSocket) => void) {
  const { url = '' } = await client(APP_TOKEN).apps.connections.open();
  const socket = new WebSocket(url);
  sockets.push(socket);
  const hello = new Promise<Record<string, unknown>>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (frame.type === 'hello') resolve(frame);
      else onFrame(frame, socket);
    });
  });
  return { socket, hello: await hello };
}

/** Acknowledges every envelope with `payload`. */
function ackWith(payload?: Record<string, unknown>) {
  return (frame: Record<string, unknown>, socket: WebSocket) =>
    socket.send(JSON.stringify({ envelope_id: frame.envelope_id, ...(payload === undefined ? {} : { payload }) }));
}

beforeAll(async () => {
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    signingSecret: 'unused-here',
    users: [{ id: 'U0BOB', name: 'bob' }],
    channels: [{ id: 'C0APPROVERS', name: 'approvers' }],
  });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await standIn.socketMode.disconnected();
});

afterAll(() => standIn.close());

describe('Slack stand-in: apps.connections.open', () => {
  it('hands the app-level token a one-time ws:// URL on the stand-in', async () => {
    const answer = await client(APP_TOKEN).apps.connections.open();
    expect(answer.ok).toBe(true);
    expect(answer.url).toMatch(new RegExp(`^${standIn.url.replace('http', 'ws')}/link/\\?ticket=`));
  });

  it('refuses the bot token as not_allowed_token_type, and the app token on bot methods', async () => {
    expect(await slackError(client(BOT_TOKEN).apps.connections.open())).toBe('not_allowed_token_type');
    expect(await slackError(client(APP_TOKEN).chat.postMessage({ channel: 'C0APPROVERS', text: 'hi' }))).toBe(
      'not_allowed_token_type',
    );
  });

  it('refuses an unknown app-level token as invalid_auth', async () => {
    expect(await slackError(client('xapp-1-someone-else').apps.connections.open())).toBe('invalid_auth');
  });
});

describe('Slack stand-in: Socket Mode connections', () => {
  it('greets a connection with hello and refuses a second use of its URL', async () => {
    const { url = '' } = await client(APP_TOKEN).apps.connections.open();
    const first = new WebSocket(url);
    sockets.push(first);
    const [hello] = (await once(first, 'message')) as [Buffer];
    expect(JSON.parse(hello.toString('utf8'))).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: STAND_IN_BOT.appId },
    });
    expect(standIn.socketMode.connected).toBe(true);

    const second = new WebSocket(url);
    const [refusal] = (await once(second, 'error')) as [Error];
    expect(refusal.message).toMatch(/Unexpected server response: 403/);
  });

  it('delivers a click as an interactive envelope and returns the acknowledgement as the answer', async () => {
    const received: Record<string, unknown>[] = [];
    await connectApp((frame, socket) => {
      received.push(frame);
      ackWith()(frame, socket);
    });
    const { ts = '' } = await client(BOT_TOKEN).chat.postMessage({ channel: 'C0APPROVERS', text: 'x', blocks: BLOCKS });
    const answer = await standIn.as('U0BOB').click({ channel: 'C0APPROVERS', ts, actionId: 'approve' });
    expect(answer).toMatchObject({ status: 200, body: '', json: undefined });
    expect(received).toEqual([
      {
        envelope_id: expect.any(String),
        type: 'interactive',
        accepts_response_payload: true,
        payload: expect.objectContaining({ type: 'block_actions', user: expect.objectContaining({ id: 'U0BOB' }) }),
      },
    ]);
    expect(standIn.socketMode.envelopes.at(-1)).toMatchObject({ type: 'interactive', ack: {} });
  });

  it('applies a view_submission acknowledgement with response_action errors as Slack does: the modal stays open', async () => {
    const errors = { response_action: 'errors', errors: { reason: 'give a reason' } };
    await connectApp(ackWith(errors));
    const trigger = standIn.triggerFor('U0BOB');
    const { view } = await client(BOT_TOKEN).views.open({
      trigger_id: trigger,
      view: { type: 'modal', title: { type: 'plain_text', text: 'Reject' }, blocks: [] },
    });
    const answer = await standIn.as('U0BOB').submitView(view?.id ?? '', { reason: { text: '' } });
    expect(answer.json).toEqual(errors);
    expect(standIn.views('U0BOB').find((candidate) => candidate.id === view?.id)?.closed).toBe(false);
  });

  it('delivers slash commands and App Home events with their envelope types', async () => {
    const types: unknown[] = [];
    await connectApp((frame, socket) => {
      types.push([frame.type, frame.accepts_response_payload]);
      ackWith(frame.type === 'slash_commands' ? { text: 'pong' } : undefined)(frame, socket);
    });
    const command = await standIn.as('U0BOB').slashCommand('/certflow', 'help');
    await standIn.as('U0BOB').openHome();
    expect(types).toEqual([
      ['slash_commands', true],
      ['events_api', false],
    ]);
    expect(command.json).toEqual({ text: 'pong' });
    expect(standIn.ephemeral('U0BOB').at(-1)).toMatchObject({ text: 'pong', source: 'command_ack' });
  });

  it('asks connected apps to reconnect with a disconnect message, as Slack does every few hours', async () => {
    const frames: Record<string, unknown>[] = [];
    const { socket } = await connectApp((frame) => frames.push(frame));
    const received = once(socket, 'message');
    standIn.socketMode.requestRefresh();
    await received;
    expect(frames).toEqual([expect.objectContaining({ type: 'disconnect', reason: 'refresh_requested' })]);
  });

  it('refuses a signature mode over Socket Mode, where nothing is signed', async () => {
    await connectApp(ackWith());
    expect(() => standIn.as('U0BOB', { signature: 'forged' })).toThrow(SlackDriverError);
  });
});

describe('Slack stand-in: bad frames from the app', () => {
  it.each([
    ['not JSON', 'ack!', /not JSON/],
    ['without an envelope_id', JSON.stringify({ payload: {} }), /without a string envelope_id/],
    ['for an envelope never sent', JSON.stringify({ envelope_id: 'nope' }), /nope, which is not waiting/],
  ])('a frame %s is a SocketModeFrameError that fails the waiting click and closes the connection', async (...args) => {
    const [, frame, message] = args;
    const { socket } = await connectApp((_envelope, app) => app.send(frame));
    const closed = once(socket, 'close');
    const failed = once(standIn.socketMode, 'frame-error');
    const { ts = '' } = await client(BOT_TOKEN).chat.postMessage({ channel: 'C0APPROVERS', text: 'x', blocks: BLOCKS });
    const click = standIn.as('U0BOB').click({ channel: 'C0APPROVERS', ts, actionId: 'approve' });
    await expect(click).rejects.toThrow(SocketModeFrameError);
    await expect(click).rejects.toThrow(message);
    const [error] = (await failed) as [SocketModeFrameError];
    expect(error.message).toMatch(/acknowledge each envelope once with \{ envelope_id, payload\? \}/);
    const [code] = (await closed) as [number];
    expect(code).toBe(1008);
  });

  it.each([
    ['binary', Buffer.from('{}'), { binary: true }, /a binary frame/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), { binary: false }, /WebSocket layer refused \(.*UTF-8/],
  ])('a %s frame is a SocketModeFrameError too', async (_kind, bytes, options, message) => {
    const { socket } = await connectApp(() => undefined);
    const failed = once(standIn.socketMode, 'frame-error');
    socket.send(bytes, options);
    const [error] = (await failed) as [SocketModeFrameError];
    expect(error.message).toMatch(message);
  });

  it('an acknowledgement whose payload is not an object is refused', async () => {
    await connectApp((envelope, app) => app.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: 'ok' })));
    const click = standIn.as('U0BOB').openHome();
    await expect(click).rejects.toThrow(/whose payload is not an object/);
  });
});
