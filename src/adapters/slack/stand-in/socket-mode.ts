/**
 * The stand-in's Socket Mode endpoint: `apps.connections.open` hands out a one-time `ws://…/link/?ticket=…` URL, the
 * app connects to it (an `upgrade` on the stand-in's own HTTP server), gets `hello`, and then receives envelopes
 * `{ envelope_id, type, payload, accepts_response_payload }` that it acknowledges with `{ envelope_id, payload? }`.
 * A frame from the app that is not such an acknowledgement is a bug in the app: the stand-in records a
 * SocketModeFrameError, fails the deliveries waiting on that connection with it and closes the connection (1008).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { requestUrl } from '../../shared/http';
import { isObject } from './method-arguments';
import { STAND_IN_BOT } from './stand-in-state';

/** Path of the WebSocket URLs `apps.connections.open` returns. */
export const SOCKET_MODE_PATH = '/link/';

/** What an envelope carries: an interaction (buttons, modals), a slash command, or an Events API event. */
export type EnvelopeType = 'interactive' | 'slash_commands' | 'events_api';

/** One envelope the stand-in sent and how the app acknowledged it. */
export interface RecordedEnvelope {
  readonly envelopeId: string;
  readonly type: EnvelopeType;
  readonly payload: Record<string, unknown>;
  /** The acknowledgement's payload (`{}` when it had none); undefined until the app acknowledged. */
  ack: Record<string, unknown> | undefined;
}

/** The app sent a frame that is not an acknowledgement `{ envelope_id, payload? }` of an envelope it was sent. */
export class SocketModeFrameError extends Error {
  override readonly name = 'SocketModeFrameError';
  constructor(detail: string) {
    super(
      `the app sent a bad Socket Mode frame: ${detail}; acknowledge each envelope once with { envelope_id, payload? }`,
    );
  }
}

/** An envelope could not be delivered or was never acknowledged. */
export class SocketModeDeliveryError extends Error {
  override readonly name = 'SocketModeDeliveryError';
}

interface Pending {
  readonly envelope: RecordedEnvelope;
  readonly connection: WebSocket;
  readonly resolve: (ack: Record<string, unknown>) => void;
  readonly reject: (error: Error) => void;
}

/** Events: `connection` (an app connected and got hello), `close` (a connection ended), `frame-error` (a bad frame). */
export class SocketModeStandIn extends EventEmitter<{
  connection: [];
  close: [];
  'frame-error': [SocketModeFrameError];
}> {
  /** Every envelope sent, oldest first. */
  readonly envelopes: RecordedEnvelope[] = [];
  /** Every bad frame the app sent, oldest first. */
  readonly frameErrors: SocketModeFrameError[] = [];
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly connections = new Set<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private baseUrl = '';
  private refusals = 0;

  /** Where the stand-in listens (`http://host:port`); its WebSocket URLs are built from it. */
  listenAt(httpUrl: string): void {
    this.baseUrl = httpUrl.replace(/^http/, 'ws');
  }

  /** A one-time WebSocket URL for `apps.connections.open`. */
  openUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.baseUrl}${SOCKET_MODE_PATH}?ticket=${ticket}`;
  }

  /** The next `times` connection attempts get HTTP 503, as when Slack's socket servers are down. */
  refuseNext(times = 1): void {
    this.refusals += times;
  }

  /**
   * Asks every connected app to reconnect, as Slack does every few hours: a `disconnect` message (reason
   * `refresh_requested`), after which the app opens a new connection with a new URL.
   */
  requestRefresh(): void {
    const message = JSON.stringify({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: 'slack-stand-in' },
    });
    for (const connection of this.connections) connection.send(message);
  }

  /** Whether at least one app connection is open. */
  get connected(): boolean {
    return this.connections.size > 0;
  }

  /** Resolves when no app connection is open (at once if none is). */
  async disconnected(): Promise<void> {
    while (this.connected) await new Promise<void>((resolve) => this.once('close', resolve));
  }

  /** The stand-in HTTP server's `upgrade` handler: accepts a connection whose URL carries an unused ticket. */
  readonly upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = requestUrl(request);
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== SOCKET_MODE_PATH || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (this.refusals > 0) {
      this.refusals -= 1;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (connection) => this.accept(connection));
  };

  /** Sends an envelope on an open connection and resolves with the acknowledgement's payload. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const [connection] = this.connections;
    if (connection === undefined) {
      return Promise.reject(
        new SocketModeDeliveryError('no app is connected over Socket Mode: start the app with its app-level token'),
      );
    }
    const envelope: RecordedEnvelope = { envelopeId: randomUUID(), type, payload, ack: undefined };
    this.envelopes.push(envelope);
    return new Promise((resolve, reject) => {
      this.pending.set(envelope.envelopeId, { envelope, connection, resolve, reject });
      connection.send(
        JSON.stringify({
          envelope_id: envelope.envelopeId,
          type,
          payload,
          // Slack lets the app answer in the acknowledgement for commands and interactions, not for events.
          accepts_response_payload: type !== 'events_api',
        }),
      );
    });
  }

  /** Closes every connection (1001, going away) and fails the deliveries still waiting. */
  async close(): Promise<void> {
    const closing = [...this.connections].map(
      (connection) => new Promise((resolve) => connection.once('close', resolve)),
    );
    for (const connection of this.connections) connection.close(1001, 'stand-in stopping');
    await Promise.all(closing);
    this.server.close();
  }

  private accept(connection: WebSocket): void {
    this.connections.add(connection);
    connection.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    // ws refuses some frames itself (invalid UTF-8, larger than maxPayload) and closes the connection; unheard, that
    // error would crash the process.
    connection.on('error', (error) =>
      this.refuse(connection, `a frame the WebSocket layer refused (${error.message})`),
    );
    connection.on('close', () => {
      this.connections.delete(connection);
      this.failPending(
        connection,
        new SocketModeDeliveryError('the app closed its Socket Mode connection before acknowledging the envelope'),
      );
      this.emit('close');
    });
    connection.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connections.size,
        connection_info: { app_id: STAND_IN_BOT.appId },
        debug_info: { host: 'slack-stand-in', approximate_connection_time: 3600 },
      }),
    );
    this.emit('connection');
  }

  private receive(connection: WebSocket, data: RawData, isBinary: boolean): void {
    if (isBinary) return this.refuse(connection, 'a binary frame (Socket Mode frames are JSON text)');
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(new Uint8Array(data));
    const text = bytes.toString('utf8');
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.refuse(connection, `a frame that is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    if (!isObject(frame) || typeof frame.envelope_id !== 'string') {
      return this.refuse(connection, `a frame without a string envelope_id: ${text.slice(0, 80)}`);
    }
    const waiting = this.pending.get(frame.envelope_id);
    if (waiting === undefined) {
      return this.refuse(connection, `an acknowledgement of ${frame.envelope_id}, which is not waiting for one`);
    }
    if (frame.payload !== undefined && !isObject(frame.payload)) {
      return this.refuse(connection, `an acknowledgement of ${frame.envelope_id} whose payload is not an object`);
    }
    this.pending.delete(frame.envelope_id);
    waiting.envelope.ack = frame.payload ?? {};
    waiting.resolve(waiting.envelope.ack);
  }

  private refuse(connection: WebSocket, detail: string): void {
    const error = new SocketModeFrameError(detail);
    this.frameErrors.push(error);
    this.failPending(connection, error);
    this.emit('frame-error', error);
    connection.close(1008, 'bad frame');
  }

  private failPending(connection: WebSocket, error: Error): void {
    for (const [id, waiting] of this.pending) {
      if (waiting.connection !== connection) continue;
      this.pending.delete(id);
      waiting.reject(error);
    }
  }
}
