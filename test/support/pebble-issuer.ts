/** The issuers-file settings of a test's Pebble as `acme:pebble` (HTTP-01, its own test root trusted), to override. */
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
