import type { InternalCa } from '../../src/adapters/ca/internal-ca';
import type { FileKeyStore } from '../../src/adapters/keys/file-key-store';
import { decodeCertificates } from '../../src/core/domain/certificates/decode-certificates';
import type { CertificateMetadataPatch } from '../../src/core/domain/inventory/model';
import type { InventoryStore } from '../../src/core/ports/inventory-store';

/** Issues www.example.com from `ca` (key `seed` in `keyStore`) and records it as a managed certificate; its id. */
export async function recordManagedInternalCertificate(
  { ca, keyStore, store }: { ca: InternalCa; keyStore: FileKeyStore; store: InventoryStore },
  metadata: CertificateMetadataPatch,
): Promise<string> {
  await keyStore.ensureKeyPair('seed', { algorithm: 'EC', curve: 'P-256' });
  const subject = 'CN=www.example.com';
  const issued = await ca.issue({
    idempotencyKey: 'seed',
    csrPem: await keyStore.createCsr('seed', { subject, dnsNames: ['www.example.com'], ipAddresses: [] }),
    subject,
    dnsNames: ['www.example.com'],
    ipAddresses: [],
    validityDays: 90,
  });
  const parsed = decodeCertificates(new TextEncoder().encode(issued.certificatePem), 'seed').certificates[0]!;
  const at = new Date().toISOString();
  await store.upsertCertificates([{ facts: parsed.facts, der: parsed.der, metadata }], at);
  return (await store.assignManagedCertificates([parsed.facts.fingerprintSha256], at)).created[0]!.id;
}
