/**
 * certflow's small HTTP server (node:http, no framework): handlers are mounted by path prefix (the CA's CRL today,
 * Slack and Jira endpoints later). It refuses oversized requests before any handler runs, answers 404 when no
 * handler takes a request, and turns a handler's failure into a generic 500 whose details go to the log only.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Answers a request, or declines it by returning false so the next mounted handler (or the 404) gets it. A handler
 * that works asynchronously returns a promise; a rejection becomes a 500.
 */
export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;

/** A handler for every path equal to `prefix` or below it (`/ca` mounts `/ca` and `/ca/…`). */
export interface HttpMount {
  readonly prefix: string;
  readonly handler: HttpHandler;
}

/** How to start the server. */
export interface HttpServerOptions {
  /** Interface to listen on, e.g. `127.0.0.1`, or `0.0.0.0` for all. */
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  readonly handlers: readonly HttpMount[];
  /** Longest request target accepted, in characters; 8192 by default. */
  readonly maxUrlLength?: number;
  /** Largest declared request body accepted, in bytes; 1 MiB by default. */
  readonly maxBodyBytes?: number;
  /** Where handler failures are reported; stderr by default. */
  readonly log?: (message: string) => void;
  /** Takes `Upgrade:` requests (WebSockets); without it Node drops them. */
  readonly upgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** A listening server. */
export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:43117`. */
  readonly url: string;
  readonly port: number;
  /** The address and port the socket is bound to, as the OS reports them: `0.0.0.0:8088` listens on every interface. */
  readonly boundTo: string;
  /** Stops accepting connections, closes idle keep-alive ones and resolves when every connection has ended. */
  close(): Promise<void>;
}

/** The port is taken by another process. */
export class HttpPortInUseError extends Error {
  override readonly name = 'HttpPortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} on ${host} is already in use: stop the other process or configure another HTTP port`);
  }
}

/** A request body larger than the limit; handlers reading bodies answer 413 with it. */
export class RequestBodyTooLargeError extends Error {
  override readonly name = 'RequestBodyTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`request body is larger than ${maxBytes} bytes`);
  }
}

const DEFAULT_MAX_URL_LENGTH = 8192;
/** The largest request body certflow's endpoints read by default: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The request's path and query as a URL; its origin is a placeholder, since a server reads only paths and queries. */
export function requestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://localhost');
}

/** Sends a short plain-text answer. */
export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = `${text}\n`;
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

/** Sends a JSON answer; `headers` add to (or replace) the JSON content type and length. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/**
 * Reads a whole request body, refusing more than `maxBytes` (chunked bodies included) with RequestBodyTooLargeError.
 * The rest of a refused body is drained, not kept, so the connection can still carry the 413 answer.
 */
export function readRequestBody(request: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      length += chunk.length;
      if (length > maxBytes) {
        refused = true;
        chunks.length = 0;
        reject(new RequestBodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    request.on('error', reject);
  });
}

/** The request's path, or null when its target cannot be read. */
function requestPath(url: string): string | null {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return null;
  }
}

function mountMatches(prefix: string, pathname: string): boolean {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return pathname === base || pathname.startsWith(`${base}/`);
}

/** Starts the server; resolves once it listens. Throws HttpPortInUseError when the port is taken. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const maxUrlLength = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  for (const mount of options.handlers) {
    if (!mount.prefix.startsWith('/')) throw new Error(`HTTP mount prefix "${mount.prefix}" must start with "/"`);
  }
  // The most specific prefix first, so `/ca/internal` could be mounted beside `/ca`.
  const mounts = [...options.handlers].sort((a, b) => b.prefix.length - a.prefix.length);

  const dispatch = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const target = request.url ?? '/';
    if (target.length > maxUrlLength) return sendText(response, 414, 'request URL too long', { Connection: 'close' });
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > maxBodyBytes) {
      return sendText(response, 413, 'request body too large', { Connection: 'close' });
    }
    const pathname = requestPath(target);
    if (pathname === null) return sendText(response, 400, 'bad request URL');
    for (const mount of mounts) {
      if (!mountMatches(mount.prefix, pathname)) continue;
      try {
        if (await mount.handler(request, response)) return;
      } catch (error) {
        // Only the path goes to the log: query strings may carry tokens.
        log(
          `HTTP ${request.method ?? '?'} ${pathname}: handler at ${mount.prefix} failed: ` +
            `${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        if (error instanceof RequestBodyTooLargeError && !response.headersSent) {
          return sendText(response, 413, 'request body too large', { Connection: 'close' });
        }
        if (response.headersSent) response.destroy();
        else sendText(response, 500, 'internal error; the certflow log has the details');
        return;
      }
    }
    sendText(response, 404, `nothing at ${pathname}`);
  };

  const server = http.createServer((request, response) => void dispatch(request, response));
  let closing: Promise<void> | null = null;
  // Node counts a connection that has not sent a request yet as busy, so closeIdleConnections() leaves it and close()
  // would wait until the client drops it (an HTTP agent's spare socket, a browser's preconnect).
  const awaitingFirstRequest = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    awaitingFirstRequest.add(socket);
    socket.once('close', () => awaitingFirstRequest.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    awaitingFirstRequest.delete(request.socket);
    // A keep-alive connection whose answer ends after close() began would otherwise idle until keepAliveTimeout.
    response.once('close', () => {
      if (closing !== null) request.socket.end();
    });
  });
  if (options.upgrade !== undefined) server.on('upgrade', options.upgrade);
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? new HttpPortInUseError(options.host, options.port)
          : error,
      );
    };
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const { port, address } = server.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  return {
    url,
    port,
    boundTo: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
        for (const socket of awaitingFirstRequest) socket.destroy();
      });
      return closing;
    },
  };
}
