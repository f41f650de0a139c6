/** How to open an internal CA: the options a caller gives, checked and completed with their defaults. */
import path from 'node:path';
import { DEFAULT_POLICY } from '../../core/domain/policy/load-policy';
import type { Policy } from '../../core/domain/policy/policy';
import { InternalCaConfigError } from './internal-ca-errors';

const DEFAULT_MAX_VALIDITY_DAYS = 398;
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** How to open an internal CA. */
export interface InternalCaOptions {
  /** The CA's folder, e.g. `<dataDir>/ca/internal`; created when missing. */
  readonly folder: string;
  /** Encrypts the root and issuing keys at rest; the same passphrase must open the CA every time. */
  readonly passphrase: string;
  /** Where certflow's HTTP server is reachable by relying parties; CRL and AIA URLs start with it. */
  readonly publicBaseUrl: string;
  /** Name in URLs, configuration and audit entries; `internal` by default. */
  readonly name?: string;
  /** O= of the CA names when the CA is created; `certflow` by default. An existing CA keeps its names. */
  readonly organization?: string;
  /** The clock; tests pass a fixed one. */
  readonly now?: () => Date;
  /** Longest lifetime the CA issues, in days; 398 by default (R-POL-2). */
  readonly maxValidityDays?: number;
  /**
   * The policy in force, read before every issuance so a reloaded policy applies at once: the CA refuses what it
   * would flag and caps lifetimes to its maximum. certflow's default policy when not given.
   */
  readonly policy?: () => Promise<Policy>;
}

/** Checked options with defaults. */
export interface CaSettings {
  readonly folder: string;
  readonly passphrase: string;
  readonly baseUrl: string;
  readonly name: string;
  readonly organization: string;
  readonly now: () => Date;
  readonly maxValidityDays: number;
  readonly policy: () => Promise<Policy>;
}

/** Where relying parties find what the CA publishes (served by ca-http.ts under `/ca/<name>/`). */
export interface CaUrls {
  /** The issuing CA's CRL (DER): the CRL distribution point of every certificate issued. */
  readonly crl: string;
  /** The root's CRL (DER): the CRL distribution point of the issuing CA certificate. */
  readonly rootCrl: string;
  /** The issuing CA certificate (DER): the AIA caIssuers URL of every certificate issued. */
  readonly issuingCertificate: string;
}

/** The CA's published URLs under its public base URL. */
export function caUrls(settings: CaSettings): CaUrls {
  const base = `${settings.baseUrl}/ca/${settings.name}`;
  return { crl: `${base}/crl`, rootCrl: `${base}/root.crl`, issuingCertificate: `${base}/issuing.cer` };
}

/** Checks the options and fills in the defaults; an unusable option is an InternalCaConfigError naming the fix. */
export function checkOptions(options: InternalCaOptions): CaSettings {
  const name = options.name ?? 'internal';
  if (!NAME_PATTERN.test(name)) {
    throw new InternalCaConfigError(`CA name "${name}" must be lower-case letters, digits and "-" (it goes into URLs)`);
  }
  if (typeof options.folder !== 'string' || options.folder.trim() === '') {
    throw new InternalCaConfigError(`the internal CA "${name}" needs a folder: set it to a path under the data folder`);
  }
  if (typeof options.passphrase !== 'string' || options.passphrase === '') {
    throw new InternalCaConfigError(
      `the internal CA "${name}" needs a passphrase to encrypt its keys: configure a non-empty one`,
    );
  }
  let url: URL;
  try {
    url = new URL(options.publicBaseUrl);
  } catch {
    throw new InternalCaConfigError(
      `public base URL "${options.publicBaseUrl}" of the internal CA is not a URL: use e.g. http://certflow.example.com:8080`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new InternalCaConfigError(
      `public base URL "${options.publicBaseUrl}" of the internal CA must be http(s) without query or fragment`,
    );
  }
  const maxValidityDays = options.maxValidityDays ?? DEFAULT_MAX_VALIDITY_DAYS;
  if (!Number.isFinite(maxValidityDays) || maxValidityDays <= 0) {
    throw new InternalCaConfigError(`maxValidityDays ${maxValidityDays} of the internal CA must be a positive number`);
  }
  const organization = options.organization ?? 'certflow';
  if (organization.trim() === '') throw new InternalCaConfigError('the internal CA organization name is empty');
  return {
    folder: path.resolve(options.folder),
    passphrase: options.passphrase,
    baseUrl: url.href.replace(/\/+$/, ''),
    name,
    organization,
    now: options.now ?? (() => new Date()),
    maxValidityDays,
    policy: options.policy ?? (() => Promise.resolve(DEFAULT_POLICY)),
  };
}
