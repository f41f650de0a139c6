/** Finding the managed certificate a user means from what they typed (an id, a fingerprint or a prefix). */
import type { InventoryStore, ManagedCertificate } from '../ports/inventory-store';

/** No managed certificate matches what the user typed. */
export class ManagedCertificateNotFoundError extends Error {
  override readonly name = 'ManagedCertificateNotFoundError';
}

/**
 * Finds the managed certificate a user means: its id, or the id, fingerprint or a unique prefix (8 or more hex
 * digits) of any of its versions. Bad input throws the store's InventoryInputError or AmbiguousIdError.
 */
export async function resolveManagedCertificate(
  store: InventoryStore,
  idOrPrefix: string,
): Promise<ManagedCertificate> {
  const text = idOrPrefix.trim().toLowerCase();
  if (/^[0-9a-f]{16,64}$/.test(text)) {
    const managed = await store.getManagedCertificate(text);
    if (managed !== null) return managed;
  }
  const certificate = await store.getCertificate(text);
  if (certificate === null) {
    throw new ManagedCertificateNotFoundError(
      `no certificate matches "${idOrPrefix}"; \`certflow list\` shows the inventory and its ids`,
    );
  }
  const managed = await store.findManagedCertificateByFingerprint(certificate.facts.fingerprintSha256);
  if (managed !== null) return managed;
  if (certificate.facts.role !== 'end-entity') {
    throw new ManagedCertificateNotFoundError(
      `${certificate.id} (${certificate.facts.subject.text}) is a CA certificate; certflow runs lifecycles for ` +
        'end-entity certificates only',
    );
  }
  throw new ManagedCertificateNotFoundError(
    `${certificate.id} (${certificate.facts.subject.text}) is not assigned to a managed certificate yet: import it ` +
      'again (`certflow import <file>`) to assign it',
  );
}
