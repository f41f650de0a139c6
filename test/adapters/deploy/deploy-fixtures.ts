/**
 * Certificates, keys and install requests for the deployer tests: one root and issuing CA, leaves for `localhost`
 * and 127.0.0.1 valid around the real clock (TLS checks validity against it), each with its own cached key.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CertificateLocation } from '../../../src/core/domain/inventory/model';
import type { InstallRequest } from '../../../src/core/ports/deployer';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  type CertificateSpec,
  type IssuedCertificate,
  testKeyPair,
} from '../../support/certificate-factory';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';

const DAY = 86_400_000;

/** A leaf with the key reference it is stored under. */
export interface TestLeaf {
  readonly certificate: IssuedCertificate;
  readonly keyRef: string;
  readonly fingerprint: string;
}

/** Lower-case hex SHA-256 of DER bytes. */
export function fingerprintOfDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** A CA pair, a key store, and a way to make leaves whose keys are in it. */
export function deployFixtures() {
  const root = createRootCa();
  const intermediate = createIntermediateCa(root);
  const keyStore = new InMemoryKeyStore();
  let leaves = 0;
  const now = Date.now();

  /** A leaf for localhost/127.0.0.1 with key slot `slot` (distinct slots, distinct keys). */
  const leaf = (slot: number, spec: Partial<CertificateSpec> = {}): TestLeaf => {
    const certificate = createLeaf(intermediate, {
      subject: 'CN=localhost, O=Certflow Test',
      subjectAltNames: { dns: ['localhost'], ip: ['127.0.0.1'] },
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 90 * DAY),
      key: testKeyPair('ec-p256', 40 + slot),
      ...spec,
    });
    const keyRef = `test-managed/cycle-${++leaves}`;
    keyStore.put(keyRef, certificate.key.privateKey);
    return { certificate, keyRef, fingerprint: fingerprintOfDer(certificate.der) };
  };

  /** An install request for `certificate` at `location`, chain = the issuing CA unless given. */
  const request = (
    installed: TestLeaf,
    location: CertificateLocation,
    idempotencyKey: string,
    chainPems: readonly string[] = [intermediate.pem],
  ): InstallRequest => ({
    idempotencyKey,
    location,
    certificatePem: installed.certificate.pem,
    chainPems,
    keyRef: installed.keyRef,
    fingerprintSha256: installed.fingerprint,
  });

  return { root, intermediate, keyStore, leaf, request };
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function temporaryFolder(prefix: string): { folder: string; remove: () => void } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `certflow-${prefix}-`));
  return { folder, remove: () => fs.rmSync(folder, { recursive: true, force: true }) };
}

/** Permission bits of a file. */
export function modeOf(file: string): number {
  return fs.statSync(file).mode & 0o777;
}
