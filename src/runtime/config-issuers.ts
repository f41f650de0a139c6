/** The issuers file (CERTFLOW_ISSUERS_FILE, issue 19): read here, validated by the ACME adapter that knows its fields. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { IssuersConfigError, parseIssuersConfig, type IssuersConfig } from '../adapters/acme/acme-issuers-config';
import type { DnsUpdateZone } from '../adapters/dns/rfc2136-challenge-updater';
import { ConfigError } from './config-error';

/** Only the internal CA: what certflow renews from without an issuers file. */
const INTERNAL_ONLY: IssuersConfig = { defaultIssuer: 'internal', acme: [] };

/**
 * The issuers CERTFLOW_ISSUERS_FILE names (YAML or JSON; see examples/certflow-issuers.yaml), or the internal CA alone.
 * A dns-01 issuer needs CERTFLOW_DNS_UPDATE_ZONES, and a caBundle must be readable: both are refused here, at start,
 * rather than at the first renewal.
 */
export function readIssuers(
  env: NodeJS.ProcessEnv,
  cwd: string,
  dnsUpdateZones: readonly DnsUpdateZone[],
): IssuersConfig {
  if (!env.CERTFLOW_ISSUERS_FILE) return INTERNAL_ONLY;
  const file = path.resolve(cwd, env.CERTFLOW_ISSUERS_FILE);
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('CERTFLOW_ISSUERS_FILE', `cannot read ${file} as YAML or JSON: ${(error as Error).message}`);
  }
  let issuers: IssuersConfig;
  try {
    issuers = parseIssuersConfig(parsed ?? {}, (bundle) => path.resolve(path.dirname(file), bundle));
  } catch (error) {
    if (error instanceof IssuersConfigError)
      throw new ConfigError('CERTFLOW_ISSUERS_FILE', `${file}: ${error.message}`);
    throw error;
  }
  for (const issuer of issuers.acme) {
    if (issuer.challenge === 'dns-01' && dnsUpdateZones.length === 0) {
      throw new ConfigError(
        'CERTFLOW_ISSUERS_FILE',
        `${file}: ${issuer.name} proves names with dns-01, but CERTFLOW_DNS_UPDATE_ZONES names no zone to update; ` +
          'set it, or use challenge: http-01',
      );
    }
    if (issuer.caBundlePath !== null) {
      try {
        readFileSync(issuer.caBundlePath, 'utf8');
      } catch (error) {
        throw new ConfigError(
          'CERTFLOW_ISSUERS_FILE',
          `${file}: caBundle of ${issuer.name}: cannot read ${issuer.caBundlePath} (${(error as Error).message})`,
        );
      }
    }
  }
  return issuers;
}
