/**
 * The ACME adapter with DNS (issue 19, R-REN-1, R-CAA-1): CAA checked before an order is placed, and DNS-01 answered
 * through RFC 2136 updates (TSIG) of a real Knot server, which Pebble resolves the TXT records and CAA with.
 * example.test's CAA lets ca.example.net issue and nobody issue wildcards; locked.example.test forbids every CA.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeAuthority } from '../../../src/adapters/acme/acme-authority';
import { type AcmeState, inMemoryAcmeState } from '../../../src/adapters/acme/acme-state';
import { NodeCaaResolver } from '../../../src/adapters/dns/node-caa-resolver';
import { Rfc2136ChallengeUpdater } from '../../../src/adapters/dns/rfc2136-challenge-updater';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { CaRejectedError, type IssueRequest } from '../../../src/core/ports/certificate-authority';
import { type DnsServer, startDnsServer } from '../../support/dns-server';
import { acmeIssueRequest, type Pebble, startPebble } from '../../support/pebble';
import { freePort } from '../../support/ports';

let folder: string;
let keyStore: FileKeyStore;
let state: AcmeState;
let dns: DnsServer;
let pebble: Pebble;

function authority(): AcmeAuthority {
  return new AcmeAuthority({
    settings: {
      name: 'acme:pebble',
      directoryUrl: pebble.directoryUrl,
      contact: 'pki-team@example.com',
      eab: null,
      caBundlePath: pebble.caBundlePath,
      challenge: 'dns-01',
      caaIdentity: 'ca.example.net',
      requestTimeoutSeconds: 10,
    },
    keyStore,
    state,
    caa: new NodeCaaResolver({ servers: [dns.address] }),
    dnsChallenges: new Rfc2136ChallengeUpdater({
      zones: [{ zone: 'example.test', server: dns.address, keyName: dns.key.name, secret: dns.key.secret }],
    }),
  });
}

function request(key: string, dnsNames: string[]): Promise<IssueRequest> {
  return acmeIssueRequest(keyStore, key, dnsNames);
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-acme-dns-'));
  keyStore = new FileKeyStore(path.join(folder, 'keys'));
  state = inMemoryAcmeState();
  dns = await startDnsServer();
  // No HTTP-01 here: Pebble's HTTP port points at a closed one.
  pebble = await startPebble({ httpPort: await freePort(), dnsServer: dns.address, caaIdentities: ['ca.example.net'] });
}, 60_000);

afterAll(async () => {
  await Promise.all([pebble?.stop(), dns?.stop()]);
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('the ACME adapter with CAA and DNS-01 (R-REN-1, R-CAA-1)', () => {
  it('R-REN-1: issues for two names proven over DNS-01 through RFC 2136 updates, and removes the TXT records', async () => {
    const issued = await authority().issue(await request('dns-01', ['example.test', 'a.deep.example.test']));
    const leaf = new X509Certificate(issued.certificatePem);
    expect(leaf.subjectAltName).toContain('DNS:example.test');
    expect(leaf.subjectAltName).toContain('DNS:a.deep.example.test');
    const resolver = new (await import('node:dns/promises')).Resolver();
    resolver.setServers([dns.address]);
    await expect(resolver.resolveTxt('_acme-challenge.a.deep.example.test')).rejects.toThrow();
  }, 60_000);

  it('R-CAA-1: a CAA record that forbids the CA stops the order before it is placed, naming the record and the fix', async () => {
    const error = await authority()
      .issue(await request('caa-locked', ['a.deep.example.test', 'locked.example.test']))
      .then(
        () => null,
        (caught: unknown) => caught as Error,
      );
    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error?.message).toMatch(
      /acme:pebble \(CAA identity ca\.example\.net\) may not issue for locked\.example\.test/,
    );
    expect(error?.message).toContain('locked.example.test');
    expect(error?.message).toContain('issue ";"');
    expect(await state.order('acme:pebble', 'caa-locked')).toBeNull();
  }, 30_000);
});
