/** What the HTTP API works with: the inventory, tokens, roles, and the clients of lifecycles and campaigns. */
import type { CampaignOperations } from '../../core/application/campaign-operations';
import type { LifecycleClient } from '../../core/application/lifecycle-client';
import type { MetadataCsv } from '../../core/domain/inventory/metadata-row';
import type { CertificateLocation } from '../../core/domain/inventory/model';
import type { Policy } from '../../core/domain/policy/policy';
import type { ApiTokenStore } from '../../core/ports/api-token-store';
import type { FoundCertificates } from '../../core/ports/certificate-source';
import type { DiscoveryStore } from '../../core/ports/discovery-store';
import type { InventoryStore } from '../../core/ports/inventory-store';
import type { ReadPublishedRoles } from '../../core/ports/published-roles';
import type { RateLimitOptions } from './rate-limit';

/** One uploaded file: its name (for reports), bytes, and where it is installed when the upload says. */
export interface UploadedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly location?: CertificateLocation;
}

/** How uploads become certificates: the runtime decodes with the certificate-files adapter and loads the policy. */
export interface ApiImporter {
  /** Reads a metadata CSV as `certflow import --metadata` does; throws MetadataHeaderError for an unusable header. */
  readMetadataCsv(text: string, source: string): MetadataCsv;
  /** Decodes one file (PEM, DER, PKCS#7, PKCS#12 opened with `passwords`) as `certflow import` does. */
  decode(file: UploadedFile, passwords: readonly string[]): FoundCertificates;
  /** The policy imported certificates are judged by. */
  loadPolicy(): Promise<Policy>;
}

/** What the API works with, as wired by the runtime. */
export interface ApiDependencies {
  readonly store: InventoryStore;
  readonly tokens: ApiTokenStore;
  /**
   * The security leads and admins the worker published from its configuration: the only source of those roles.
   * Absent: nobody holds them (owner groups, campaigns and the whole audit log are refused).
   */
  readonly roles?: ReadPublishedRoles;
  /** The lifecycle client; null until certflow's Temporal client is connected (lifecycle routes answer 503). */
  readonly lifecycles: () => LifecycleClient | null;
  /** The campaign client; absent or null until it is connected (campaign routes answer 503). */
  readonly campaigns?: () => CampaignOperations | null;
  /**
   * Names of the configured issuers (`internal`, `acme:<name>`) a campaign or an owner group may renew through;
   * absent: internal alone.
   */
  readonly issuers?: readonly string[];
  /** Discovery's findings; absent where discovery is not wired (the findings route answers 503). */
  readonly findings?: Pick<DiscoveryStore, 'listFindings'>;
  /** Imports of uploaded files; absent where uploads are not wired (the import route answers 503). */
  readonly importer?: ApiImporter;
  /** Where failures are logged (never a secret: only method, path and the token's name). */
  readonly log: (line: string) => void;
  readonly now?: () => Date;
  /** Per token; 600 a minute with bursts of 100 by default. */
  readonly rateLimit?: RateLimitOptions;
  /** Largest request body, uploads included, in bytes; the HTTP server's 1 MiB by default (it refuses more). */
  readonly maxBodyBytes?: number;
}

/** The dependencies with their defaults filled in, as the route groups use them. */
export type ApiRouteDependencies = Required<Pick<ApiDependencies, 'roles' | 'campaigns' | 'issuers'>> &
  Omit<ApiDependencies, 'roles' | 'campaigns' | 'issuers'>;
