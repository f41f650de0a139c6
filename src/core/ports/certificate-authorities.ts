/**
 * The CA registry (issue 19): every issuer named in configuration — `internal`, and `acme:<name>` for each ACME
 * server — by name, the way cert-manager's issuer factory hands out issuers. The runtime builds it from
 * CERTFLOW_ISSUERS_FILE; the core asks it for the issuer that {@link chooseIssuer} picked.
 */
import { CaRejectedError, type CertificateAuthorityPort } from './certificate-authority';

/** The issuer every configuration has: certflow's own internal CA. */
export const INTERNAL_ISSUER = 'internal';

/** The issuers certflow can renew from, by name. */
export interface CertificateAuthorities {
  /** The issuer of this name. Throws UnknownIssuerError when none is configured by that name. */
  get(name: string): CertificateAuthorityPort;
  /** Every configured issuer's name, `internal` first. */
  names(): readonly string[];
  /** The issuer used when neither the owner group, the policy nor the current certificate's issuer names one. */
  readonly defaultIssuer: string;
  /** The name of the configured issuer whose issuing chain has this issuer DN, or null when none has it. */
  issuerOf(issuerDn: string): Promise<string | null>;
}

/** A name that no configured issuer has: permanent until the configuration or the setting changes. */
export class UnknownIssuerError extends CaRejectedError {
  constructor(
    readonly issuer: string,
    known: readonly string[],
  ) {
    super(
      `no issuer named ${issuer} is configured (known: ${known.join(', ')}); add it to CERTFLOW_ISSUERS_FILE or ` +
        'name one of these',
    );
  }
}

/** A registry over a fixed list of issuers, the first one `internal`. */
export function certificateAuthorities(
  issuers: readonly CertificateAuthorityPort[],
  defaultIssuer: string = INTERNAL_ISSUER,
): CertificateAuthorities {
  const byName = new Map(issuers.map((issuer) => [issuer.name, issuer]));
  const names = [...byName.keys()];
  if (!byName.has(defaultIssuer)) throw new UnknownIssuerError(defaultIssuer, names);
  return {
    defaultIssuer,
    names: () => names,
    get(name) {
      const issuer = byName.get(name);
      if (issuer === undefined) throw new UnknownIssuerError(name, names);
      return issuer;
    },
    async issuerOf(issuerDn) {
      for (const issuer of issuers) {
        if (await issuer.issues(issuerDn)) return issuer.name;
      }
      return null;
    },
  };
}
