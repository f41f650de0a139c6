/**
 * Chain linking by name and key identifier, the reference behaviour for bundles and for the inventory store's
 * issuer links. Signatures are not verified: this answers "which certificate in the set issued this one".
 */
import type { CertificateFacts } from './certificate-facts';
import { distinguishedNameKey } from './distinguished-name';

/** True when `candidate` issued `certificate`: issuer DN equals the candidate's subject DN and, when both are present, the AKI equals the candidate's SKI. */
export function issuedBy(certificate: CertificateFacts, candidate: CertificateFacts): boolean {
  if (candidate.fingerprintSha256 === certificate.fingerprintSha256) return false;
  if (distinguishedNameKey(certificate.issuer) !== distinguishedNameKey(candidate.subject)) return false;
  const aki = certificate.authorityKeyId;
  const ski = candidate.subjectKeyId;
  return aki === null || ski === null || aki === ski;
}

/** Deterministic choice among several matching issuers (re-issued CAs): latest notAfter, then lowest fingerprint. */
function preferred<T extends CertificateFacts>(a: T, b: T): T {
  if (a.notAfter !== b.notAfter) return a.notAfter > b.notAfter ? a : b;
  return a.fingerprintSha256 < b.fingerprintSha256 ? a : b;
}

/** The issuer of `certificate` among `candidates`, or null; a self-signed certificate links to nothing. */
export function findIssuer<T extends CertificateFacts>(
  certificate: CertificateFacts,
  candidates: Iterable<T>,
): T | null {
  if (certificate.selfSigned) return null;
  let found: T | null = null;
  for (const candidate of candidates) {
    if (issuedBy(certificate, candidate)) found = found === null ? candidate : preferred(found, candidate);
  }
  return found;
}

/** For every certificate of the set, the SHA-256 fingerprint of its issuer in the set, or null. */
export function linkChain(certificates: readonly CertificateFacts[]): Map<string, string | null> {
  const bySubject = new Map<string, CertificateFacts[]>();
  for (const certificate of certificates) {
    const key = distinguishedNameKey(certificate.subject);
    const sameSubject = bySubject.get(key);
    if (sameSubject) sameSubject.push(certificate);
    else bySubject.set(key, [certificate]);
  }
  const links = new Map<string, string | null>();
  for (const certificate of certificates) {
    const candidates = bySubject.get(distinguishedNameKey(certificate.issuer)) ?? [];
    links.set(certificate.fingerprintSha256, findIssuer(certificate, candidates)?.fingerprintSha256 ?? null);
  }
  return links;
}

/** The path from `certificate` up through its issuers in `candidates`, leaf first; stops at a root, a gap or a loop. */
export function buildChain(certificate: CertificateFacts, candidates: readonly CertificateFacts[]): CertificateFacts[] {
  const chain = [certificate];
  const seen = new Set([certificate.fingerprintSha256]);
  for (let issuer = findIssuer(certificate, candidates); issuer !== null; issuer = findIssuer(issuer, candidates)) {
    if (seen.has(issuer.fingerprintSha256)) break;
    seen.add(issuer.fingerprintSha256);
    chain.push(issuer);
  }
  return chain;
}
