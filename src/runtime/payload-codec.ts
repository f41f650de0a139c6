/**
 * Payload encryption (R-KEY-1): a Temporal PayloadCodec that seals every payload certflow's clients and workers send
 * to Temporal with AES-256-GCM, so workflow histories hold no subject, SAN, e-mail or reason text in clear. It lives
 * in the runtime because it is how certflow's own processes talk to Temporal (like the dev server and the search
 * attributes), not an outside system of its own: the worker, the CLI and `certflow start` all take it from here.
 *
 * A sealed payload is the whole original payload (metadata and data, protobuf-encoded) encrypted under the newest
 * key with a fresh 96-bit nonce; its metadata says `binary/encrypted` and names the key id, so keys rotate: the
 * first configured key encrypts, any configured key decrypts. The key id is also the cipher's additional
 * authenticated data, so a payload relabelled with another id fails authentication like any other tampering.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The metadata encoding of a sealed payload, as in Temporal's encryption samples. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata field naming the key a payload was sealed with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** The metadata field naming the cipher, so a later codec can tell old payloads apart. */
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** AES-256 takes 32-byte keys. */
export const PAYLOAD_KEY_BYTES = 32;

/** One payload key: its id (written into each payload it seals) and 32 bytes of key. */
export interface PayloadKey {
  readonly id: string;
  readonly key: Buffer;
}

/** A sealed payload names a key this process is not configured with. */
export class UnknownPayloadKeyError extends Error {
  override readonly name = 'UnknownPayloadKeyError';
  constructor(
    readonly keyId: string,
    configured: readonly string[],
  ) {
    super(
      `a Temporal payload is encrypted with key "${keyId}", which this process does not have ` +
        `(configured: ${configured.length === 0 ? 'none' : configured.join(', ')}): add the old key after the new ` +
        `one to CERTFLOW_PAYLOAD_KEYS, e.g. CERTFLOW_PAYLOAD_KEYS=<new id>:<base64>,${keyId}:<base64>`,
    );
  }
}

/** A sealed payload fails authentication: it was altered, truncated, or sealed under another key with this id. */
export class PayloadAuthenticationError extends Error {
  override readonly name = 'PayloadAuthenticationError';
  constructor(readonly keyId: string) {
    super(
      `a Temporal payload encrypted with key "${keyId}" fails authentication: it was altered in the history, or ` +
        `"${keyId}" in CERTFLOW_PAYLOAD_KEYS is not the key it was encrypted with`,
    );
  }
}

const text = new TextEncoder();
const utf8 = new TextDecoder();

/** Encrypts payloads with the first key and decrypts with any; see the module comment. */
export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;

  /** `keys` newest first; without keys the codec passes payloads through and refuses only sealed ones. */
  constructor(private readonly keys: readonly PayloadKey[]) {
    for (const { id, key } of keys) {
      if (key.length !== PAYLOAD_KEY_BYTES) throw new Error(`payload key "${id}" has ${key.length} bytes, not 32`);
    }
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  /** Seals each payload under the newest key, or passes them through when no key is configured. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    const newest = this.keys[0];
    if (newest === undefined) return payloads;
    return payloads.map((payload) => seal(payload, newest));
  }

  /** Opens sealed payloads and passes the rest (written before encryption was turned on) through. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.open(payload));
  }

  private open(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (encoding === undefined || utf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const rawId = payload.metadata?.[KEY_ID_METADATA];
    const keyId = rawId === undefined ? '' : utf8.decode(rawId);
    const key = this.byId.get(keyId);
    if (key === undefined) throw new UnknownPayloadKeyError(keyId, [...this.byId.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new PayloadAuthenticationError(keyId);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAAD(text.encode(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadAuthenticationError(keyId);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

function seal(payload: Payload, { id, key }: PayloadKey): Payload {
  const plain = temporal.api.common.v1.Payload.encode(payload).finish();
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(text.encode(id));
  const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: {
      [METADATA_ENCODING_KEY]: text.encode(ENCRYPTED_ENCODING),
      [CIPHER_METADATA]: text.encode(CIPHER),
      [KEY_ID_METADATA]: text.encode(id),
    },
    data: new Uint8Array(sealed),
  };
}

/**
 * The module exporting certflow's failure converter, which moves failure messages and stack traces into payloads so
 * the codec encrypts them too; workflow bundles are built with it (see `bundleWorkflows` in workflow-bundle.ts).
 */
export const FAILURE_CONVERTER_PATH = path.join(__dirname, 'encoded-failure-converter.js');

/**
 * The data converter every Temporal client and worker certflow builds uses. The codec is installed even without
 * keys: it then changes nothing it sends, and a sealed payload it reads fails with the fix (configure the key)
 * instead of the payload converter's "unknown encoding". The failure converter is installed even without keys too,
 * so one workflow bundle serves every worker and turning keys on changes no workflow code.
 */
export function payloadDataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new PayloadEncryptionCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
