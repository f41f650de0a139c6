import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../../src/adapters/shared/http';
import { createCodecEndpoint } from '../../src/runtime/codec-endpoint';
import { PayloadEncryptionCodec } from '../../src/runtime/payload-codec';

const TOKEN = randomBytes(24).toString('hex');
const UI = 'http://localhost:8233';
const codec = new PayloadEncryptionCodec([{ id: 'k1', key: randomBytes(32) }]);

let on: RunningHttpServer;
let off: RunningHttpServer;
const logged: string[] = [];

beforeAll(async () => {
  const mount = (token: string | undefined) =>
    startHttpServer({
      host: '127.0.0.1',
      port: 0,
      handlers: [createCodecEndpoint({ codec, token, corsOrigins: [UI], namespace: 'default', maxBodyBytes: 4096 })],
      log: (line) => logged.push(line),
    });
  on = await mount(TOKEN);
  off = await mount(undefined);
});
afterAll(async () => {
  await on?.close();
  await off?.close();
});

const clearPayload = defaultPayloadConverter.toPayload({ subject: 'CN=payroll.example.com' });
const asJson = (payloads: (typeof clearPayload)[]) => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  })),
});

function post(server: RunningHttpServer, operation: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/codec/${operation}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${TOKEN}`,
      'X-Namespace': 'default',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('the codec endpoint (R-KEY-1)', () => {
  it('R-KEY-1: encodes then decodes in the remote codec protocol, for the allowed origin', async () => {
    const encoded = await post(on, 'encode', asJson([clearPayload]), { Origin: UI });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('access-control-allow-origin')).toBe(UI);
    const sealed = (await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(sealed.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(JSON.stringify(sealed)).not.toContain(Buffer.from('payroll').toString('base64').slice(0, 8));
    const decoded = await post(on, 'decode', sealed);
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual(asJson([clearPayload]));
  });

  it('answers the Web UI preflight with the methods and headers it sends', async () => {
    const response = await fetch(`${on.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,x-namespace',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  const refused: {
    name: string;
    server: () => RunningHttpServer;
    headers?: Record<string, string>;
    body?: unknown;
    method?: string;
    status: number;
    says: RegExp;
  }[] = [
    { name: 'no token', server: () => on, headers: { Authorization: '' }, status: 401, says: /Authorization: Bearer/ },
    {
      name: 'a wrong token',
      server: () => on,
      headers: { Authorization: `Bearer ${TOKEN.slice(1)}x` },
      status: 401,
      says: /CERTFLOW_CODEC_TOKEN/,
    },
    {
      name: 'the token in another scheme',
      server: () => on,
      headers: { Authorization: `Basic ${TOKEN}` },
      status: 401,
      says: /Bearer/,
    },
    {
      name: 'any request when no token is configured',
      server: () => off,
      status: 404,
      says: /off: set CERTFLOW_CODEC_TOKEN/,
    },
    {
      name: 'another origin',
      server: () => on,
      headers: { Origin: 'https://evil.example' },
      status: 403,
      says: /CERTFLOW_CODEC_CORS_ORIGINS/,
    },
    {
      name: 'another namespace',
      server: () => on,
      headers: { 'X-Namespace': 'other' },
      status: 403,
      says: /namespace default, not other/,
    },
    { name: 'a body that is not JSON', server: () => on, body: 'payloads', status: 400, says: /not JSON/ },
    {
      name: 'payloads that are not an array',
      server: () => on,
      body: { payloads: 5 },
      status: 400,
      says: /"payloads" is not an array/,
    },
    {
      name: 'data that is not base64',
      server: () => on,
      body: { payloads: [{ metadata: {}, data: '%%%' }] },
      status: 400,
      says: /payloads\[0\]\.data is not a base64/,
    },
    {
      name: 'a body over the limit',
      server: () => on,
      body: { payloads: [{ data: 'A'.repeat(8000) }] },
      status: 413,
      says: /larger than 4096 bytes/,
    },
    { name: 'GET', server: () => on, method: 'GET', status: 405, says: /takes POST/ },
  ];
  it.each(refused)('refuses $name with $status', async ({ server, headers, body, method, status, says }) => {
    const response = await fetch(`${server().url}/codec/decode`, {
      method: method ?? 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${TOKEN}`,
        'X-Namespace': 'default',
        ...headers,
      },
      ...(method === 'GET'
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body ?? asJson([clearPayload])) }),
    });
    expect(response.status).toBe(status);
    expect(await response.text()).toMatch(says);
  });

  it("answers Temporal's Go client's {} (no payloads) with none", async () => {
    const response = await post(on, 'decode', {});
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ payloads: [] });
  });

  it('a payload sealed under an unknown key is refused naming the key id, not decoded', async () => {
    const other = new PayloadEncryptionCodec([{ id: 'k0', key: randomBytes(32) }]);
    const response = await post(on, 'decode', asJson(await other.encode([clearPayload])));
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/key "k0".*CERTFLOW_PAYLOAD_KEYS/);
  });
});
