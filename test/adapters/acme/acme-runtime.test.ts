/**
 * The issuers as the worker opens them (issue 19, R-REN-1): CERTFLOW_ISSUERS_FILE names Pebble, the runtime builds
 * the registry, and an ACME issuance is proven by certflow's own HTTP server reading the HTTP-01 answers from the
 * inventory database, where the worker's adapter wrote them.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnknownIssuerError } from '../../../src/core/ports/certificate-authorities';
import { acmeIssueRequest, type Pebble, startPebble } from '../../support/pebble';
import { freePort } from '../../support/ports';
import { openTestServices, type TestServices } from '../../support/services';

let folder: string;
let pebble: Pebble;
let services: TestServices;

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-acme-runtime-'));
  const httpPort = await freePort();
  pebble = await startPebble({ httpPort });
  const issuersFile = path.join(folder, 'issuers.yaml');
  fs.writeFileSync(
    issuersFile,
    `default: internal
issuers:
  - name: acme:pebble
    directoryUrl: ${pebble.directoryUrl}
    contact: pki-team@example.com
    caBundle: ${pebble.caBundlePath}
    caaIdentity: pebble.letsencrypt.org
`,
  );
  services = await openTestServices({
    CERTFLOW_ISSUERS_FILE: issuersFile,
    CERTFLOW_HTTP_PORT: String(httpPort),
    CERTFLOW_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
  });
}, 60_000);

afterAll(async () => {
  await services?.close();
  await pebble?.stop();
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('the issuer registry of the worker (R-REN-1)', () => {
  it('R-REN-1: names the internal CA and the configured ACME issuer, and refuses an unknown name with the fix', () => {
    expect(services.issuers.names()).toEqual(['internal', 'acme:pebble']);
    expect(services.issuers.defaultIssuer).toBe('internal');
    expect(services.issuers.get('internal')).toBe(services.ca);
    expect(() => services.issuers.get('acme:gone')).toThrow(UnknownIssuerError);
    expect(() => services.issuers.get('acme:gone')).toThrow(
      'no issuer named acme:gone is configured (known: internal, acme:pebble); add it to CERTFLOW_ISSUERS_FILE',
    );
  });

  it("R-REN-1: issues through Pebble with HTTP-01 answered by certflow's HTTP server from the inventory database", async () => {
    const request = await acmeIssueRequest(services.lifecycle.keyStore, 'runtime', [
      'portal.shop.test',
      'status.shop.test',
    ]);
    const issued = await services.issuers.get('acme:pebble').issue(request);
    const leaf = new X509Certificate(issued.certificatePem);
    expect(leaf.subjectAltName).toBe('DNS:portal.shop.test, DNS:status.shop.test');
    expect(await services.issuers.issuerOf(leaf.issuer)).toBe('acme:pebble');
    expect(await services.issuers.issuerOf('CN=Nobody')).toBeNull();
    // The answers are gone once the order is done: nothing stays served.
    const pending = await fetch(`${services.http.url}/.well-known/acme-challenge/${'x'.repeat(43)}`);
    expect(pending.status).toBe(404);
  }, 60_000);
});
