/**
 * OpenSSL as the relying party (R-REV-1): a certificate certflow's internal CA issued verifies with the whole chain's
 * CRLs checked (`-crl_check_all`), from files and fetched from the distribution points certflow serves, until it is
 * revoked; and a TLS endpoint certflow runs passes `openssl s_client -verify_return_error` with the root as CA file.
 */
import { spawn } from 'node:child_process';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInternalCa } from '../../../src/adapters/ca/internal-ca';
import { crlDistributionUrls } from '../../../src/adapters/ca/internal-ca-authority';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { toPem, x509 } from '../../../src/adapters/shared/x509';
import { bootstrapEndpointCertificates } from '../../../src/runtime/services';
import { requireOpenssl } from '../../support/openssl';
import { freePort } from '../../support/ports';
import { openTestServices, type TestServices } from '../../support/services';

const OPENSSL = 'openssl';

interface OpensslResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs openssl with stdin closed (s_client then ends after the handshake); a non-zero exit is a result. */
function openssl(...args: string[]): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(OPENSSL, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ok: code === 0, output }));
    child.stdin.end();
  });
}

let workDir: string;

beforeAll(async () => {
  requireOpenssl();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'certflow-ca-openssl-'));
});

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

async function writeTemp(name: string, data: string | Uint8Array): Promise<string> {
  const file = path.join(workDir, name);
  await writeFile(file, data);
  return file;
}

describe('a certificate from certflow’s internal CA, checked by openssl', () => {
  let services: TestServices;
  let endpointPort: number;
  let leafFile: string;
  let rootFile: string;
  let issuingFile: string;

  /** Both CRLs as certflow serves them now, in one PEM file. */
  async function currentCrls(): Promise<string> {
    const base = `${services.config.publicUrl}/ca/internal`;
    const issuingCrl = await (await fetch(`${base}/crl.pem`)).text();
    const rootCrl = await (await fetch(`${base}/root.crl.pem`)).text();
    return writeTemp('crls.pem', issuingCrl + rootCrl);
  }

  /** The root and both CRLs in one CA file: s_client's -CRL reads one CRL only, a CA file every one in it. */
  async function rootWithCrls(): Promise<string> {
    return writeTemp(
      'root-and-crls.pem',
      (await readFile(rootFile, 'utf8')) + (await readFile(await currentCrls(), 'utf8')),
    );
  }

  function sClient(caFile: string, ...extra: string[]): Promise<OpensslResult> {
    return openssl(
      's_client',
      '-connect',
      `127.0.0.1:${endpointPort}`,
      '-servername',
      'localhost',
      '-verify_hostname',
      'localhost',
      '-CAfile',
      caFile,
      '-verify_return_error',
      ...extra,
    );
  }

  beforeAll(async () => {
    endpointPort = await freePort();
    services = await openTestServices({}, { tlsEndpoints: [{ host: '127.0.0.1', port: endpointPort }] });
    await bootstrapEndpointCertificates(services, { ownerGroup: null, lifetimeDays: 30, now: new Date() });
    const [served] = services.registry.list();
    if (served === undefined) throw new Error('the services started no TLS endpoint');
    leafFile = path.join(served.endpoint.folder, 'cert.pem');
    const base = `${services.config.publicUrl}/ca/internal`;
    rootFile = await writeTemp('root.pem', await (await fetch(`${base}/root.pem`)).text());
    issuingFile = await writeTemp('issuing.pem', await (await fetch(`${base}/issuing.pem`)).text());
  });

  afterAll(async () => {
    await services?.close();
  });

  it('R-REV-1: the issuing CA certificate names the root’s CRL that certflow serves, signed by the root', async () => {
    const issuing = new x509.X509Certificate(await readFile(issuingFile, 'utf8'));
    const response = await fetch(`${services.config.publicUrl}/ca/internal/root.crl`);
    const crl = new x509.X509Crl(new Uint8Array(await response.arrayBuffer()));

    expect(crlDistributionUrls(issuing)).toEqual([`${services.config.publicUrl}/ca/internal/root.crl`]);
    expect(response.headers.get('content-type')).toBe('application/pkix-crl');
    expect(crl.issuer).toBe(issuing.issuer);
    expect(crl.entries).toEqual([]);
    expect(await crl.verify({ publicKey: new x509.X509Certificate(await readFile(rootFile, 'utf8')) })).toBe(true);
  });

  it('R-REV-1: openssl verify -crl_check_all passes with the CRLs certflow serves', async () => {
    const crls = await currentCrls();

    const verified = await openssl(
      'verify',
      '-crl_check_all',
      '-purpose',
      'sslserver',
      '-CAfile',
      rootFile,
      '-untrusted',
      issuingFile,
      '-CRLfile',
      crls,
      leafFile,
    );

    expect(verified).toEqual({ ok: true, output: expect.stringContaining(': OK') });
  });

  // The root, a trust anchor, names no CRL of its own, so what openssl can fetch by itself is the leaf's CRL; the
  // issuing CA certificate's distribution point is checked above against the URL certflow serves the root's CRL at.
  it('R-REV-1: openssl fetches the leaf’s CRL from its distribution point (-crl_download)', async () => {
    const verified = await openssl(
      'verify',
      '-crl_check',
      '-crl_download',
      '-CAfile',
      rootFile,
      '-untrusted',
      issuingFile,
      leafFile,
    );

    expect(verified).toEqual({ ok: true, output: expect.stringContaining(': OK') });
  });

  it('without the root’s CRL the chain cannot be checked: the root’s CRL is what closes it', async () => {
    const issuingCrl = await (await fetch(`${services.config.publicUrl}/ca/internal/crl.pem`)).text();

    const verified = await openssl(
      'verify',
      '-crl_check_all',
      '-CAfile',
      rootFile,
      '-untrusted',
      issuingFile,
      '-CRLfile',
      await writeTemp('issuing-crl-only.pem', issuingCrl),
      leafFile,
    );

    expect(verified.ok).toBe(false);
    expect(verified.output).toContain('unable to get certificate CRL');
  });

  it('R-REN-1: openssl s_client -verify_return_error trusts the certflow-run TLS endpoint with the root as CA file', async () => {
    const plain = await sClient(rootFile);
    const withCrls = await sClient(await rootWithCrls(), '-crl_check_all');

    for (const result of [plain, withCrls]) {
      expect(result.output).toContain('Verify return code: 0 (ok)');
      expect(result.ok).toBe(true);
    }
  });

  it('R-REV-1: after revocation openssl verify and s_client refuse the certificate as revoked', async () => {
    const leaf = new x509.X509Certificate(await readFile(leafFile, 'utf8'));
    await services.ca.revoke({
      idempotencyKey: 'openssl-test/revoke',
      serialNumber: leaf.serialNumber,
      issuer: services.ca.issuingDn(),
      reason: 'keyCompromise',
    });
    const crls = await currentCrls();

    const verified = await openssl(
      'verify',
      '-crl_check_all',
      '-CAfile',
      rootFile,
      '-untrusted',
      issuingFile,
      '-CRLfile',
      crls,
      leafFile,
    );
    const downloaded = await openssl(
      'verify',
      '-crl_check',
      '-crl_download',
      '-CAfile',
      rootFile,
      '-untrusted',
      issuingFile,
      leafFile,
    );
    const handshake = await sClient(await rootWithCrls(), '-crl_check_all');

    for (const result of [verified, downloaded, handshake]) {
      expect(result.ok).toBe(false);
      expect(result.output).toContain('certificate revoked');
    }
  });
});

describe('a CA folder from before the root published its CRL', () => {
  it('R-REV-1: its issuing CA certificate is re-signed under the same key with the root’s CRL, and earlier certificates still verify', async () => {
    const folder = path.join(workDir, 'old-ca');
    const options = { folder, passphrase: 'old passphrase', publicBaseUrl: 'http://127.0.0.1:1' };
    const keys = new FileKeyStore(path.join(workDir, 'old-keys'));
    await keys.ensureKeyPair('leaf', { algorithm: 'EC', curve: 'P-256' });
    const names = { subject: 'CN=old.example.com', dnsNames: ['old.example.com'], ipAddresses: [] };
    const issuedBefore = await (
      await openInternalCa(options)
    ).issue({ idempotencyKey: 'before', csrPem: await keys.createCsr('leaf', names), ...names, validityDays: 30 });
    // The folder as it was before: the same issuing CA certificate without a CRL distribution point.
    const authority = path.join(folder, 'authority');
    const current = new x509.X509Certificate(await readFile(path.join(authority, 'issuing.pem'), 'utf8'));
    const rootKey = createPrivateKey({
      key: await readFile(path.join(authority, 'root.key.pem'), 'utf8'),
      passphrase: options.passphrase,
    });
    const withoutCdp = await x509.X509CertificateGenerator.create({
      serialNumber: '0badc0de',
      subject: current.subjectName,
      issuer: current.issuerName,
      notBefore: current.notBefore,
      notAfter: current.notAfter,
      publicKey: current.publicKey,
      signingKey: await webcrypto.subtle.importKey(
        'pkcs8',
        rootKey.export({ type: 'pkcs8', format: 'der' }),
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['sign'],
      ),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: current.extensions.filter((extension) => extension.type !== '2.5.29.31'),
    });
    const oldIssuingPem = toPem(withoutCdp.rawData, 'CERTIFICATE');
    await writeFile(path.join(authority, 'issuing.pem'), oldIssuingPem);

    const reopened = new x509.X509Certificate((await openInternalCa(options)).issuingPem());
    // At another public URL the issuing CA certificate is re-signed again, naming the new URL.
    const moved = await openInternalCa({ ...options, publicBaseUrl: 'http://certflow.example:8080' });
    const reissued = new x509.X509Certificate(moved.issuingPem());
    const verified = await openssl(
      'verify',
      '-crl_check_all',
      '-CAfile',
      await writeTemp('old-root.pem', moved.rootPem()),
      '-untrusted',
      await writeTemp('old-issuing.pem', moved.issuingPem()),
      '-CRLfile',
      await writeTemp('old-crls.pem', (await moved.crlPem()) + (await moved.rootCrlPem())),
      await writeTemp('old-leaf.pem', issuedBefore.certificatePem),
    );

    expect(crlDistributionUrls(reopened)).toEqual(['http://127.0.0.1:1/ca/internal/root.crl']);
    expect(crlDistributionUrls(reissued)).toEqual(['http://certflow.example:8080/ca/internal/root.crl']);
    for (const certificate of [reopened, reissued]) {
      expect(new Uint8Array(certificate.publicKey.rawData)).toEqual(new Uint8Array(current.publicKey.rawData));
      expect(certificate.subject).toBe(current.subject);
      expect(certificate.notBefore).toEqual(current.notBefore);
      expect(certificate.notAfter).toEqual(current.notAfter);
    }
    expect(await readFile(path.join(authority, 'issuing-0badc0de.pem'), 'utf8')).toBe(oldIssuingPem);
    expect((await readdir(authority)).filter((file) => file.startsWith('issuing-'))).toHaveLength(2);
    expect(verified).toEqual({ ok: true, output: expect.stringContaining(': OK') });
  });
});
