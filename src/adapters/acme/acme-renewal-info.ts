/**
 * ACME Renewal Information (RFC 9773): the window in which the CA suggests renewing a certificate, which moves
 * earlier when the CA plans to revoke (a mass revocation event). The adapter fetches it; deciding what it does to a
 * lifecycle's renewal deadline belongs to the core.
 */
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import { CaRejectedError, type RenewalInfo } from '../../core/ports/certificate-authority';

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/**
 * The certificate's ARI identifier (RFC 9773 section 4.1): base64url of the Authority Key Identifier's keyIdentifier,
 * a dot, base64url of the serial number's DER content octets.
 */
export function renewalInfoId(certificateDer: Uint8Array): string {
  const { facts } = parseCertificateDer(certificateDer);
  if (facts.authorityKeyId === null) {
    throw new CaRejectedError(
      'the certificate has no authority key identifier, so ACME renewal information cannot name it',
    );
  }
  const serialHex = facts.serialNumber.startsWith('-') ? facts.serialNumber.slice(1) : facts.serialNumber;
  const even = serialHex.length % 2 === 0 ? serialHex : `0${serialHex}`;
  // A positive INTEGER whose top bit is set carries a leading zero octet in DER.
  const content = /^[89a-f]/.test(even) ? `00${even}` : even;
  return `${base64url(Buffer.from(facts.authorityKeyId, 'hex'))}.${base64url(Buffer.from(content, 'hex'))}`;
}

/** Reads a renewalInfo response body; throws when it is not one. */
export function parseRenewalInfo(body: unknown, retryAfterSeconds: number | null): RenewalInfo {
  const window = (body as { suggestedWindow?: { start?: unknown; end?: unknown } } | null)?.suggestedWindow;
  const start = typeof window?.start === 'string' ? Date.parse(window.start) : Number.NaN;
  const end = typeof window?.end === 'string' ? Date.parse(window.end) : Number.NaN;
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
    throw new Error(`the CA's renewal information has no valid suggestedWindow: ${JSON.stringify(body)}`);
  }
  const explanation = (body as { explanationURL?: unknown }).explanationURL;
  return {
    suggestedWindow: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
    explanationUrl: typeof explanation === 'string' ? explanation : null,
    retryAfterSeconds,
  };
}
