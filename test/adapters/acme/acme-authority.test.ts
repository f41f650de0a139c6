/**
 * The ACME adapter against a real Pebble (issue 19, R-REN-1): an order for two names proven over HTTP-01 by
 * certflow's HTTP server, a retried issuance returning the first certificate, revocation with its reason code, and
 * each way it goes wrong ending in a message that names the fix.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeAuthority } from '../../../src/adapters/acme/acme-authority';
import type { AcmeIssuerSettings } from '../../../src/adapters/acme/acme-issuers-config';
import { type AcmeState, inMemoryAcmeState } from '../../../src/adapters/acme/acme-state';
import { createHttp01Handler, HTTP01_PREFIX } from '../../../src/adapters/acme/http01-handler';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { type RunningHttpServer, startHttpServer } from '../../../src/adapters/shared/http';
import { CaRejectedError, CaUnavailableError, type IssueRequest } from '../../../src/core/ports/certificate-authority';
import { acmeIssueRequest, type Pebble, startPebble } from '../../support/pebble';
import { pebbleIssuer } from '../../support/pebble-issuer';
import { freePort } from '../../support/ports';

const EAB = { keyId: 'kid-certflow', hmacKey: 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W' };

let folder: string;
let state: AcmeState;
let keyStore: FileKeyStore;
let http: RunningHttpServer;
let pebble: Pebble;
let pebbleWithEab: Pebble;

/** The adapter for Pebble with `overrides` to its settings; no CAA or DNS-01 here (acme-dns.test.ts has them). */
function authority(overrides: Partial<AcmeIssuerSettings> = {}, acmeState: AcmeState = state): AcmeAuthority {
  return new AcmeAuthority({
    settings: pebbleIssuer(pebble, overrides),
    keyStore,
    state: acmeState,
    caa: null,
    dnsChallenges: null,
  });
}

function request(key: string, dnsNames: string[]): Promise<IssueRequest> {
  return acmeIssueRequest(keyStore, key, dnsNames);
}

/** The error a call ends in; fails the test when it succeeds. */
async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-acme-'));
  keyStore = new FileKeyStore(path.join(folder, 'keys'));
  state = inMemoryAcmeState();
  http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [{ prefix: HTTP01_PREFIX, handler: createHttp01Handler(state) }],
  });
  // A fifth of good nonces refused: every test also goes through the adapter's badNonce retries.
  [pebble, pebbleWithEab] = await Promise.all([
    startPebble({ httpPort: http.port, nonceRejectPercent: 20 }),
    startPebble({ httpPort: http.port, eabKeys: { [EAB.keyId]: EAB.hmacKey } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([pebble?.stop(), pebbleWithEab?.stop(), http?.close()]);
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('the ACME adapter against Pebble (R-REN-1)', () => {
  it('R-REN-1: issues one certificate for two names proven over HTTP-01 by certflow’s HTTP server', async () => {
    const ca = authority();
    const issued = await ca.issue(await request('two-names', ['www.shop.test', 'api.shop.test']));

    const leaf = new X509Certificate(issued.certificatePem);
    expect(leaf.subjectAltName).toContain('DNS:www.shop.test');
    expect(leaf.subjectAltName).toContain('DNS:api.shop.test');
    expect(leaf.verify(new X509Certificate(issued.chainPems[0]!).publicKey)).toBe(true);
    expect(issued.serialNumber).toBe(leaf.serialNumber.toLowerCase().replace(/^0+/, ''));
    expect(await ca.issues(leaf.issuer)).toBe(true);
    expect(await ca.issues('CN=Some Other CA')).toBe(false);
    // The account key lives in the key store, nowhere else.
    expect(fs.existsSync(keyStore.keyFile('acme-accounts/pebble'))).toBe(true);
    expect(await state.http01('anything-pending-at-all-here')).toBeNull();
  }, 60_000);

  it('R-REN-1: a retried issuance returns the first certificate instead of ordering again', async () => {
    const ca = authority();
    const first = await ca.issue(await request('retried', ['retry.shop.test']));
    // A new adapter (a restarted worker) with the same state and key store.
    const again = await authority().issue(await request('retried', ['retry.shop.test']));
    expect(again.fingerprintSha256).toBe(first.fingerprintSha256);
  }, 60_000);

  it('R-REN-1: revokes through ACME with the RFC 5280 reason code, and a second revocation is a retry', async () => {
    const ca = authority();
    const issued = await ca.issue(await request('revoked', ['old.shop.test']));
    const leaf = new X509Certificate(issued.certificatePem);
    const revoke = { idempotencyKey: 'revoke', serialNumber: issued.serialNumber, issuer: leaf.issuer };

    const first = await ca.revoke({ ...revoke, reason: 'keyCompromise' });
    expect(first).toMatchObject({ newlyRevoked: true, reason: 'keyCompromise' });
    expect(await pebble.revocationReason(issued.serialNumber)).toBe(1);
    const second = await ca.revoke({ ...revoke, reason: 'keyCompromise' });
    expect(second.newlyRevoked).toBe(false);

    await expect(ca.revoke({ ...revoke, serialNumber: 'abcdef', reason: 'superseded' })).rejects.toThrow(
      /no record of issuing serial abcdef/,
    );
  }, 60_000);

  it("R-REN-3: fetches the CA's renewal information (RFC 9773) for a certificate it issued", async () => {
    const ca = authority();
    const issued = await ca.issue(await request('renewal-info', ['ari.shop.test']));
    const info = await ca.renewalInfo(new X509Certificate(issued.certificatePem).raw);
    expect(info).not.toBeNull();
    const { start, end } = info!.suggestedWindow;
    expect(Date.parse(start)).toBeGreaterThan(Date.parse(issued.notBefore));
    expect(Date.parse(end)).toBeLessThanOrEqual(Date.parse(issued.notAfter));
    expect(Date.parse(start)).toBeLessThan(Date.parse(end));
  }, 60_000);

  it('R-REN-1: an unreachable directory is a retryable error naming the URL and the setting', async () => {
    const closed = await freePort();
    const ca = authority({ directoryUrl: `https://127.0.0.1:${closed}/dir` });
    const error = await failure(ca.issue(await request('unreachable', ['down.shop.test'])));
    expect(error).toBeInstanceOf(CaUnavailableError);
    expect(error.message).toContain(`https://127.0.0.1:${closed}/dir`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('directoryUrl');
  }, 30_000);

  it('R-REN-1: a directory whose TLS certificate is not trusted names caBundle as the fix', async () => {
    const ca = authority({ caBundlePath: null });
    const error = await failure(ca.issue(await request('untrusted', ['tls.shop.test'])));
    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.message).toMatch(/not trusted .*set caBundle for acme:pebble/);
  }, 30_000);

  it('R-REN-1: a CA that requires external account binding refuses a missing or wrong key, and takes the right one', async () => {
    const missing = authority({ name: 'acme:eab', directoryUrl: pebbleWithEab.directoryUrl });
    const refused = await failure(missing.issue(await request('eab-missing', ['eab.shop.test'])));
    expect(refused).toBeInstanceOf(CaRejectedError);
    expect(refused.message).toMatch(/acme:eab refused the request \(externalAccountRequired: .*set eab/);

    const wrong = authority({
      name: 'acme:eab',
      directoryUrl: pebbleWithEab.directoryUrl,
      eab: { keyId: EAB.keyId, hmacKey: 'd3JvbmctaG1hYy1rZXktZm9yLWNlcnRmbG93LXRlc3Rz' },
    });
    const bad = await failure(wrong.issue(await request('eab-wrong', ['eab.shop.test'])));
    expect(bad).toBeInstanceOf(CaRejectedError);
    expect(bad.message).toMatch(/acme:eab refused the request \(unauthorized: .*check eab.keyId and eab.hmacKey/);

    const right = authority({ name: 'acme:eab', directoryUrl: pebbleWithEab.directoryUrl, eab: EAB });
    const issued = await right.issue(await request('eab-right', ['eab.shop.test']));
    expect(new X509Certificate(issued.certificatePem).subjectAltName).toContain('DNS:eab.shop.test');
  }, 60_000);

  it('R-REN-1: a challenge nobody serves fails the order with the name, the challenge and the CA’s detail', async () => {
    // An adapter whose HTTP-01 answers go to a store certflow's HTTP server does not read.
    const ca = authority({}, inMemoryAcmeState());
    const error = await failure(ca.issue(await request('unserved', ['unserved.shop.test'])));
    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.message).toMatch(
      /acme:pebble refused the order: unserved\.shop\.test: the http-01 challenge failed: .+; make http:\/\/<name>\/\.well-known\/acme-challenge\//,
    );
  }, 60_000);

  it('R-REN-1: an order the CA rejects outright names the CA’s reason', async () => {
    const ca = authority();
    // Pebble refuses names on its block list and malformed identifiers before any challenge.
    const error = await failure(ca.issue(await request('rejected', ['bad_name.shop.test'])));
    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.message).toMatch(/acme:pebble refused the request \((rejectedIdentifier|malformed): .+\)/);
  }, 30_000);
});
