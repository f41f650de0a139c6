/**
 * The gate in front of Bolt's HTTP receiver at `/slack/events` (R-SEC-1). Bolt checks the signature and refuses
 * timestamps more than 5 minutes old, but accepts any timestamp in the future and the same signed request any number
 * of times within its window, so a captured click could be replayed. The gate refuses, before Bolt sees a request:
 * anything but a POST (405), a missing or wrong signature (401), a timestamp more than a small clock skew away from
 * certflow's clock in either direction (401), a signed request received before (401), and a signed body that carries
 * no Slack payload Bolt could route (400). Each refusal is one log line, never a stack. Signatures are remembered
 * only while their timestamp is acceptable, so the memory stays bounded.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DEFAULT_MAX_BODY_BYTES,
  readRequestBody,
  RequestBodyTooLargeError,
  requestUrl,
  sendText,
} from '../shared/http';

/** How far a request's timestamp may be from certflow's clock, either way, by default. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 60;
/** How many signatures are remembered at most: beyond this, requests are refused until older ones expire. */
export const DEFAULT_MAX_REMEMBERED_SIGNATURES = 20_000;

/** Options of {@link SlackRequestGuard}. */
export interface SlackRequestGuardOptions {
  readonly signingSecret: string;
  /** Where each refusal is reported, one line. */
  readonly log: (message: string) => void;
  /** {@link DEFAULT_MAX_CLOCK_SKEW_SECONDS} by default. */
  readonly maxClockSkewSeconds?: number;
  /** {@link DEFAULT_MAX_REMEMBERED_SIGNATURES} by default. */
  readonly maxRememberedSignatures?: number;
  /** Largest body accepted; 1 MiB by default. */
  readonly maxBodyBytes?: number;
  /** The clock timestamps are checked against; `Date.now` by default. */
  readonly nowMilliseconds?: () => number;
}

/** A request the gate refuses: the HTTP status and the sentence that says why. */
export interface SlackRequestRefusal {
  readonly status: 400 | 401 | 405 | 413 | 503;
  readonly reason: string;
}

/** What Bolt needs of a request whose body was already read: it reads `rawBody` instead of the stream. */
type BufferedRequest = IncomingMessage & { rawBody?: Buffer };

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasString(value: unknown, field: string): boolean {
  return isRecord(value) && typeof value[field] === 'string' && value[field] !== '';
}

/** Interaction types whose payload must say who acted. */
const INTERACTIONS_WITH_USER = new Set([
  'block_actions',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'block_suggestion',
  'interactive_message',
]);

/** Why an interaction payload cannot be routed, or null when it can. */
function interactionProblem(payload: unknown): string | null {
  if (!isRecord(payload) || typeof payload.type !== 'string') return 'the interaction payload has no type';
  // Bolt routes any payload with `actions` to the button listeners whatever its type: only Slack's own types get there.
  if (!INTERACTIONS_WITH_USER.has(payload.type)) {
    return `the interaction payload has type ${JSON.stringify(payload.type.slice(0, 80))}, which is none of Slack's`;
  }
  if (INTERACTIONS_WITH_USER.has(payload.type) && !hasString(payload.user, 'id')) {
    return `the ${payload.type} payload names no user`;
  }
  if (payload.type === 'block_actions') {
    const actions = payload.actions;
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every((action) => hasString(action, 'action_id'))) {
      return 'the block_actions payload has no actions with an action_id';
    }
  }
  if (
    (payload.type === 'view_submission' || payload.type === 'view_closed') &&
    !hasString(payload.view, 'callback_id')
  ) {
    return `the ${payload.type} payload has no view with a callback_id`;
  }
  return null;
}

/**
 * Why a verified body is not a Slack request certflow can route, or null when it is one: an interaction
 * (`payload=…`), a slash command (`command=…`), an SSL check, or an Events API request. Pure.
 */
export function slackBodyProblem(contentType: string | undefined, rawBody: string): string | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(rawBody);
    const payload = form.get('payload');
    if (payload !== null) {
      try {
        return interactionProblem(JSON.parse(payload));
      } catch {
        return 'the payload field is not JSON';
      }
    }
    if (form.get('ssl_check') === '1') return null;
    if (form.get('command')?.startsWith('/') === true) {
      return form.get('user_id') ? null : 'the slash command names no user_id';
    }
    return 'the form has no payload and no command';
  }
  if (type === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return 'the body is not JSON';
    }
    if (!isRecord(body)) return 'the body is not a JSON object';
    if (body.type === 'url_verification') return null;
    if (body.type === 'event_callback') return hasString(body.event, 'type') ? null : 'the event callback has no event';
    return `the Events API body has type ${JSON.stringify(body.type ?? null)}, not event_callback or url_verification`;
  }
  return `the content type is ${JSON.stringify(contentType ?? '')}, not a form or JSON`;
}

/** Slack's v0 signature of a body at a timestamp, as `v0=<hex>`. */
function signatureOf(signingSecret: string, timestamp: string, rawBody: Buffer): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

function sameSignature(received: string, expected: string): boolean {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks Slack requests before Bolt sees them; see the module comment. */
export class SlackRequestGuard {
  private readonly maxSkewSeconds: number;
  private readonly maxRemembered: number;
  private readonly maxBodyBytes: number;
  private readonly now: () => number;
  /** Signatures seen, with the instant (ms) after which their timestamp is refused anyway. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: SlackRequestGuardOptions) {
    this.maxSkewSeconds = options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS;
    this.maxRemembered = options.maxRememberedSignatures ?? DEFAULT_MAX_REMEMBERED_SIGNATURES;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.now = options.nowMilliseconds ?? Date.now;
  }

  /** How many signatures are remembered now (for tests of the bound). */
  get remembered(): number {
    return this.seen.size;
  }

  /**
   * Reads and checks the request; answers a refusal itself and resolves false, or resolves true with the body kept
   * on the request for Bolt.
   */
  async admit(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const refusal = await this.check(request);
    if (refusal === null) return true;
    const where = `${request.method ?? '?'} ${requestUrl(request).pathname}`;
    this.options.log(`slack: refused ${where} (${refusal.status}): ${refusal.reason}`);
    sendText(response, refusal.status, refusal.reason, refusal.status === 405 ? { Allow: 'POST' } : {});
    return false;
  }

  private async check(request: BufferedRequest): Promise<SlackRequestRefusal | null> {
    if (request.method !== 'POST') {
      return { status: 405, reason: 'Slack posts its requests here; nothing answers other methods' };
    }
    let rawBody: Buffer;
    try {
      rawBody = Buffer.from(await readRequestBody(request, this.maxBodyBytes));
    } catch (error) {
      if (error instanceof RequestBodyTooLargeError) return { status: 413, reason: error.message };
      throw error;
    }
    const contentType = header(request, 'content-type');
    // Slack's SSL check is not signed; Bolt answers it and drops anything else in the body.
    const sslCheck =
      contentType === 'application/x-www-form-urlencoded' &&
      new URLSearchParams(rawBody.toString('utf8')).get('ssl_check') === '1';
    if (!sslCheck) {
      const refusal = this.verify(request, rawBody);
      if (refusal !== null) return refusal;
      const problem = slackBodyProblem(contentType, rawBody.toString('utf8'));
      if (problem !== null) return { status: 400, reason: `not a Slack request certflow can answer: ${problem}` };
    }
    request.rawBody = rawBody;
    return null;
  }

  /** The signature, the timestamp's distance from now, and whether this signed request was seen before. */
  private verify(request: IncomingMessage, rawBody: Buffer): SlackRequestRefusal | null {
    const signature = header(request, 'x-slack-signature');
    const timestamp = header(request, 'x-slack-request-timestamp');
    if (signature === undefined || timestamp === undefined) {
      return { status: 401, reason: 'the request is not signed (X-Slack-Signature and X-Slack-Request-Timestamp)' };
    }
    if (!/^\d{1,12}$/.test(timestamp)) return { status: 401, reason: 'X-Slack-Request-Timestamp is not a number' };
    const nowMs = this.now();
    const offsetSeconds = Number(timestamp) - nowMs / 1000;
    if (Math.abs(offsetSeconds) > this.maxSkewSeconds) {
      const direction = offsetSeconds > 0 ? 'ahead of' : 'behind';
      return {
        status: 401,
        reason:
          `the request's timestamp is ${Math.round(Math.abs(offsetSeconds))} s ${direction} certflow's clock, more ` +
          `than the ${this.maxSkewSeconds} s allowed: a replayed request, or a clock to correct (NTP)`,
      };
    }
    if (!sameSignature(signature, signatureOf(this.options.signingSecret, timestamp, rawBody))) {
      return { status: 401, reason: 'the signature does not match: check the Slack signing secret' };
    }
    this.forgetExpired(nowMs);
    if (this.seen.has(signature)) {
      return { status: 401, reason: 'this signed request was received before: a replay is refused' };
    }
    if (this.seen.size >= this.maxRemembered) {
      return {
        status: 503,
        reason: `more than ${this.maxRemembered} Slack requests within ${2 * this.maxSkewSeconds} s; try again shortly`,
      };
    }
    this.seen.set(signature, (Number(timestamp) + this.maxSkewSeconds) * 1000);
    return null;
  }

  private forgetExpired(nowMs: number): void {
    for (const [signature, expiresAt] of this.seen) {
      if (expiresAt < nowMs) this.seen.delete(signature);
    }
  }
}
