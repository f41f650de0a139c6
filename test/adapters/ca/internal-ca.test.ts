import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import { createCaHttpHandler } from '../../../src/adapters/ca/ca-http';
import { CaRejectedError, type IssueRequest } from '../../../src/core/ports/certificate-authority';
import { type InternalCa, openInternalCa } from '../../../src/adapters/ca/internal-ca';
import {
  InternalCaConfigError,
  InternalCaPassphraseError,
  InternalCaStateError,
} from '../../../src/adapters/ca/internal-ca-errors';
import type { InternalCaOptions } from '../../../src/adapters/ca/internal-ca-settings';
import { x509 } from '../../../src/adapters/shared/x509';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { type HttpHandler, type RunningHttpServer, startHttpServer } from '../../../src/adapters/shared/http';

const execFileAsync = promisify(execFile);
const PASSPHRASE = 'correct horse battery staple';
const SECOND = 1000;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** Whole seconds, as certificates store time; real time, because openssl checks validity against its own clock. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

interface OpensslResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs openssl; a non-zero exit is a result, not a throw. */
async function openssl(...args: string[]): Promise<OpensslResult> {
  try {
    const { stdout, stderr } = await execFileAsync('openssl', args);
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Reads the CRL number extension of a CRL. */
function crlNumber(crl: x509.X509Crl): number {
  const extension = crl.getExtension('2.5.29.20');
  const der = new Uint8Array(extension!.value);
  let value = 0;
  for (const byte of der.subarray(2)) value = value * 256 + byte;
  return value;
}

let workDir: string;
let keys: FileKeyStore;
let ca: InternalCa;
let options: InternalCaOptions;
let server: RunningHttpServer;
let handler: HttpHandler = () => false;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'certflow-ca-'));
  keys = new FileKeyStore(path.join(workDir, 'keys'));
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [{ prefix: '/ca', handler: (request, response) => handler(request, response) }],
  });
  options = {
    folder: path.join(workDir, 'ca'),
    passphrase: PASSPHRASE,
    publicBaseUrl: `${server.url}/`,
    organization: 'Example Corp',
    now: () => NOW,
    maxValidityDays: 90,
  };
  ca = await openInternalCa(options);
  handler = createCaHttpHandler(ca);
});

afterAll(async () => {
  await server.close();
  await rm(workDir, { recursive: true, force: true });
});

/** A CSR from the key store for a fresh key under `ref`, naming something else than the request will. */
async function csrFor(ref: string, rsa = false): Promise<string> {
  await keys.ensureKeyPair(ref, rsa ? { algorithm: 'RSA', bits: 2048 } : { algorithm: 'EC', curve: 'P-256' });
  return keys.createCsr(ref, {
    subject: 'CN=from-the-csr.example',
    dnsNames: ['from-the-csr.example'],
    ipAddresses: [],
  });
}

async function request(ref: string, overrides: Partial<IssueRequest> = {}): Promise<IssueRequest> {
  return {
    idempotencyKey: `lifecycle/${ref}/issue`,
    csrPem: await csrFor(ref),
    subject: 'CN=api.example.com, O=Example Corp, C=US',
    dnsNames: ['api.example.com', 'www.example.com'],
    ipAddresses: ['192.0.2.7'],
    validityDays: 30,
    ...overrides,
  };
}

async function writeTemp(name: string, data: string | Uint8Array): Promise<string> {
  const file = path.join(workDir, name);
  await writeFile(file, data);
  return file;
}

async function get(pathname: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${pathname}`, init);
}

describe('InternalCa issuance', () => {
  it('R-REN-1: an issued certificate chains to the root (node:crypto and openssl verify)', async () => {
    const issued = await ca.issue(await request('chain'));
    const leaf = new X509Certificate(issued.certificatePem);
    const issuing = new X509Certificate(issued.chainPems[0]!);
    const root = new X509Certificate(issued.rootPem);

    expect(issued.chainPems).toEqual([ca.issuingPem()]);
    expect(issued.rootPem).toBe(ca.rootPem());
    expect(leaf.checkIssued(issuing)).toBe(true);
    expect(leaf.verify(issuing.publicKey)).toBe(true);
    expect(issuing.checkIssued(root)).toBe(true);
    expect(issuing.verify(root.publicKey)).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    const verified = await openssl(
      'verify',
      '-purpose',
      'sslserver',
      '-CAfile',
      await writeTemp('root.pem', issued.rootPem),
      '-untrusted',
      await writeTemp('issuing.pem', issued.chainPems[0]!),
      await writeTemp('chain-leaf.pem', issued.certificatePem),
    );
    expect(verified).toEqual({ ok: true, output: expect.stringContaining(': OK') });
  });

  it('R-REN-1: the certificate has the request’s names, a random serial, skew-adjusted dates and the TLS extensions', async () => {
    const issued = await ca.issue(await request('extensions'));
    const facts = parseCertificateDer(new X509Certificate(issued.certificatePem).raw).facts;
    const issuingFacts = parseCertificateDer(new X509Certificate(issued.chainPems[0]!).raw).facts;
    const text = (await openssl('x509', '-noout', '-text', '-in', await writeTemp('ext.pem', issued.certificatePem)))
      .output;

    expect(facts.subject.text).toBe('CN=api.example.com, O=Example Corp, C=US');
    expect(facts.subjectAltNames).toMatchObject({ dns: ['api.example.com', 'www.example.com'], ip: ['192.0.2.7'] });
    expect(facts.issuer.text).toBe('CN=certflow Internal Issuing CA, O=Example Corp');
    expect(issued.serialNumber).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
    expect(issued.serialNumber).toBe(facts.serialNumber);
    expect(issued.fingerprintSha256).toBe(facts.fingerprintSha256);
    expect(issued.issuerFingerprintSha256).toBe(issuingFacts.fingerprintSha256);
    expect(issued.notBefore).toBe(new Date(NOW.getTime() - 5 * MINUTE).toISOString());
    expect(issued.notAfter).toBe(new Date(NOW.getTime() - 5 * MINUTE + 30 * DAY - SECOND).toISOString());
    expect(facts.basicConstraints).toEqual({ ca: false, pathLength: null });
    expect(facts.keyUsage).toEqual(['digitalSignature']);
    expect(facts.extendedKeyUsage).toEqual(['serverAuth']);
    expect(facts.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(facts.authorityKeyId).toBe(issuingFacts.subjectKeyId);
    expect(text).toContain(`URI:${server.url}/ca/internal/crl`);
    expect(text).toContain(`CA Issuers - URI:${server.url}/ca/internal/issuing.cer`);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
  });

  it('serials differ between certificates', async () => {
    const first = await ca.issue(await request('serial-1'));
    const second = await ca.issue(await request('serial-2'));

    expect(first.serialNumber).not.toBe(second.serialNumber);
  });

  it('an RSA key also gets keyEncipherment', async () => {
    const issued = await ca.issue({ ...(await request('rsa-ec')), csrPem: await csrFor('rsa', true) });

    expect(parseCertificateDer(new X509Certificate(issued.certificatePem).raw).facts.keyUsage).toEqual([
      'digitalSignature',
      'keyEncipherment',
    ]);
  });

  it('the lifetime is capped at maxValidityDays, both ends and the backdate included', async () => {
    const issued = await ca.issue(await request('long', { validityDays: 825 }));

    expect(issued.notAfter).toBe(new Date(NOW.getTime() - 5 * MINUTE + 90 * DAY - SECOND).toISOString());
  });

  it('R-REN-1: the same idempotency key returns the first certificate, also from a new instance on the folder', async () => {
    const issueRequest = await request('idempotent');
    const first = await ca.issue(issueRequest);
    const again = await ca.issue(issueRequest);
    const reopened = await openInternalCa(options);
    const fromNewInstance = await reopened.issue(issueRequest);
    const issuedFiles = await readdir(path.join(options.folder, 'issued'));

    expect(again).toEqual(first);
    expect(fromNewInstance).toEqual(first);
    expect(issuedFiles.filter((file) => file.startsWith(first.serialNumber))).toHaveLength(1);
  });

  it('concurrent issues with one idempotency key issue one certificate', async () => {
    const issueRequest = await request('concurrent');
    const results = await Promise.all([ca.issue(issueRequest), ca.issue(issueRequest), ca.issue(issueRequest)]);

    expect(new Set(results.map((result) => result.serialNumber)).size).toBe(1);
  });

  it('an idempotency key reused for another key is a CaRejectedError', async () => {
    const issueRequest = await request('reuse-a');
    await ca.issue(issueRequest);
    const error = await failure(ca.issue({ ...issueRequest, csrPem: await csrFor('reuse-b') }));

    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.message).toContain('for another key; a new key needs a new idempotency key');
  });

  it('a tampered CSR is a CaRejectedError and issues nothing', async () => {
    const issueRequest = await request('tampered');
    const der = new x509.Pkcs10CertificateRequest(issueRequest.csrPem).rawData;
    const bytes = new Uint8Array(der.slice(0));
    // Change one letter of the subject's common name: still a well-formed CSR, but the signature no longer matches.
    const at = Buffer.from(bytes).indexOf('from-the-csr');
    bytes[at] = 'F'.charCodeAt(0);
    const tampered = new x509.Pkcs10CertificateRequest(bytes).toString('pem');
    const before = await readdir(path.join(options.folder, 'issued'));

    const error = await failure(ca.issue({ ...issueRequest, csrPem: tampered }));

    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.message).toContain('signature does not verify');
    expect(await readdir(path.join(options.folder, 'issued'))).toEqual(before);
  });

  it.each<[string, Partial<IssueRequest>, string]>([
    ['garbage CSR', { csrPem: 'not a csr' }, 'not a readable PKCS#10 PEM'],
    ['empty idempotency key', { idempotencyKey: '' }, 'non-empty idempotency key'],
    ['no names', { dnsNames: [], ipAddresses: [] }, 'at least one DNS name or IP address'],
    ['bad DNS name', { dnsNames: ['bad name.example'] }, 'is not a DNS name'],
    ['bad IP address', { ipAddresses: ['300.1.1.1'] }, 'is not an IP address'],
    ['zero validity', { validityDays: 0 }, 'not a positive number of days'],
    ['bad subject', { subject: 'api.example.com' }, 'is not a distinguished name'],
  ])('a bad request (%s) is a CaRejectedError', async (_, overrides, message) => {
    const error = await failure(ca.issue(await request('bad-request', overrides)));

    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.message).toContain(message);
  });
});

describe('InternalCa keys and folder', () => {
  it('R-KEY-1: the CA keys are encrypted at rest and openssl opens them with the passphrase only', async () => {
    for (const name of ['root.key.pem', 'issuing.key.pem']) {
      const file = path.join(options.folder, 'authority', name);
      const pem = await readFile(file, 'utf8');

      expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      expect(pem).not.toContain('BEGIN PRIVATE KEY');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await openssl('pkey', '-in', file, '-passin', `pass:${PASSPHRASE}`, '-noout')).toMatchObject({ ok: true });
      expect(await openssl('pkey', '-in', file, '-passin', 'pass:wrong', '-noout')).toMatchObject({ ok: false });
    }
    expect((await stat(options.folder)).mode & 0o777).toBe(0o700);
  });

  it('opening with a wrong passphrase is an InternalCaPassphraseError that does not repeat the passphrase', async () => {
    const error = await failure(openInternalCa({ ...options, passphrase: 'not the passphrase' }));

    expect(error).toBeInstanceOf(InternalCaPassphraseError);
    expect(error.message).toContain('wrong passphrase for the internal CA key');
    expect(error.message).not.toContain('not the passphrase');
  });

  it('concurrent first use in one process creates the CA once', async () => {
    const folder = path.join(workDir, 'ca-race');
    const opened = await Promise.all([1, 2, 3].map(() => openInternalCa({ ...options, folder })));

    expect(new Set(opened.map((instance) => instance.rootPem())).size).toBe(1);
    expect(new Set(opened.map((instance) => instance.issuingPem())).size).toBe(1);
    expect((await readdir(folder)).sort()).toEqual([
      'authority',
      'issued',
      'requests',
      'revocations.json',
      'root-revocations.json',
    ]);
  });

  it('names the root and the issuing CA after the organization, with CA constraints', async () => {
    const root = parseCertificateDer(new X509Certificate(ca.rootPem()).raw).facts;
    const issuing = parseCertificateDer(new X509Certificate(ca.issuingPem()).raw).facts;

    expect(root.subject.text).toBe('CN=certflow Internal Root CA, O=Example Corp');
    expect(root.selfSigned).toBe(true);
    expect(issuing.issuer.text).toBe(root.subject.text);
    expect(issuing.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(issuing.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
  });

  it.each<[string, Partial<InternalCaOptions>, string]>([
    ['empty passphrase', { passphrase: '' }, 'needs a passphrase'],
    ['bad URL', { publicBaseUrl: 'certflow.example.com' }, 'is not a URL'],
    ['URL with a query', { publicBaseUrl: 'http://x.example/?a=1' }, 'without query or fragment'],
    ['bad name', { name: 'Internal CA' }, 'must be lower-case letters'],
    ['bad maximum', { maxValidityDays: -1 }, 'must be a positive number'],
    ['no folder', { folder: ' ' }, 'needs a folder'],
  ])('bad options (%s) are an InternalCaConfigError', async (_, overrides, message) => {
    const error = await failure(openInternalCa({ ...options, ...overrides }));

    expect(error).toBeInstanceOf(InternalCaConfigError);
    expect(error.message).toContain(message);
  });

  it('a damaged revocation file is an InternalCaStateError naming it', async () => {
    const folder = path.join(workDir, 'ca-damaged');
    const damaged = await openInternalCa({ ...options, folder });
    await writeFile(path.join(folder, 'revocations.json'), '{"crlNumber":');

    const error = await failure(damaged.crlDer());

    expect(error).toBeInstanceOf(InternalCaStateError);
    expect(error.message).toContain(path.join(folder, 'revocations.json'));
  });
});

describe('InternalCa revocation and CRL', () => {
  it('R-REV-1: an empty CRL signed by the issuing CA exists from the start', async () => {
    const fresh = await openInternalCa({ ...options, folder: path.join(workDir, 'ca-empty') });
    const crl = new x509.X509Crl(await fresh.crlDer());

    expect(crl.entries).toHaveLength(0);
    expect(crlNumber(crl)).toBe(1);
    expect(await crl.verify({ publicKey: new x509.X509Certificate(fresh.issuingPem()) })).toBe(true);
    expect(crl.thisUpdate.toISOString()).toBe(NOW.toISOString());
    expect(crl.nextUpdate?.toISOString()).toBe(new Date(NOW.getTime() + 7 * DAY).toISOString());
  });

  it('R-REV-1: a revoked certificate is on the CRL served over HTTP, as DER and as X509 CRL PEM', async () => {
    const issued = await ca.issue(await request('revoked'));
    const numberBefore = crlNumber(new x509.X509Crl(await ca.crlDer()));
    const record = await ca.revoke({
      idempotencyKey: 'lifecycle/revoked/revoke',
      serialNumber: issued.serialNumber.toUpperCase(),
      issuer: 'CN=certflow Internal Issuing CA, O=Example Corp',
      reason: 'keyCompromise',
    });

    const derResponse = await get('/ca/internal/crl');
    const der = new Uint8Array(await derResponse.arrayBuffer());
    const pemResponse = await get('/ca/internal/crl.pem');
    const pem = await pemResponse.text();
    const derText = await openssl('crl', '-inform', 'DER', '-noout', '-text', '-in', await writeTemp('crl.der', der));
    const pemText = await openssl('crl', '-noout', '-text', '-in', await writeTemp('crl.pem', pem));
    const crl = new x509.X509Crl(der);
    const entry = crl.findRevoked(issued.serialNumber);
    const leaf = await writeTemp('revoked-leaf.pem', issued.certificatePem);
    const withCrl = await openssl(
      'verify',
      '-crl_check',
      '-CRLfile',
      path.join(workDir, 'crl.pem'),
      '-CAfile',
      await writeTemp('root.pem', ca.rootPem()),
      '-untrusted',
      await writeTemp('issuing.pem', ca.issuingPem()),
      leaf,
    );

    expect(record).toEqual({
      serialNumber: issued.serialNumber,
      revokedAt: NOW.toISOString(),
      reason: 'keyCompromise',
      newlyRevoked: true,
      publishedAt: `${server.url}/ca/internal/crl`,
    });
    expect(derResponse.status).toBe(200);
    expect(derResponse.headers.get('content-type')).toBe('application/pkix-crl');
    expect(derResponse.headers.get('cache-control')).toBe('no-cache');
    expect(pemResponse.headers.get('content-type')).toBe('application/x-pem-file');
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+-----END X509 CRL-----\n$/);
    for (const text of [derText, pemText]) {
      expect(text.ok).toBe(true);
      expect(text.output).toContain(`Serial Number: ${issued.serialNumber.toUpperCase()}`);
      expect(text.output).toContain('Key Compromise');
      expect(text.output).toContain('Issuer: O = Example Corp, CN = certflow Internal Issuing CA');
      expect(text.output).toMatch(/X509v3 CRL Number: \s+\d+/);
    }
    expect(entry?.revocationDate.toISOString()).toBe(NOW.toISOString());
    expect(entry?.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(crlNumber(crl)).toBe(numberBefore + 1);
    expect(await crl.verify({ publicKey: new x509.X509Certificate(ca.issuingPem()) })).toBe(true);
    expect(withCrl.ok).toBe(false);
    expect(withCrl.output).toContain('certificate revoked');
  });

  it('R-REV-1: revoking twice keeps one entry and says newlyRevoked false', async () => {
    const issued = await ca.issue(await request('twice'));
    const revoke = {
      idempotencyKey: 'lifecycle/twice/revoke',
      serialNumber: issued.serialNumber,
      issuer: 'cn=certflow internal issuing ca,o=example corp',
      reason: 'superseded' as const,
    };
    const first = await ca.revoke(revoke);
    const numberAfterFirst = crlNumber(new x509.X509Crl(await ca.crlDer()));
    const second = await ca.revoke({ ...revoke, idempotencyKey: 'another-key', reason: 'keyCompromise' });
    const crl = new x509.X509Crl(await ca.crlDer());

    expect(second).toEqual({ ...first, newlyRevoked: false });
    expect(crl.entries.filter((entry) => entry.serialNumber === issued.serialNumber)).toHaveLength(1);
    expect(crlNumber(crl)).toBe(numberAfterFirst);
  });

  it('an "unspecified" revocation is listed without a reason code, as RFC 5280 asks', async () => {
    const issued = await ca.issue(await request('unspecified'));
    await ca.revoke({
      idempotencyKey: 'lifecycle/unspecified/revoke',
      serialNumber: issued.serialNumber,
      issuer: ca.issuingDn(),
      reason: 'unspecified',
    });

    expect(new x509.X509Crl(await ca.crlDer()).findRevoked(issued.serialNumber)?.reason).toBeUndefined();
  });

  it.each([
    [
      'an unknown serial',
      '7f00112233445566778899aabbccddee',
      'CN=certflow Internal Issuing CA, O=Example Corp',
      'never issued',
    ],
    ['a foreign issuer', null, 'CN=Some Public CA, O=Elsewhere', 'revoke it through the CA that issued it'],
    [
      'the root as issuer',
      null,
      'CN=certflow Internal Root CA, O=Example Corp',
      'revoke it through the CA that issued it',
    ],
    ['a serial that is not hex', 'xyz', 'CN=certflow Internal Issuing CA, O=Example Corp', 'is not hexadecimal'],
  ])('R-REV-1: revoking %s is a CaRejectedError', async (_, serial, issuer, message) => {
    const issued = await ca.issue(await request('foreign'));
    const before = new x509.X509Crl(await ca.crlDer());

    const error = await failure(
      ca.revoke({ idempotencyKey: 'k', serialNumber: serial ?? issued.serialNumber, issuer, reason: 'keyCompromise' }),
    );

    expect(error).toBeInstanceOf(CaRejectedError);
    expect(error.message).toContain(message);
    expect(crlNumber(new x509.X509Crl(await ca.crlDer()))).toBe(crlNumber(before));
  });

  it('issues() recognises the issuing CA’s DN however it is spelled, and nothing else', async () => {
    expect(await ca.issues('CN=certflow Internal Issuing CA, O=Example Corp')).toBe(true);
    expect(await ca.issues('cn=CERTFLOW INTERNAL ISSUING CA,  o=example corp')).toBe(true);
    expect(await ca.issues('CN=certflow Internal Root CA, O=Example Corp')).toBe(false);
    expect(await ca.issues('O=Example Corp, CN=certflow Internal Issuing CA')).toBe(false);
    expect(await ca.issues('garbage')).toBe(false);
  });

  it('R-REV-1: the CRL is re-signed with a higher number once it is past half its life, revocations kept', async () => {
    let clock = NOW;
    const aging = await openInternalCa({ ...options, folder: path.join(workDir, 'ca-aging'), now: () => clock });
    const issued = await aging.issue(await request('aging'));
    await aging.revoke({
      idempotencyKey: 'aging',
      serialNumber: issued.serialNumber,
      issuer: aging.issuingDn(),
      reason: 'cessationOfOperation',
    });
    const fresh = new x509.X509Crl(await aging.crlDer());
    clock = new Date(NOW.getTime() + 3 * DAY);
    const stillFresh = new x509.X509Crl(await aging.crlDer());
    clock = new Date(NOW.getTime() + 4 * DAY);
    const refreshed = new x509.X509Crl(await aging.crlDer());

    expect(crlNumber(stillFresh)).toBe(crlNumber(fresh));
    expect(crlNumber(refreshed)).toBe(crlNumber(fresh) + 1);
    expect(refreshed.thisUpdate.toISOString()).toBe(clock.toISOString());
    expect(refreshed.findRevoked(issued.serialNumber)?.reason).toBe(x509.X509CrlReason.cessationOfOperation);
  });
});

describe('CA over HTTP', () => {
  it('serves the CA certificates as PEM and DER', async () => {
    const rootPem = await get('/ca/internal/root.pem');
    const issuingPem = await get('/ca/internal/issuing.pem');
    const issuingDer = await get('/ca/internal/issuing.cer');

    expect(rootPem.headers.get('content-type')).toBe('application/x-pem-file');
    expect(await rootPem.text()).toBe(ca.rootPem());
    expect(await issuingPem.text()).toBe(ca.issuingPem());
    expect(issuingDer.headers.get('content-type')).toBe('application/pkix-cert');
    expect(new Uint8Array(await issuingDer.arrayBuffer())).toEqual(ca.issuingDer());
  });

  it('HEAD answers the headers without a body', async () => {
    const response = await get('/ca/internal/crl', { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe((await ca.crlDer()).length);
    expect(await response.text()).toBe('');
  });

  it.each(['POST', 'PUT', 'DELETE'])('%s on a CA document is 405 with Allow', async (method) => {
    const response = await get('/ca/internal/crl', { method });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it.each(['/ca/internal/nope', '/ca/internal/', '/ca/internal', '/ca/internal/crl/extra', '/ca/other/crl', '/ca'])(
    'GET %s is 404 with a short text',
    async (pathname) => {
      const response = await get(pathname);

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect((await response.text()).length).toBeLessThan(200);
    },
  );
});
