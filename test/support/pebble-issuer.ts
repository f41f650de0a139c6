/** The issuers-file settings of a test's Pebble as `acme:pebble` (HTTP-01, its own test root trusted), to override. */
import fs from 'node:fs';
import type { AcmeIssuerSettings } from '../../src/adapters/acme/acme-issuers-config';
import type { Pebble } from './pebble';

/** `acme:pebble` for this Pebble, with `overrides`. */
export function pebbleIssuer(pebble: Pebble, overrides: Partial<AcmeIssuerSettings> = {}): AcmeIssuerSettings {
  return {
    name: 'acme:pebble',
    directoryUrl: pebble.directoryUrl,
    contact: 'pki-team@example.com',
    eab: null,
    caBundlePath: pebble.caBundlePath,
    challenge: 'http-01',
    caaIdentity: 'pebble.example',
    requestTimeoutSeconds: 10,
    ...overrides,
  };
}

/**
 * Writes the issuers file (CERTFLOW_ISSUERS_FILE) a person would write for this Pebble: `acme:pebble` on HTTP-01
 * with its test root as caBundle, and `caaIdentity`; JSON, which the YAML reader takes.
 */
export function writePebbleIssuersFile(file: string, pebble: Pebble, caaIdentity: string): void {
  fs.writeFileSync(
    file,
    JSON.stringify({
      issuers: [
        {
          name: 'acme:pebble',
          directoryUrl: pebble.directoryUrl,
          contact: 'pki-team@example.com',
          caBundle: pebble.caBundlePath,
          caaIdentity,
          requestTimeoutSeconds: 20,
        },
      ],
    }),
  );
}
