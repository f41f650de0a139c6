/** The trust store the scanner's verdicts are given against: the platform's roots, or a PEM bundle the user names. */
import fs from 'node:fs';
import tls from 'node:tls';
import { decodeCertificates } from '../../core/domain/certificates/decode-certificates';
import { toPem } from '../shared/x509';

/** A trust-store bundle that cannot be read or holds no certificate; the message tells the fix. */
export class TrustStoreError extends Error {
  override readonly name = 'TrustStoreError';
}

/** Trusted CA certificates as PEM. */
export interface TrustStore {
  readonly certificates: readonly string[];
}

/** The roots Node ships (Mozilla's CA list): the default trust store. */
export function platformTrustStore(): TrustStore {
  return trustStoreOf(tls.rootCertificates);
}

/** Trusts exactly the given PEM certificates. */
export function trustStoreOf(certificates: readonly string[]): TrustStore {
  return { certificates };
}

/** Reads a PEM (or DER, or PKCS#7) bundle of CA certificates; refuses one that cannot be read or holds none. */
export function loadTrustStore(path: string): TrustStore {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    throw new TrustStoreError(
      `cannot read the trust store ${path}: ${(error as Error).message}; give the path of a PEM bundle of CA certificates`,
    );
  }
  const decoded = decodeCertificates(bytes, path);
  if (decoded.certificates.length === 0) {
    const reason = decoded.errors[0]?.message ?? 'no certificate in it';
    throw new TrustStoreError(
      `the trust store ${path} holds no certificate (${reason}); give a PEM bundle of CA certificates`,
    );
  }
  return trustStoreOf(decoded.certificates.map((certificate) => toPem(certificate.der, 'CERTIFICATE')));
}
