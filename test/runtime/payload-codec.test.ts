import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config';
import { ConfigError } from '../../src/runtime/config-error';
import {
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadAuthenticationError,
  PayloadEncryptionCodec,
  UnknownPayloadKeyError,
  type PayloadKey,
} from '../../src/runtime/payload-codec';

const k1: PayloadKey = { id: 'k1', key: randomBytes(32) };
const k2: PayloadKey = { id: 'k2', key: randomBytes(32) };
const SECRET = { subject: 'CN=payroll.example.com', email: 'alice@example.com', reason: 'key compromise on host 7' };
const clear = (): Payload => defaultPayloadConverter.toPayload(SECRET);
const utf8 = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());

async function sealed(keys: PayloadKey[]): Promise<Payload> {
  const [payload] = await new PayloadEncryptionCodec(keys).encode([clear()]);
  if (payload === undefined) throw new Error('no payload');
  return payload;
}

function flipLastByte(payload: Payload): Payload {
  const data = Uint8Array.from(payload.data ?? []);
  data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 1;
  return { ...payload, data };
}

describe('PayloadEncryptionCodec', () => {
  it('R-KEY-1: seals a payload as binary/encrypted under the newest key, with no clear text left', async () => {
    const payload = await sealed([k2, k1]);
    expect(utf8(payload.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(utf8(payload.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const everything = Buffer.concat([
      Buffer.from(payload.data ?? []),
      ...Object.values(payload.metadata ?? {}).map((v) => Buffer.from(v)),
    ]).toString('latin1');
    for (const text of Object.values(SECRET)) expect(everything).not.toContain(text);
    // The original encoding (json/plain) is sealed too, not left in the metadata.
    expect(everything).not.toContain('json/plain');
  });

  it('uses a fresh nonce per payload: the same value seals differently every time', async () => {
    const [a, b] = await new PayloadEncryptionCodec([k1]).encode([clear(), clear()]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  const decodeCases: {
    name: string;
    sealWith: PayloadKey[] | null;
    readWith: PayloadKey[];
    alter?: (payload: Payload) => Payload;
    expected: 'value' | typeof UnknownPayloadKeyError | typeof PayloadAuthenticationError;
    message?: RegExp;
  }[] = [
    { name: 'round trip with one key', sealWith: [k1], readWith: [k1], expected: 'value' },
    {
      name: 'rotation: sealed with the old key, read after the new one came first',
      sealWith: [k1],
      readWith: [k2, k1],
      expected: 'value',
    },
    {
      name: 'rotation: sealed with the new key, read by a process with both',
      sealWith: [k2, k1],
      readWith: [k2, k1],
      expected: 'value',
    },
    { name: 'a payload from before encryption passes through', sealWith: null, readWith: [k2], expected: 'value' },
    { name: 'a clear payload passes through a codec without keys', sealWith: null, readWith: [], expected: 'value' },
    {
      name: 'unknown key id: names the id and the fix',
      sealWith: [k1],
      readWith: [k2],
      expected: UnknownPayloadKeyError,
      message: /key "k1".*configured: k2.*add the old key .* CERTFLOW_PAYLOAD_KEYS/,
    },
    {
      name: 'a sealed payload read without keys names the fix',
      sealWith: [k1],
      readWith: [],
      expected: UnknownPayloadKeyError,
      message: /key "k1".*configured: none/,
    },
    {
      name: 'tampered ciphertext fails authentication',
      sealWith: [k1],
      readWith: [k1],
      alter: flipLastByte,
      expected: PayloadAuthenticationError,
    },
    {
      name: 'a payload relabelled with another key id fails authentication, not decrypts',
      sealWith: [k1],
      readWith: [{ id: 'k2', key: k1.key }, k1],
      alter: (p) => ({ ...p, metadata: { ...p.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('k2') } }),
      expected: PayloadAuthenticationError,
    },
    {
      name: 'a truncated payload fails authentication',
      sealWith: [k1],
      readWith: [k1],
      alter: (p) => ({ ...p, data: (p.data ?? new Uint8Array()).subarray(0, 20) }),
      expected: PayloadAuthenticationError,
    },
    {
      name: 'the same id with another key fails authentication, naming the id',
      sealWith: [k1],
      readWith: [{ id: 'k1', key: k2.key }],
      expected: PayloadAuthenticationError,
      message: /key "k1" fails authentication/,
    },
  ];

  it.each(decodeCases)('R-KEY-1: $name', async ({ sealWith, readWith, alter, expected, message }) => {
    const stored = sealWith === null ? clear() : await sealed(sealWith);
    const decoding = new PayloadEncryptionCodec(readWith).decode([alter ? alter(stored) : stored]);
    if (expected === 'value') {
      const [payload] = await decoding;
      expect(defaultPayloadConverter.fromPayload(payload as Payload)).toEqual(SECRET);
      return;
    }
    await expect(decoding).rejects.toBeInstanceOf(expected);
    if (message) await expect(decoding).rejects.toThrow(message);
  });

  it('without keys it sends payloads unchanged', async () => {
    const payload = clear();
    expect(await new PayloadEncryptionCodec([]).encode([payload])).toEqual([payload]);
  });
});

describe('payload keys and the codec endpoint in the configuration', () => {
  const b64 = (key: PayloadKey) => key.key.toString('base64');
  const read = (env: NodeJS.ProcessEnv) => loadConfig(env, '/srv/certflow');

  const accepted: { name: string; env: NodeJS.ProcessEnv; ids: string[] }[] = [
    { name: 'unset: no keys', env: {}, ids: [] },
    { name: 'KEYS, newest first', env: { CERTFLOW_PAYLOAD_KEYS: `k2:${b64(k2)}, k1:${b64(k1)}` }, ids: ['k2', 'k1'] },
    { name: 'a single KEY without id', env: { CERTFLOW_PAYLOAD_KEY: b64(k1) }, ids: ['default'] },
    { name: 'a single KEY with an id', env: { CERTFLOW_PAYLOAD_KEY: `k1:${b64(k1)}` }, ids: ['k1'] },
    {
      name: 'KEYS then KEY: the single key stays readable',
      env: { CERTFLOW_PAYLOAD_KEYS: `k2:${b64(k2)}`, CERTFLOW_PAYLOAD_KEY: b64(k1) },
      ids: ['k2', 'default'],
    },
    {
      name: 'the same key under the same id in both is one key',
      env: { CERTFLOW_PAYLOAD_KEYS: `k1:${b64(k1)}`, CERTFLOW_PAYLOAD_KEY: `k1:${b64(k1)}` },
      ids: ['k1'],
    },
    {
      name: 'base64url is read too',
      env: { CERTFLOW_PAYLOAD_KEYS: `k1:${k1.key.toString('base64url')}` },
      ids: ['k1'],
    },
  ];
  it.each(accepted)('reads $name', ({ env, ids }) => {
    expect(read(env).payloadKeys.map(({ id }) => id)).toEqual(ids);
  });

  const refused: { name: string; env: NodeJS.ProcessEnv; message: RegExp }[] = [
    {
      name: 'a 16-byte key',
      env: { CERTFLOW_PAYLOAD_KEYS: `k1:${randomBytes(16).toString('base64')}` },
      message: /CERTFLOW_PAYLOAD_KEYS: key "k1" is 16 bytes, not 32 .*openssl rand -base64 32/,
    },
    { name: 'bad base64', env: { CERTFLOW_PAYLOAD_KEYS: 'k1:not base64!' }, message: /key "k1" is not base64/ },
    {
      name: 'a duplicate id',
      env: { CERTFLOW_PAYLOAD_KEYS: `k1:${b64(k1)},k1:${b64(k2)}` },
      message: /key id "k1" appears twice/,
    },
    {
      name: 'KEY reusing an id of KEYS for another key',
      env: { CERTFLOW_PAYLOAD_KEYS: `k1:${b64(k1)}`, CERTFLOW_PAYLOAD_KEY: `k1:${b64(k2)}` },
      message: /CERTFLOW_PAYLOAD_KEY: key id "k1" also names a different key/,
    },
    { name: 'KEYS without an id', env: { CERTFLOW_PAYLOAD_KEYS: b64(k1) }, message: /has no key id/ },
    { name: 'an id with a space', env: { CERTFLOW_PAYLOAD_KEYS: `k 1:${b64(k1)}` }, message: /key id "k 1" is not/ },
    {
      name: 'a short codec token',
      env: { CERTFLOW_CODEC_TOKEN: 'secret' },
      message: /CERTFLOW_CODEC_TOKEN: must be at least 16/,
    },
    {
      name: 'a CORS origin with a path',
      env: { CERTFLOW_CODEC_CORS_ORIGINS: 'https://ui.example.com/namespaces' },
      message: /CERTFLOW_CODEC_CORS_ORIGINS: "https:\/\/ui.example.com\/namespaces" is not an origin/,
    },
  ];
  it.each(refused)('refuses $name with the fix', ({ env, message }) => {
    expect(() => read(env)).toThrow(ConfigError);
    expect(() => read(env)).toThrow(message);
  });

  it('a refused key never appears in the error', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => read({ CERTFLOW_PAYLOAD_KEYS: `k1:${short}` })).not.toThrow(short);
  });

  it('reads the codec token and CORS origins', () => {
    const config = read({
      CERTFLOW_CODEC_TOKEN: 'a'.repeat(32),
      CERTFLOW_CODEC_CORS_ORIGINS: 'https://ui.example.com, http://localhost:8233/',
    });
    expect(config.codecToken).toBe('a'.repeat(32));
    expect(config.codecCorsOrigins).toEqual(['https://ui.example.com', 'http://localhost:8233']);
    expect(read({ TEMPORAL_UI_PORT: '9233' }).codecCorsOrigins).toEqual([
      'http://localhost:9233',
      'http://127.0.0.1:9233',
    ]);
  });
});
