/**
 * The remote codec endpoint on certflow's HTTP server (R-KEY-1): with payloads encrypted, the Temporal Web UI and
 * `temporal workflow show --codec-endpoint` ask it to decode what they show. It speaks Temporal's remote codec
 * protocol: POST `/codec/decode` or `/codec/encode` with `{"payloads":[{"metadata":{…base64},"data":"base64"}]}`
 * answers the same shape. It opens histories, so it is off until CERTFLOW_CODEC_TOKEN is set, and then answers only
 * requests carrying that token as `Authorization: Bearer …`; browsers may call it from the configured origins only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import {
  readRequestBody,
  RequestBodyTooLargeError,
  requestUrl,
  sendJson,
  sendText,
  type HttpMount,
} from '../adapters/shared/http';

/** Where the endpoint is mounted; the Web UI is pointed at this URL under certflow's public URL. */
export const CODEC_PATH = '/codec';

/** Options of {@link createCodecEndpoint}. */
export interface CodecEndpointOptions {
  readonly codec: PayloadCodec;
  /** The bearer token callers must present; undefined turns the endpoint off (it says so). */
  readonly token: string | undefined;
  /** Browser origins allowed to call it (the Web UI's). */
  readonly corsOrigins: readonly string[];
  /** The Temporal namespace certflow's keys serve; a request naming another is refused. */
  readonly namespace: string;
  /** Largest request body read, in bytes; the HTTP server's default when unset. */
  readonly maxBodyBytes?: number;
}

/** A request body that is not a remote codec request; the message says what is wrong. */
class CodecRequestError extends Error {}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64Bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new CodecRequestError(`${where} is not a base64 string`);
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/** The payloads of a remote codec request body, or a CodecRequestError saying what is wrong. Pure. */
export function parseCodecRequest(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new CodecRequestError('the body is not JSON; send {"payloads":[{"metadata":{…},"data":"…"}]}');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new CodecRequestError('the body is not a JSON object');
  // Temporal's Go codec client sends `{}` for an empty set of payloads; refusing it makes the CLI retry forever.
  const { payloads = [] } = parsed as { payloads?: unknown };
  if (!Array.isArray(payloads)) throw new CodecRequestError('"payloads" is not an array');
  return payloads.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) throw new CodecRequestError(`payloads[${index}] is not an object`);
    const { metadata = {}, data = '' } = entry as { metadata?: unknown; data?: unknown };
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new CodecRequestError(`payloads[${index}].metadata is not an object`);
    }
    return {
      metadata: Object.fromEntries(
        Object.entries(metadata).map(([key, value]) => [key, base64Bytes(value, `payloads[${index}].metadata.${key}`)]),
      ),
      data: base64Bytes(data, `payloads[${index}].data`),
    };
  });
}

/** Payloads in the protocol's JSON shape. */
function payloadsJson(payloads: readonly Payload[]): { payloads: unknown[] } {
  const base64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
  return {
    payloads: payloads.map(({ metadata, data }) => ({
      metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, base64(value)])),
      data: base64(data),
    })),
  };
}

/** Whether `presented` is the configured token, in time that does not depend on where they differ. */
function sameToken(presented: string, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The remote codec endpoint, to mount on certflow's HTTP server; see the module comment. */
export function createCodecEndpoint(options: CodecEndpointOptions): HttpMount {
  const allowed = new Set(options.corsOrigins);
  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const operation = /^\/codec\/(encode|decode)\/?$/.exec(requestUrl(request).pathname)?.[1];
    if (operation === undefined) return false;
    const origin = header(request, 'origin');
    const cors: Record<string, string> =
      origin !== undefined && allowed.has(origin) ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
    if (origin !== undefined && !allowed.has(origin)) {
      sendText(
        response,
        403,
        `origin ${origin} may not call the codec endpoint: add it to CERTFLOW_CODEC_CORS_ORIGINS`,
      );
      return true;
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
        'Access-Control-Max-Age': '600',
      });
      response.end();
      return true;
    }
    if (request.method !== 'POST') {
      sendText(response, 405, 'the codec endpoint takes POST', { ...cors, Allow: 'POST, OPTIONS' });
      return true;
    }
    if (options.token === undefined) {
      sendText(response, 404, 'the codec endpoint is off: set CERTFLOW_CODEC_TOKEN to turn it on', cors);
      return true;
    }
    // The token is checked before the body is read: an unauthenticated caller costs no more than its headers.
    const presented = /^Bearer (\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
    if (presented === undefined || !sameToken(presented, options.token)) {
      sendText(response, 401, 'send the codec token (CERTFLOW_CODEC_TOKEN) as Authorization: Bearer <token>', {
        ...cors,
        'WWW-Authenticate': 'Bearer realm="certflow codec"',
      });
      return true;
    }
    const namespace = header(request, 'x-namespace');
    if (namespace !== undefined && namespace !== '' && namespace !== options.namespace) {
      sendText(response, 403, `certflow's payload keys serve namespace ${options.namespace}, not ${namespace}`, cors);
      return true;
    }
    let body: string;
    try {
      body = Buffer.from(await readRequestBody(request, options.maxBodyBytes)).toString('utf8');
    } catch (error) {
      if (!(error instanceof RequestBodyTooLargeError)) throw error;
      sendText(response, 413, error.message, { ...cors, Connection: 'close' });
      return true;
    }
    let payloads: Payload[];
    try {
      payloads = parseCodecRequest(body);
    } catch (error) {
      if (!(error instanceof CodecRequestError)) throw error;
      sendText(response, 400, error.message, cors);
      return true;
    }
    try {
      const answer =
        operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      sendJson(response, 200, payloadsJson(answer), cors);
    } catch (error) {
      // The codec's errors name a key id and the fix, never key material.
      sendText(response, 422, (error as Error).message, cors);
    }
    return true;
  };
  return { prefix: CODEC_PATH, handler };
}
