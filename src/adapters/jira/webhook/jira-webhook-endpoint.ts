/**
 * Jira → certflow (R-MON-2, R-SEC-1): the endpoint Jira's webhook posts `jira:issue_updated` to. Every request must
 * carry `X-Hub-Signature: sha256=<HMAC-SHA256 of the raw body>` under the webhook's secret; anything unsigned or
 * wrongly signed gets 401 before the body is read as JSON, and changes nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, RequestBodyTooLargeError, sendJson, type HttpMount } from '../../shared/http';
import type { ChangeTicketUpdate } from '../../../core/ports/ticketing-port';
import type { JiraConfig } from '../jira-config';
import { changeTicketReading, JiraWebhookPayloadError, parseIssueUpdated } from './parse-issue-updated';

/** Where Jira posts its webhooks on certflow's HTTP server. */
export const JIRA_WEBHOOK_PATH = '/jira/webhook';

/** What became of a change ticket update. */
export type ChangeTicketDelivery = 'signalled' | 'unknown-ticket' | 'not-running';

/** What the endpoint needs. */
export interface JiraWebhookOptions {
  /** The secret set on the webhook in Jira (System → WebHooks → Secret). */
  readonly secret: string;
  /** JIRA_CONFIG_FILE's settings: the change statuses and the change window and decline reason fields to read. */
  readonly config: Pick<JiraConfig, 'changeStatuses' | 'customFields'>;
  /** Hands the update to the lifecycle waiting on the ticket (the lifecycle client's signal). */
  readonly deliver: (update: ChangeTicketUpdate) => Promise<ChangeTicketDelivery>;
  readonly log: (line: string) => void;
}

/** Whether `header` is `sha256=<hex>` of the body's HMAC under `secret`, compared in constant time. */
export function jiraSignatureMatches(secret: string, body: Uint8Array, header: string | undefined): boolean {
  const presented = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '')?.[1];
  if (presented === undefined) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(presented, 'hex'));
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  sendJson(response, status, body, { 'X-Content-Type-Options': 'nosniff' });
}

async function handle(options: JiraWebhookOptions, request: IncomingMessage, response: ServerResponse) {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    answer(response, 405, { error: `${request.method ?? 'this method'} is not allowed here; Jira POSTs webhooks` });
    return;
  }
  let body: Uint8Array;
  try {
    // The default 1 MiB is plenty: Jira's issue payloads are a few kilobytes, a rich one some hundreds.
    body = await readRequestBody(request);
  } catch (error) {
    if (!(error instanceof RequestBodyTooLargeError)) throw error;
    answer(response, 413, { error: error.message });
    return;
  }
  const signature = request.headers['x-hub-signature'];
  if (!jiraSignatureMatches(options.secret, body, Array.isArray(signature) ? signature[0] : signature)) {
    options.log(`Jira webhook refused: ${signature === undefined ? 'no' : 'a wrong'} X-Hub-Signature`);
    answer(response, 401, {
      error:
        'missing or wrong X-Hub-Signature: give the Jira webhook the same secret as certflow (JIRA_WEBHOOK_SECRET)',
    });
    return;
  }
  let update: ChangeTicketUpdate | null;
  try {
    const payload = JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
    update = parseIssueUpdated(payload, changeTicketReading(options.config));
  } catch (error) {
    if (!(error instanceof SyntaxError) && !(error instanceof JiraWebhookPayloadError)) throw error;
    answer(response, 400, { error: `not a Jira webhook certflow can read: ${error.message}` });
    return;
  }
  if (update === null) {
    answer(response, 200, { outcome: 'ignored' });
    return;
  }
  try {
    const outcome = await options.deliver(update);
    answer(response, 200, { outcome, ticket: update.ticketKey, decision: update.decision });
  } catch (error) {
    // Jira retries a webhook that fails with a 5xx, so a Temporal outage delays the change instead of losing it.
    options.log(
      `Jira webhook for ${update.ticketKey} not delivered: ${error instanceof Error ? error.message : String(error)}`,
    );
    answer(response, 503, { error: 'certflow could not reach the lifecycle; Jira will retry' });
  }
}

/** The webhook endpoint, to mount on certflow's HTTP server. */
export function createJiraWebhookMount(options: JiraWebhookOptions): HttpMount {
  return {
    prefix: JIRA_WEBHOOK_PATH,
    handler: async (request, response) => {
      await handle(options, request, response);
      return true;
    },
  };
}
