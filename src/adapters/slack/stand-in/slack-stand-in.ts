/**
 * A local stand-in for Slack: the Web API at `<url>/api/<method>` (point a WebClient at it with `slackApiUrl`),
 * response_url endpoints at `<url>/response/<id>`, Socket Mode connections at `ws://…/link/`, recorded state for
 * tests, switchable faults, and a user driver that sends signed interactions to the app's Bolt endpoint or envelopes
 * over its Socket Mode connection. Like Slack it answers HTTP 200 with `ok: false` for
 * API errors, and 429 with Retry-After when rate limited. Its web page at `<url>/` shows the workspace as one user
 * at a time and clicks for them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, requestUrl, type RunningHttpServer, sendJson, startHttpServer } from '../../shared/http';
import { SlackFaults } from './faults';
import { isObject, type MethodArguments, parseMethodArguments, SlackMethodError } from './method-arguments';
import { SocketModeStandIn } from './socket-mode';
import {
  type RecordedCall,
  type RecordedEphemeral,
  type RecordedMessage,
  type RecordedResponseUrl,
  type RecordedView,
  STAND_IN_BOT,
  type StandInChannel,
  StandInState,
  type StandInUser,
  type StandInUserGroup,
} from './stand-in-state';
import { SlackDriverError, SlackUserDriver, type UserDriverOptions } from './user-driver';
import { APP_TOKEN_METHODS, WEB_API_METHODS } from './web-api-methods';
import { createStandInPage } from './web-page';

/** How to start the stand-in. */
export interface SlackStandInOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on; `127.0.0.1` by default. */
  readonly host?: string;
  /** The bot token (`xoxb-…`), which every Web API method but `apps.connections.open` takes. */
  readonly botToken: string;
  /** The app-level token (`xapp-…`) `apps.connections.open` takes; without it Socket Mode is refused. */
  readonly appToken?: string;
  /** The secret the user driver signs requests with; the app must verify with the same one. */
  readonly signingSecret: string;
  readonly users?: readonly StandInUser[];
  readonly userGroups?: readonly StandInUserGroup[];
  readonly channels?: readonly StandInChannel[];
  /** The app's Bolt endpoint, the user driver's default target. */
  readonly appUrl?: string;
  /** The clock for `ts` values and signature timestamps; `Date.now` by default. */
  readonly nowMilliseconds?: () => number;
}

/** A running stand-in. */
export interface SlackStandIn {
  /** Base URL, e.g. `http://127.0.0.1:43117`. */
  readonly url: string;
  /** The Web API base to give WebClient as `slackApiUrl` (ends with `/api/`). */
  readonly apiUrl: string;
  readonly faults: SlackFaults;
  /** Socket Mode: connections, the envelopes sent over them and the app's acknowledgements. */
  readonly socketMode: SocketModeStandIn;
  /** Every Web API call so far, oldest first (faulted calls included). */
  readonly calls: readonly RecordedCall[];
  /** The messages of a channel (id, name or a user id for the app's DM with them), oldest first. */
  messages(channel: string): readonly RecordedMessage[];
  /** The ephemeral messages one user saw, oldest first. */
  ephemeral(userId: string): readonly RecordedEphemeral[];
  /** The views the app opened or published for one user (home and modals), in the order they were first shown. */
  views(userId: string): readonly RecordedView[];
  /** The id of the app's DM channel with a user, if one was opened. */
  dmChannel(userId: string): string | undefined;
  /** What the app posted to a response_url handed out by the user driver. */
  responseUrl(url: string): RecordedResponseUrl | undefined;
  /** A fresh trigger id, as if the user had just interacted, for calling `views.open` directly. */
  triggerFor(userId: string): string;
  /** A Slack user acting against the app's Bolt endpoint, or over Socket Mode (see UserDriverOptions.transport). */
  as(userId: string, options?: UserDriverOptions): SlackUserDriver;
  /** Closes Socket Mode connections and stops the server; calls held by a delay fault are dropped unanswered. */
  close(): Promise<void>;
}

/** The driver was asked to act but neither it nor the stand-in knows where the app listens. */
export class SlackAppUrlMissingError extends Error {
  override readonly name = 'SlackAppUrlMissingError';
  constructor() {
    super(
      'the Slack stand-in does not know the app endpoint: pass appUrl to startSlackStandIn() or to as(), ' +
        'or connect the app over Socket Mode first',
    );
  }
}

function presentedToken(request: IncomingMessage, args: MethodArguments, json: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  // Slack ignores a token inside a JSON body: JSON calls must authenticate with the header.
  if (json) return undefined;
  return typeof args.token === 'string' && args.token !== '' ? args.token : undefined;
}

/** Starts the stand-in; resolves once it listens. */
export async function startSlackStandIn(options: SlackStandInOptions): Promise<SlackStandIn> {
  const nowMilliseconds = options.nowMilliseconds ?? (() => Date.now());
  const state = new StandInState(nowMilliseconds, options);
  const faults = new SlackFaults();
  const socketMode = new SocketModeStandIn();
  const held = new Set<{ timer: NodeJS.Timeout; response: ServerResponse; release: (go: boolean) => void }>();

  const hold = (milliseconds: number, response: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.release(true), milliseconds),
        response,
        release: (go: boolean) => {
          clearTimeout(entry.timer);
          held.delete(entry);
          resolve(go);
        },
      };
      held.add(entry);
    });

  const answerApi = async (request: IncomingMessage, response: ServerResponse, method: string) => {
    const body = new TextDecoder().decode(await readRequestBody(request));
    const fault = faults.take(method);
    if (fault !== undefined && 'delayMs' in fault && !(await hold(fault.delayMs, response))) return;
    // A 500 after processing takes effect first, as when Slack's answer is lost: what a client must not repeat.
    const failAfterwards = fault !== undefined && 'status' in fault && fault.status === 500 && fault.afterProcessing;
    if (fault !== undefined && 'status' in fault && !failAfterwards) {
      state.calls.push({ method, status: fault.status, error: fault.status === 429 ? 'ratelimited' : 'http_500' });
      if (fault.status === 429) {
        sendJson(
          response,
          429,
          { ok: false, error: 'ratelimited' },
          { 'Retry-After': String(fault.retryAfterSeconds) },
        );
      } else {
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error');
      }
      return;
    }
    let answer: Record<string, unknown>;
    try {
      const query = requestUrl(request).searchParams;
      const parsed = parseMethodArguments(request.headers['content-type'], body, query);
      const token = presentedToken(request, parsed.arguments, parsed.json);
      if (token === undefined) throw new SlackMethodError('not_authed', 'no token was sent');
      const isAppToken = token === options.appToken;
      if (token !== options.botToken && !isAppToken) {
        throw new SlackMethodError('invalid_auth', 'the token is neither the bot token nor the app-level token');
      }
      const handle = WEB_API_METHODS[method];
      if (handle === undefined) throw new SlackMethodError('unknown_method', `the stand-in has no ${method}`);
      if (APP_TOKEN_METHODS.has(method) !== isAppToken) {
        throw new SlackMethodError('not_allowed_token_type', `${method} does not take this kind of token`);
      }
      answer = { ok: true, ...handle(parsed.arguments, state, socketMode) };
    } catch (error) {
      if (!(error instanceof SlackMethodError)) throw error;
      answer = { ok: false, error: error.code };
    }
    if (failAfterwards) {
      state.calls.push({ method, status: 500, error: 'http_500' });
      response.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error');
      return;
    }
    state.calls.push({ method, status: 200, ...(answer.ok === true ? {} : { error: String(answer.error) }) });
    sendJson(response, 200, answer, {
      'X-OAuth-Scopes':
        'chat:write,commands,im:write,users:read,usergroups:read,channels:history,groups:history,im:history,mpim:history',
    });
  };

  /** The upload URL files.getUploadURLExternal handed out: takes the file's bytes once. */
  const answerUpload = async (request: IncomingMessage, response: ServerResponse, id: string) => {
    const bytes = await readRequestBody(request);
    const file = state.files.get(id);
    if (file === undefined || file.completed || request.method !== 'POST') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('no pending upload here');
      return;
    }
    file.content = bytes;
    response.writeHead(200, { 'Content-Type': 'text/plain' }).end(`OK - ${bytes.length}`);
  };

  /** A shared file's bytes, as the page's download link fetches them. */
  const answerFile = (response: ServerResponse, id: string) => {
    const file = state.files.get(id);
    if (file?.content == null || !file.completed) {
      sendJson(response, 404, { ok: false, error: 'file_not_found' });
      return;
    }
    const safeName = file.name.replace(/[^A-Za-z0-9._-]/g, '_');
    response
      .writeHead(200, {
        'Content-Type': safeName.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${safeName}"`,
      })
      .end(file.content);
  };

  const answerResponseUrl = async (request: IncomingMessage, response: ServerResponse, id: string) => {
    const record = state.responseUrls.get(id);
    if (record === undefined || request.method !== 'POST') {
      await readRequestBody(request);
      return sendJson(response, 404, { ok: false, error: 'expired_url' });
    }
    let post: unknown;
    try {
      post = JSON.parse(new TextDecoder().decode(await readRequestBody(request)));
    } catch {
      post = undefined;
    }
    if (!isObject(post)) return sendJson(response, 400, { ok: false, error: 'invalid_payload' });
    record.posts.push(post);
    const text = typeof post.text === 'string' ? post.text : '';
    const blocks = Array.isArray(post.blocks) ? post.blocks.filter((block) => isObject(block)) : [];
    const original = state.messages.get(record.channel ?? '')?.find((message) => message.ts === record.messageTs);
    if (post.delete_original === true && original !== undefined) original.deleted = true;
    else if (post.replace_original === true && original !== undefined)
      state.edit(original.channel, original.ts, { text, blocks });
    else if (post.response_type === 'in_channel' && record.channel !== undefined) {
      state.post(record.channel, { text, blocks, user: STAND_IN_BOT.userId });
    } else {
      state.postEphemeral({ channel: record.channel ?? '', user: record.user, text, blocks, source: 'response_url' });
    }
    sendJson(response, 200, { ok: true });
  };

  const server: RunningHttpServer = await startHttpServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    upgrade: socketMode.upgrade,
    handlers: [
      {
        prefix: '/api',
        handler: async (request, response) => {
          const method = requestUrl(request).pathname.slice('/api/'.length);
          await answerApi(request, response, method);
          return true;
        },
      },
      {
        prefix: '/response',
        handler: async (request, response) => {
          const id = requestUrl(request).pathname.slice('/response/'.length);
          await answerResponseUrl(request, response, id);
          return true;
        },
      },
      {
        prefix: '/upload/',
        handler: async (request, response) => {
          await answerUpload(request, response, requestUrl(request).pathname.slice('/upload/'.length));
          return true;
        },
      },
      {
        prefix: '/files/',
        handler: (request, response) => {
          answerFile(response, requestUrl(request).pathname.slice('/files/'.length));
          return true;
        },
      },
      // Last: the most specific prefix wins, so the page only gets what the Web API and response_urls do not take.
      { prefix: '/', handler: (request, response) => page(request, response) },
    ],
  });
  const url = server.url;
  state.baseUrl = url;
  socketMode.listenAt(url);

  const newResponseUrl = (user: string, channel?: string, messageTs?: string) => {
    const id = state.nextIdentifier('R');
    const responseUrl = `${url}/response/${id}`;
    state.responseUrls.set(id, { id, url: responseUrl, user, channel, messageTs, posts: [] });
    return responseUrl;
  };

  const standIn: SlackStandIn = {
    url,
    apiUrl: `${url}/api/`,
    faults,
    socketMode,
    calls: state.calls,
    messages: (channel) => state.messages.get(state.findChannel(channel) ?? channel) ?? [],
    ephemeral: (userId) => state.ephemeral.get(userId) ?? [],
    views: (userId) => [...state.views.values()].filter((view) => view.user === userId),
    dmChannel: (userId) => state.dmChannels.get(userId),
    responseUrl: (responseUrl) => [...state.responseUrls.values()].find((record) => record.url === responseUrl),
    triggerFor: (userId) => state.issueTrigger(userId),
    as: (userId, driverOptions = {}) => {
      const context = { state, signingSecret: options.signingSecret, nowMilliseconds, newResponseUrl };
      const appUrl = driverOptions.appUrl ?? options.appUrl;
      const transport = driverOptions.transport ?? (appUrl === undefined && socketMode.connected ? 'socket' : 'http');
      if (transport === 'socket') {
        if (driverOptions.signature !== undefined) {
          throw new SlackDriverError('Socket Mode envelopes are not signed: use signature with the HTTP transport');
        }
        return new SlackUserDriver(context, userId, { kind: 'socket', socketMode });
      }
      if (appUrl === undefined) throw new SlackAppUrlMissingError();
      return new SlackUserDriver(context, userId, {
        kind: 'http',
        appUrl,
        signature: driverOptions.signature ?? 'valid',
      });
    },
    close: async () => {
      for (const entry of [...held]) {
        entry.response.destroy();
        entry.release(false);
      }
      await socketMode.close();
      await server.close();
    },
  };
  const page = createStandInPage({ state, as: (userId) => standIn.as(userId) });
  return standIn;
}
