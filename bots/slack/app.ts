/**
 * certflow's Slack app: a Bolt app whose request listener is mounted on certflow's own HTTP server at
 * `/slack/events` (no Express, no second port). Bolt verifies every request's signature and its 5-minute replay
 * window before any listener runs (R-SEC-1).
 */
import { App, HTTPReceiver, LogLevel, type Logger } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { HttpMount } from '../../integrations/http/http-server';
import { registerListeners, type SlackListenerDependencies } from './listeners';

/** Path Slack posts interactions, commands and events to. */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Options of {@link createSlackApp}. */
export interface SlackAppOptions extends SlackListenerDependencies {
  /** The app's signing secret (Slack app settings, Basic Information). */
  readonly signingSecret: string;
  /** The bot token, `xoxb-…`. */
  readonly botToken: string;
  /** Web API base, e.g. a stand-in's `apiUrl`; Slack's own by default. */
  readonly slackApiUrl?: string;
  /** How Web API calls retry; a few quick retries by default, so start-up against an unreachable Slack fails fast. */
  readonly retryConfig?: RetryOptions;
}

/** A started Slack app. */
export interface SlackApp {
  readonly app: App;
  /** Mount this on certflow's HTTP server (`startHttpServer({ handlers: [slackApp.mount] })`). */
  readonly mount: HttpMount;
  /** Resolves when every listener that has started has finished (acknowledged requests keep working after). */
  idle(): Promise<void>;
}

/** The app could not start: Slack is unreachable or refused the bot token. */
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

function startFailure(error: unknown, slackApiUrl: string | undefined): SlackStartError {
  const where = slackApiUrl ?? 'https://slack.com/api/';
  const code = (error as { code?: string } | null)?.code;
  const platformError = (error as { data?: { error?: string } } | null)?.data?.error;
  if (platformError === 'invalid_auth' || platformError === 'not_authed' || platformError === 'account_inactive') {
    return new SlackStartError(
      `Slack refused the bot token (${platformError}): set the app's current xoxb- token in the certflow configuration`,
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
 * Builds the Slack app, checks the bot token with Slack (`auth.test`) and registers the listeners. Throws
 * {@link SlackStartError} when Slack is unreachable or refuses the token.
 */
export async function createSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const logger = boltLogger(options.log);
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    logger,
    processBeforeResponse: false,
  });
  const app = new App({
    token: options.botToken,
    receiver,
    logger,
    deferInitialization: true,
    clientOptions: {
      ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
      retryConfig: options.retryConfig ?? DEFAULT_RETRY,
    },
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
    throw startFailure(error, options.slackApiUrl);
  }
  return {
    app,
    mount: {
      prefix: SLACK_EVENTS_PATH,
      handler: (request, response) => {
        receiver.requestListener(request, response);
        return true;
      },
    },
    idle: async () => {
      await Promise.allSettled([...running]);
    },
  };
}
