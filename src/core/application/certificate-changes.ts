/**
 * Changing certificates from an entry point that acts for a principal (the HTTP API): their metadata (owner group,
 * contacts, tags, locations …) and uploads imported like `certflow import`. Who may (R-SEC-2): security leads and
 * admins change any certificate; owners and approvers change those of their own owner group, and only a security lead
 * moves a certificate to another group. Roles come from the worker's published configuration and the owner group.
 */
import type { CertificateMetadataPatch, InventoryCertificate } from '../domain/inventory/model';
import type { MetadataRow } from '../domain/inventory/metadata-row';
import type { Actor } from '../domain/lifecycle/model';
import { buildRoster, rolesOf } from '../domain/lifecycle/roles';
import type { CertificateSource } from '../ports/certificate-source';
import { UnknownCertificateError } from '../ports/inventory-errors';
import type { InventoryStore } from '../ports/inventory-store';
import type { ReadPublishedRoles } from '../ports/published-roles';
import { importCertificates, type ImportOptions, type ImportReport } from './import-certificates';
import { applyMetadataRows, type MetadataImportReport } from './import-metadata';
import {
  startImportedLifecycles,
  tellLifecyclesOfMetadata,
  type ImportLifecycles,
  type MetadataLifecycles,
  type WhenLifecyclesReachable,
} from './imported-lifecycles';
import { RoleRefusedError } from './security-roles';

/** A metadata change or an import the inventory refuses (an owner group that does not exist …). */
export class CertificateChangeError extends Error {
  override readonly name = 'CertificateChangeError';
}

/** Who acts, from where, and how lifecycles are reached afterwards. */
export interface CertificateChangeOptions {
  readonly store: InventoryStore;
  readonly roles: ReadPublishedRoles;
  readonly actor: Actor;
  /** For the audit log, e.g. `api:<token name>`. */
  readonly where: string;
  readonly whenReachable: WhenLifecyclesReachable;
  readonly now?: () => Date;
}

/**
 * Refuses `actor` unless it may change certificates of `group` (null: unowned ones) and, when `newGroup` differs,
 * give them to another group: security leads and admins always; owners and approvers of `group` within it.
 */
async function requireCertificateRole(
  options: CertificateChangeOptions,
  group: string | null,
  newGroup: string | null,
  metadata: Pick<InventoryCertificate['metadata'], 'contacts' | 'approvers'>,
  what: string,
): Promise<void> {
  const published = await options.roles();
  const ownerGroup = group === null ? null : await options.store.getOwnerGroup(group);
  const roster = buildRoster({
    group: ownerGroup,
    metadata: { ...metadata, ownerGroup: group },
    securityLeads: published?.securityLeads ?? [],
    admins: published?.admins ?? [],
  });
  const held = rolesOf(options.actor, roster);
  if (held.includes('security-lead') || held.includes('admin')) return;
  const name = options.actor.displayName ?? options.actor.id;
  if (group === null || !(held.includes('owner') || held.includes('approver'))) {
    throw new RoleRefusedError(
      'not-security-lead',
      `${name} is not an owner of ${group === null ? 'this unowned certificate' : `group ${group}`} nor a security ` +
        `lead and cannot ${what}; ask an owner of the group or a security lead (CERTFLOW_SECURITY_LEADS of the worker)`,
    );
  }
  if (newGroup !== null && newGroup !== group) {
    throw new RoleRefusedError(
      'not-security-lead',
      `${name} owns certificates of group ${group} but only a security lead moves them to group ${newGroup}`,
    );
  }
}

/** What a metadata change did. */
export interface MetadataChange {
  readonly certificate: InventoryCertificate;
  /** Lifecycles told to re-read owners and contacts, why not, or null when no current version changed. */
  readonly lifecycles: MetadataLifecycles | null;
}

/**
 * Merges `patch` into one certificate's metadata as `certflow import --metadata` does (lists are added to, values
 * replaced), audited, and tells its lifecycle to re-read owners and contacts. Throws UnknownCertificateError,
 * RoleRefusedError or CertificateChangeError.
 */
export async function changeCertificateMetadata(
  idOrPrefix: string,
  patch: CertificateMetadataPatch,
  options: CertificateChangeOptions,
): Promise<MetadataChange> {
  const certificate = await options.store.getCertificate(idOrPrefix);
  if (certificate === null) throw new UnknownCertificateError([idOrPrefix]);
  await requireCertificateRole(
    options,
    certificate.metadata.ownerGroup,
    patch.ownerGroup ?? null,
    certificate.metadata,
    'change its metadata',
  );
  const fingerprint = certificate.facts.fingerprintSha256;
  const applied = await applyMetadataRows([{ line: 1, key: { kind: 'fingerprint', value: fingerprint }, patch }], {
    store: options.store,
    actor: options.actor.id,
    where: options.where,
    source: options.where,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  if (applied.errors.length > 0) throw new CertificateChangeError(applied.errors.map((e) => e.message).join('; '));
  const lifecycles = await tellLifecyclesOfMetadata(applied.updatedFingerprints, {
    store: options.store,
    whenReachable: options.whenReachable,
    actor: options.actor.id,
  });
  const updated = await options.store.getCertificate(fingerprint);
  return { certificate: updated ?? certificate, lifecycles };
}

/** What a metadata CSV did: rows applied, the per-row errors, and what followed for lifecycles. */
export interface MetadataRowsChange {
  readonly report: MetadataImportReport;
  readonly lifecycles: MetadataLifecycles | null;
}

/**
 * Merges metadata rows (a CSV's, as `certflow import --metadata` reads it) for a principal: a row whose certificates
 * the actor may not change (see changeCertificateMetadata) is refused with its line and the reason, the others apply,
 * audited; their lifecycles re-read owners and contacts.
 */
export async function changeMetadataByRows(
  rows: readonly MetadataRow[],
  source: string,
  options: CertificateChangeOptions,
): Promise<MetadataRowsChange> {
  const report = await applyMetadataRows(rows, {
    store: options.store,
    actor: options.actor.id,
    where: options.where,
    source,
    ...(options.now === undefined ? {} : { now: options.now }),
    refusal: async (row, certificates) => {
      try {
        for (const certificate of certificates) {
          const { metadata } = certificate;
          await requireCertificateRole(
            options,
            metadata.ownerGroup,
            row.patch.ownerGroup ?? null,
            metadata,
            'change its metadata',
          );
        }
        return null;
      } catch (error) {
        if (error instanceof RoleRefusedError) return error.message;
        throw error;
      }
    },
  });
  const lifecycles = await tellLifecyclesOfMetadata(report.updatedFingerprints, {
    store: options.store,
    whenReachable: options.whenReachable,
    actor: options.actor.id,
  });
  return { report, lifecycles };
}

/** What an upload's import did: the import report and what followed for lifecycles. */
export interface UploadImport {
  readonly certificates: ImportReport;
  readonly lifecycles: ImportLifecycles | null;
  readonly metadataLifecycles: MetadataLifecycles | null;
}

/**
 * Imports what `source` decoded from uploaded files, with `metadata` merged into every certificate (`--owner`,
 * `--tag`), then starts their lifecycles and tells the changed ones, as `certflow import` does. Only security leads
 * and admins import unowned certificates; owners and approvers of a group import into it.
 */
export async function importUploadedCertificates(
  source: CertificateSource,
  metadata: CertificateMetadataPatch,
  options: CertificateChangeOptions & Pick<ImportOptions, 'policy'>,
): Promise<UploadImport> {
  const group = metadata.ownerGroup ?? null;
  if (group !== null && (await options.store.getOwnerGroup(group)) === null) {
    throw new CertificateChangeError(`owner group "${group}" does not exist; create it first`);
  }
  await requireCertificateRole(options, group, null, { contacts: [], approvers: [] }, 'import certificates');
  const certificates = await importCertificates(source, {
    store: options.store,
    policy: options.policy,
    actor: options.actor.id,
    where: options.where,
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const lifecycles = await startImportedLifecycles(certificates.managed, {
    whenReachable: options.whenReachable,
    actor: options.actor.id,
  });
  const metadataLifecycles = await tellLifecyclesOfMetadata(certificates.metadataMerged, {
    store: options.store,
    whenReachable: options.whenReachable,
    actor: options.actor.id,
  });
  return { certificates, lifecycles, metadataLifecycles };
}
