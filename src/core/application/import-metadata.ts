import type { MetadataCsv, MetadataRow, MetadataRowError } from '../domain/inventory/metadata-row';
import type { InventoryCertificate } from '../domain/inventory/model';
import type { ImportActor } from './import-certificates';
import { AmbiguousIdError } from '../ports/inventory-errors';
import type { InventoryStore } from '../ports/inventory-store';

/** What applying a metadata CSV did: rows applied, and a per-row error for each row that changed nothing. */
export interface MetadataImportReport {
  readonly rows: number;
  /** Certificates whose metadata changed (a host:port row can reach several). */
  readonly certificatesUpdated: number;
  /** Their fingerprints, once each, so their lifecycles can be told to re-read their owners and contacts. */
  readonly updatedFingerprints: readonly string[];
  readonly errors: readonly MetadataRowError[];
}

/**
 * Merges metadata rows into the inventory (R-INV-2 bulk CSV). A row names its certificate by fingerprint (or a
 * unique prefix) or by an endpoint it is installed at; a row naming nothing known, or an owner group that does
 * not exist, is refused with its line number and the other rows still apply (R-INV-4). Every change is audited.
 */
export async function applyMetadataRows(
  rows: readonly MetadataRow[],
  options: ImportActor & {
    store: InventoryStore;
    source: string;
    now?: () => Date;
    /** Why the actor may not change a row's certificates (the row then changes nothing), or null when it may. */
    refusal?: (row: MetadataRow, certificates: readonly InventoryCertificate[]) => Promise<string | null>;
  },
): Promise<MetadataImportReport> {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const groups = new Set((await store.listOwnerGroups()).map((group) => group.id));
  const errors: MetadataRowError[] = [];
  let certificatesUpdated = 0;
  const updated = new Set<string>();
  for (const row of rows) {
    if (row.patch.ownerGroup && !groups.has(row.patch.ownerGroup)) {
      errors.push({
        line: row.line,
        message: `owner group "${row.patch.ownerGroup}" does not exist; create it first with \`certflow groups create ${row.patch.ownerGroup} --name …\``,
      });
      continue;
    }
    let certificates: InventoryCertificate[];
    try {
      certificates = await resolveRow(store, row);
    } catch (error) {
      if (!(error instanceof AmbiguousIdError)) throw error;
      errors.push({ line: row.line, message: error.message });
      continue;
    }
    if (certificates.length === 0) {
      const key = row.key.kind === 'fingerprint' ? `fingerprint ${row.key.value}` : `${row.key.host}:${row.key.port}`;
      errors.push({ line: row.line, message: `no certificate in the inventory matches ${key}; import it first` });
      continue;
    }
    const refused = (await options.refusal?.(row, certificates)) ?? null;
    if (refused !== null) {
      errors.push({ line: row.line, message: refused });
      continue;
    }
    const fingerprints = certificates.map((certificate) => certificate.facts.fingerprintSha256);
    const at = now().toISOString();
    for (const fingerprint of fingerprints) await store.mergeMetadata(fingerprint, row.patch);
    await store.appendAudit(
      fingerprints.map((fingerprint) => ({
        at,
        actor: options.actor,
        action: 'certificate.metadata-updated',
        subject: fingerprint,
        where: options.where,
        details: { source: options.source, line: row.line, patch: row.patch },
      })),
    );
    certificatesUpdated += fingerprints.length;
    for (const fingerprint of fingerprints) updated.add(fingerprint);
  }
  return { rows: rows.length, certificatesUpdated, updatedFingerprints: [...updated], errors };
}

async function resolveRow(store: InventoryStore, row: MetadataRow): Promise<InventoryCertificate[]> {
  if (row.key.kind === 'fingerprint') {
    const found = await store.getCertificate(row.key.value);
    return found ? [found] : [];
  }
  return [...(await store.findByEndpoint(row.key.host, row.key.port))];
}

/** A CSV's report as a whole: its rows counted with those the reader refused, and every row's error in line order. */
export function wholeCsvReport(csv: MetadataCsv, applied: MetadataImportReport): MetadataImportReport {
  const errors = [...csv.errors, ...applied.errors].sort((a, b) => a.line - b.line);
  return { ...applied, rows: csv.rows.length + csv.errors.length, errors };
}
