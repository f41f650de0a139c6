/**
 * Requests no listener of certflow takes: a button of another app or of an older certflow, a modal callback, a slash
 * command or a shortcut certflow does not have. Bolt would leave them unacknowledged, so Slack would wait 3 seconds
 * and show the user an error (and certflow answer 404): this global middleware acknowledges them at once, tells the
 * user when Slack lets it, and logs one line.
 */
import type { AnyMiddlewareArgs, App, RespondFn } from '@slack/bolt';
import { ACTION_IDS, CALLBACK_IDS } from '../views/block-ids';
import { CERTFLOW_COMMAND } from './commands/certflow-command';

/** What certflow's listeners take: every other request is acknowledged and ignored. */
export interface HandledRequests {
  readonly actionIds: ReadonlySet<string>;
  readonly callbackIds: ReadonlySet<string>;
  readonly commands: ReadonlySet<string>;
}

/** The action ids, modal callbacks and slash commands certflow's listeners are registered for. */
export const HANDLED_REQUESTS: HandledRequests = {
  actionIds: new Set([
    ACTION_IDS.requestRenewal,
    ACTION_IDS.viewDetails,
    ACTION_IDS.approveRequest,
    ACTION_IDS.rejectRequest,
    ACTION_IDS.campaignPause,
    ACTION_IDS.campaignResume,
    ACTION_IDS.campaignCancel,
    ACTION_IDS.campaignStartOpen,
  ]),
  callbackIds: new Set([CALLBACK_IDS.rejectRequest, CALLBACK_IDS.campaignStart]),
  commands: new Set([CERTFLOW_COMMAND]),
};

/** A request no listener takes, and how to acknowledge it. */
export interface UnhandledRequest {
  /** What it was, for the log: `action_id "x"`, `modal callback "y"`, `slash command /z`. */
  readonly what: string;
  readonly userId: string | null;
  /** The acknowledgement: empty, an ephemeral answer to a slash command, or no options for a menu. */
  readonly ack: undefined | { readonly response_type: 'ephemeral'; readonly text: string } | { readonly options: [] };
  /** Told to the user through the response_url, when the request has one. */
  readonly tell: string | null;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The request when no listener takes it, else null (events are acknowledged by Bolt itself). Pure. */
export function unhandledRequest(body: unknown, handled: HandledRequests = HANDLED_REQUESTS): UnhandledRequest | null {
  const fields = record(body);
  const userId = text(record(fields.user).id) || text(fields.user_id) || null;
  const type = text(fields.type);
  if (type === 'block_actions') {
    const actionId = text(record(Array.isArray(fields.actions) ? fields.actions[0] : undefined).action_id);
    if (handled.actionIds.has(actionId)) return null;
    return {
      what: `action_id ${JSON.stringify(actionId.slice(0, 80))}`,
      userId,
      ack: undefined,
      tell: 'certflow does not know this button (it may come from an older message); try `/certflow help`',
    };
  }
  if (type === 'view_submission' || type === 'view_closed') {
    const callbackId = text(record(fields.view).callback_id);
    if (handled.callbackIds.has(callbackId)) return null;
    return { what: `modal callback ${JSON.stringify(callbackId.slice(0, 80))}`, userId, ack: undefined, tell: null };
  }
  if (type === 'block_suggestion') return { what: 'options request', userId, ack: { options: [] }, tell: null };
  if (type === 'shortcut' || type === 'message_action' || type === 'interactive_message') {
    return {
      what: `${type} ${JSON.stringify(text(fields.callback_id).slice(0, 80))}`,
      userId,
      ack: undefined,
      tell: null,
    };
  }
  const command = text(fields.command);
  if (command !== '' && !handled.commands.has(command)) {
    return {
      what: `slash command ${command.slice(0, 80)}`,
      userId,
      ack: {
        response_type: 'ephemeral',
        text: `certflow has no command ${command.slice(0, 80)}; use \`${CERTFLOW_COMMAND} help\``,
      },
      tell: null,
    };
  }
  return null;
}

/** Registers the middleware; it must come before the listeners. */
export function registerUnknownRequests(app: App, log: (message: string) => void): void {
  app.use(async (args) => {
    const unhandled = unhandledRequest(args.body);
    if (unhandled === null) {
      await args.next();
      return;
    }
    const { ack, respond } = args as AnyMiddlewareArgs & {
      ack?: (answer?: UnhandledRequest['ack']) => Promise<void>;
      respond?: RespondFn;
    };
    await ack?.(unhandled.ack);
    log(`slack: no listener takes the ${unhandled.what} from ${unhandled.userId ?? 'an unnamed user'}: acknowledged`);
    if (unhandled.tell !== null && respond !== undefined) {
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text: unhandled.tell });
      } catch (error) {
        log(
          `slack: telling ${unhandled.userId ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  });
}
