/**
 * The key store (R-KEY-1): private keys live here and nowhere else. Workflows and activities pass key references
 * (`KeyRef`); only the key store, and deployers writing a key where a server reads it, ever touch key material.
 */

/** A key reference: a path-safe name, e.g. `<managed id>/cycle-3`. Safe in workflow history. */
export type KeyRef = string;

import type { KeySpec } from '../domain/lifecycle/model';

export type { KeySpec } from '../domain/lifecycle/model';

/** The public half of a stored key pair. */
export interface StoredKeyPair {
  readonly ref: KeyRef;
  readonly spec: KeySpec;
  /** SPKI, PEM. */
  readonly publicKeyPem: string;
  /** SHA-256 of the SPKI DER, hex: to check that a certificate matches the key. */
  readonly publicKeySha256: string;
  /** False when the pair already existed (a retried activity). */
  readonly created: boolean;
}

/** What a certificate signing request names. */
export interface CsrSubject {
  /** RFC 4514 DN, e.g. `CN=api.example.com, O=Example`. */
  readonly subject: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** Stores private keys; every method is idempotent. */
export interface KeyStore {
  /** Generates a key pair under `ref`, or returns the one already there (same spec) without generating again. */
  ensureKeyPair(ref: KeyRef, spec: KeySpec): Promise<StoredKeyPair>;
  /** A PKCS#10 request signed with the key under `ref`, PEM. */
  createCsr(ref: KeyRef, subject: CsrSubject): Promise<string>;
  /** The private key as PKCS#8 PEM, for deployers only. Throws KeyNotFoundError when absent. */
  readPrivateKeyPem(ref: KeyRef): Promise<string>;
  /** Deletes the key (after its certificate is revoked); absent keys are fine. */
  deleteKey(ref: KeyRef): Promise<void>;
}

/** No key under this reference. */
export class KeyNotFoundError extends Error {
  override readonly name = 'KeyNotFoundError';
  constructor(readonly ref: KeyRef) {
    super(
      `no private key ${ref} in the key store; it was deleted or never generated — renew the certificate to get a new key`,
    );
  }
}
