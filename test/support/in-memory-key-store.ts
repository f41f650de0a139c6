/**
 * A key store in memory for deployer and activity tests: generates keys with node:crypto and lets a test put in the
 * key of a certificate made by the certificate factory. CSRs are not supported.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  KeyNotFoundError,
  type CsrSubject,
  type KeyRef,
  type KeySpec,
  type KeyStore,
  type StoredKeyPair,
} from '../../src/core/ports/key-store';

function generate(spec: KeySpec): KeyObject {
  return spec.algorithm === 'EC'
    ? generateKeyPairSync('ec', { namedCurve: spec.curve }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: spec.bits }).privateKey;
}

/** The KeyStore port over a Map. */
export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<KeyRef, { spec: KeySpec; privateKey: KeyObject }>();

  /** Stores an existing private key (a factory leaf's) under `ref`. */
  put(ref: KeyRef, privateKey: KeyObject | string, spec: KeySpec = { algorithm: 'EC', curve: 'P-256' }): void {
    this.keys.set(ref, {
      spec,
      privateKey: typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey,
    });
  }

  /** References currently stored. */
  refs(): KeyRef[] {
    return [...this.keys.keys()];
  }

  async ensureKeyPair(ref: KeyRef, spec: KeySpec): Promise<StoredKeyPair> {
    const existing = this.keys.get(ref);
    const created = existing === undefined;
    const entry = existing ?? { spec, privateKey: generate(spec) };
    this.keys.set(ref, entry);
    const publicKey = createPublicKey(entry.privateKey);
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    return {
      ref,
      spec: entry.spec,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKeySha256: createHash('sha256').update(spki).digest('hex'),
      created,
    };
  }

  async createCsr(ref: KeyRef, _subject: CsrSubject): Promise<string> {
    throw new Error(`the in-memory key store cannot create CSRs (asked for ${ref}); use the file key store`);
  }

  async readPrivateKeyPem(ref: KeyRef): Promise<string> {
    const entry = this.keys.get(ref);
    if (!entry) throw new KeyNotFoundError(ref);
    return entry.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  async deleteKey(ref: KeyRef): Promise<void> {
    this.keys.delete(ref);
  }
}
