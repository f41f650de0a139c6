/**
 * certflow's Slack app, a Bolt app in one of two modes. Over HTTP its request listener is mounted on certflow's own
 * HTTP server at `/slack/events` (no Express, no second port), and Bolt verifies every request's signature and its
 * 5-minute replay window before any listener runs (R-SEC-1). In Socket Mode, for installs without a public URL, the
 * app opens a WebSocket to Slack with its app-level token instead and nothing is mounted: Slack's payloads arrive on
 * that connection, which the token authenticated. Over HTTP, {@link SlackRequestGuard} goes before Bolt: it refuses
 * replayed requests and timestamps off by more than a small skew either way, and answers what Bolt cannot route.
 */
import { App, HTTPReceiver, LogLevel, type Logger, SocketModeReceiver } from '@slack/bolt';
import { type RetryOptions, WebClient, type WebClientOptions } from '@slack/web-api';
import { requestUrl, type HttpMount } from '../shared/http';
import { registerListeners, type SlackListenerDependencies } from './listeners';
import { SlackRequestGuard } from './slack-request-guard';

/** Path Slack posts interactions, commands and events to. */
export const SLACK_EVENTS_PATH = '/slack/events';

/** What {@link createSlackApp} needs in either mode. */
export interface SlackAppCommonOptions extends SlackListenerDependencies {
  /** The bot token, `xoxb-…`. */
  readonly botToken: string;
  /** Web API base, e.g. a stand-in's `apiUrl`; Slack's own by default. */
  readonly slackApiUrl?: string;
  /** How Web API calls retry; a few quick retries by default, so start-up against an unreachable Slack fails fast. */
  readonly retryConfig?: RetryOptions;
}

/** HTTP: Slack posts to `/slack/events`, signed with the signing secret. */
export interface HttpModeOptions {
  /** The app's signing secret (Slack app settings, Basic Information). */
  readonly signingSecret: string;
  readonly appToken?: undefined;
}

/** Socket Mode: the app connects to Slack, so it needs no public URL and no signing secret. */
export interface SocketModeOptions {
  /** The app-level token, `xapp-…` with the `connections:write` scope. */
  readonly appToken: string;
  readonly signingSecret?: string;
}

/** Options of {@link createSlackApp}: the signing secret for HTTP, or the app-level token for Socket Mode. */
export type SlackAppOptions = SlackAppCommonOptions & (HttpModeOptions | SocketModeOptions);

/** A started Slack app; `Mount` is `HttpMount` over HTTP and null in Socket Mode. */
export interface SlackApp<Mount extends HttpMount | null = HttpMount> {
  readonly app: App;
  /**
   * Over HTTP, mount this on certflow's HTTP server (`startHttpServer({ handlers: [slackApp.mount] })`); null in
   * Socket Mode, where Slack's payloads come over the app's own connection.
   */
  readonly mount: Mount;
  /** Resolves when every listener that has started has finished (acknowledged requests keep working after). */
  idle(): Promise<void>;
  /** Closes the Socket Mode connection and resolves once it is closed; over HTTP there is nothing to close. */
  stop(): Promise<void>;
}

/** The app could not start: Slack is unreachable or refused the bot token or the app-level token. */
export class SlackStartError extends Error {
  override readonly name = 'SlackStartError';
}

const DEFAULT_RETRY: RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000 };

function boltLogger(log: (message: string) => void): Logger {
  let level = LogLevel.WARN;
  const write = (at: LogLevel, messages: unknown[]) => {
    const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
    if (order.indexOf(at) >= order.indexOf(level)) log(`slack: ${messages.map(String).join(' ')}`);
  };
  return {
    debug: (...messages) => write(LogLevel.DEBUG, messages),
    info: (...messages) => write(LogLevel.INFO, messages),
    warn: (...messages) => write(LogLevel.WARN, messages),
    error: (...messages) => write(LogLevel.ERROR, messages),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

const TOKEN_FIXES = {
  bot: "set the app's current xoxb- token in the certflow configuration",
  app:
    "set SLACK_APP_TOKEN to the app's app-level token (xapp-…, Basic Information → App-Level Tokens) with the " +
    'connections:write scope',
} as const;

const REFUSALS = ['invalid_auth', 'not_authed', 'account_inactive', 'not_allowed_token_type', 'missing_scope'];

function startFailure(error: unknown, slackApiUrl: string | undefined, token: 'bot' | 'app'): SlackStartError {
  const where = slackApiUrl ?? 'https://slack.com/api/';
  const code = (error as { code?: string } | null)?.code;
  const platformError = (error as { data?: { error?: string } } | null)?.data?.error;
  if (platformError !== undefined && REFUSALS.includes(platformError)) {
    return new SlackStartError(
      `Slack refused the ${token === 'bot' ? 'bot' : 'app-level'} token (${platformError}): ${TOKEN_FIXES[token]}`,
      { cause: error },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new SlackStartError(
    `Slack is not reachable at ${where} (${code ?? 'error'}: ${detail}): check the network and the Slack API URL, ` +
      'then start certflow again',
    { cause: error },
  );
}

/**
 * Opens the Socket Mode connection. Bolt's client would retry forever where this should fail: on refusals it deems
 * recoverable (a wrong kind of token, `not_allowed_token_type`), so one `apps.connections.open` of our own goes first,
 * and on a WebSocket that does not open, so the first error ends the start.
 */
async function connectSocket(
  receiver: SocketModeReceiver,
  appToken: string,
  clientOptions: WebClientOptions,
  logger: Logger,
): Promise<void> {
  await new WebClient(appToken, { ...clientOptions, logger }).apps.connections.open();
  let onError: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    onError = (error) => {
      const detail = error.message || 'it closed before it opened';
      reject(
        new SlackStartError(
          `the Socket Mode WebSocket to Slack did not open (${detail}): check that the network lets WebSockets ` +
            '(wss://) out, then start certflow again',
          { cause: error },
        ),
      );
    };
    receiver.client.once('error', onError);
  });
  try {
    await Promise.race([receiver.start(), failed]);
  } catch (error) {
    await receiver.client.disconnect();
    throw error;
  } finally {
    receiver.client.off('error', onError);
  }
}

/**
 * Builds the Slack app, checks the bot token with Slack (`auth.test`), registers the listeners and, in Socket Mode,
 * connects. Throws {@link SlackStartError} when Slack is unreachable or refuses a token.
 */
export function createSlackApp(options: SlackAppCommonOptions & HttpModeOptions): Promise<SlackApp>;
export function createSlackApp(options: SlackAppCommonOptions & SocketModeOptions): Promise<SlackApp<null>>;
export function createSlackApp(options: SlackAppOptions): Promise<SlackApp<HttpMount | null>>;
export async function createSlackApp(options: SlackAppOptions): Promise<SlackApp<HttpMount | null>> {
  const logger = boltLogger(options.log);
  const clientOptions: WebClientOptions = {
    ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
    retryConfig: options.retryConfig ?? DEFAULT_RETRY,
  };
  const { appToken, signingSecret } = options;
  const mode =
    appToken === undefined
      ? {
          kind: 'http' as const,
          receiver: new HTTPReceiver({
            signingSecret,
            endpoints: SLACK_EVENTS_PATH,
            logger,
            processBeforeResponse: false,
          }),
          guard: new SlackRequestGuard({ signingSecret, log: options.log }),
        }
      : {
          kind: 'socket' as const,
          appToken,
          // The socket's own Web API calls (apps.connections.open) take their options from installerOptions. Without a
          // retryConfig they keep Bolt's, which retries for hours: a reconnect that gave up would reject where nobody
          // listens and end the process. Start-up still fails fast, in connectSocket's own call.
          receiver: new SocketModeReceiver({
            appToken,
            logger,
            installerOptions: {
              clientOptions: {
                ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
                ...(options.retryConfig === undefined ? {} : { retryConfig: options.retryConfig }),
              },
            },
          }),
        };
  const app = new App({
    token: options.botToken,
    receiver: mode.receiver,
    logger,
    deferInitialization: true,
    clientOptions,
  });

  const running = new Set<Promise<void>>();
  app.use(async ({ next }) => {
    const work = next();
    running.add(work);
    try {
      await work;
    } finally {
      running.delete(work);
    }
  });
  registerListeners(app, options);

  try {
    await app.init();
  } catch (error) {
    throw startFailure(error, options.slackApiUrl, 'bot');
  }
  const idle = async () => {
    await Promise.allSettled([...running]);
  };
  if (mode.kind === 'socket') {
    const { client } = mode.receiver;
    try {
      await connectSocket(mode.receiver, mode.appToken, clientOptions, logger);
    } catch (error) {
      throw error instanceof SlackStartError ? error : startFailure(error, options.slackApiUrl, 'app');
    }
    return { app, mount: null, idle, stop: () => client.disconnect() };
  }
  const { receiver, guard } = mode;
  return {
    app,
    mount: {
      prefix: SLACK_EVENTS_PATH,
      handler: async (request, response) => {
        // Bolt throws (a 500 with a stack in the log) for any path but its endpoint.
        if (requestUrl(request).pathname !== SLACK_EVENTS_PATH) return false;
        if (await guard.admit(request, response)) receiver.requestListener(request, response);
        return true;
      },
    },
    idle,
    stop: () => Promise.resolve(),
  };
}
