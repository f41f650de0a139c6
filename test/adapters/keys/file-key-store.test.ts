import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistinguishedNameError, x509 } from '../../../src/adapters/shared/x509';
import {
  CsrSubjectError,
  FileKeyStore,
  InvalidKeyRefError,
  KeySpecMismatchError,
  UnreadableKeyError,
  UnsupportedKeySpecError,
} from '../../../src/adapters/keys/file-key-store';
import { KeyNotFoundError, type KeySpec } from '../../../src/core/ports/key-store';

const run = promisify(execFile);
const P256: KeySpec = { algorithm: 'EC', curve: 'P-256' };
const SUBJECT = { subject: 'CN=api.example.com, O=Example', dnsNames: ['api.example.com'], ipAddresses: [] };

let root: string;
let store: FileKeyStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'certflow-keys-'));
  store = new FileKeyStore(path.join(root, 'keys'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Every 16-character run of the key's base64 body: none of them may appear in an error message. */
function keyFragments(pem: string): string[] {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
  const fragments: string[] = [];
  for (let at = 0; at + 16 <= body.length; at += 8) fragments.push(body.slice(at, at + 16));
  return fragments;
}

function expectNoKeyMaterial(error: Error, pem: string): void {
  const text = `${error.message}\n${error.stack ?? ''}`;
  expect(text).not.toContain('PRIVATE KEY');
  for (const fragment of keyFragments(pem)) expect(text).not.toContain(fragment);
}

describe('FileKeyStore', () => {
  it('R-KEY-1: stores a new EC key as PKCS#8 PEM, file 0600 and folders 0700', async () => {
    const pair = await store.ensureKeyPair('svc-a/cycle-1', P256);
    const file = path.join(root, 'keys', 'svc-a', 'cycle-1.key.pem');
    const pem = await readFile(file, 'utf8');

    expect(pair).toMatchObject({ ref: 'svc-a/cycle-1', spec: P256, created: true });
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(root, 'keys'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(root, 'keys', 'svc-a'))).mode & 0o777).toBe(0o700);
    expect(store.keyFile('svc-a/cycle-1')).toBe(file);
    expect(await store.readPrivateKeyPem('svc-a/cycle-1')).toBe(pem);
  });

  it('publicKeySha256 is the SHA-256 of the SPKI DER and publicKeyPem is the SPKI PEM', async () => {
    const pair = await store.ensureKeyPair('svc-b/cycle-1', P256);
    const publicKey = createPublicKey(createPrivateKey(await store.readPrivateKeyPem('svc-b/cycle-1')));
    const spki = publicKey.export({ type: 'spki', format: 'der' });

    expect(pair.publicKeySha256).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(pair.publicKeyPem).toBe(publicKey.export({ type: 'spki', format: 'pem' }));
  });

  it('ensureKeyPair is idempotent: a second call returns the same key with created false', async () => {
    const first = await store.ensureKeyPair('svc-c', P256);
    const pemBefore = await store.readPrivateKeyPem('svc-c');
    const second = await store.ensureKeyPair('svc-c', P256);

    expect(second).toEqual({ ...first, created: false });
    expect(await store.readPrivateKeyPem('svc-c')).toBe(pemBefore);
  });

  it('concurrent ensureKeyPair calls end with one key that all of them return', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => store.ensureKeyPair('race/cycle-1', P256)));

    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.publicKeySha256)).size).toBe(1);
    const onDisk = createPublicKey(createPrivateKey(await store.readPrivateKeyPem('race/cycle-1')));
    expect(onDisk.export({ type: 'spki', format: 'pem' })).toBe(results[0]!.publicKeyPem);
    expect(await readdir(path.join(root, 'keys', 'race'))).toEqual(['cycle-1.key.pem']);
  });

  it('generates P-384 and RSA keys of the requested size', async () => {
    const p384 = await store.ensureKeyPair('sizes/p384', { algorithm: 'EC', curve: 'P-384' });
    const rsa = await store.ensureKeyPair('sizes/rsa', { algorithm: 'RSA', bits: 2048 });

    expect(createPublicKey(p384.publicKeyPem).asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(createPublicKey(rsa.publicKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('an existing key with another spec is a KeySpecMismatchError that says what to do, and the key stays', async () => {
    await store.ensureKeyPair('mismatch', P256);
    const pem = await store.readPrivateKeyPem('mismatch');
    const error = await failure(store.ensureKeyPair('mismatch', { algorithm: 'EC', curve: 'P-384' }));

    expect(error).toBeInstanceOf(KeySpecMismatchError);
    expect(error.message).toContain('already exists as EC P-256, not the EC P-384 asked for');
    expect(error.message).toContain('use a new key reference');
    expectNoKeyMaterial(error, pem);
    expect(await store.readPrivateKeyPem('mismatch')).toBe(pem);
  });

  it.each([
    ['../x', 'a segment starts with "."'],
    ['a/../b', 'a segment starts with "."'],
    ['/abs', 'without a leading "/"'],
    ['', 'it is empty'],
    ['a//b', 'not allowed or an empty segment'],
    ['a/', 'not allowed or an empty segment'],
    ['a b', 'not allowed'],
    ['a\\b', 'not allowed'],
    ['.hidden', 'a segment starts with "."'],
    ['x'.repeat(201), 'longer than 200'],
  ])('a bad key reference %j is an InvalidKeyRefError (%s) for every method', async (ref, reason) => {
    for (const call of [
      () => store.ensureKeyPair(ref, P256),
      () => store.createCsr(ref, SUBJECT),
      () => store.readPrivateKeyPem(ref),
      () => store.deleteKey(ref),
    ]) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(InvalidKeyRefError);
      expect(error.message).toContain(reason);
    }
    expect(await readdir(root)).not.toContain('x.key.pem');
  });

  it.each([
    [{ algorithm: 'RSA', bits: 1024 }],
    [{ algorithm: 'EC', curve: 'P-521' }],
    [{ algorithm: 'Ed25519' }],
    [null],
  ])('an unsupported key spec %j is an UnsupportedKeySpecError naming the supported ones', async (spec) => {
    const error = await failure(store.ensureKeyPair('unsupported', spec as unknown as KeySpec));

    expect(error).toBeInstanceOf(UnsupportedKeySpecError);
    expect(error.message).toContain('use EC with curve P-256 or P-384, or RSA with 2048, 3072 or 4096 bits');
  });

  it('R-REN-1: createCsr signs a PKCS#10 request with the subject in order and the SANs, for the stored key', async () => {
    const pair = await store.ensureKeyPair('csr/cycle-1', P256);
    const pem = await store.createCsr('csr/cycle-1', {
      subject: 'CN=api.example.com, OU=Web, O=Example\\, Inc., C=US',
      dnsNames: ['api.example.com', 'www.example.com'],
      ipAddresses: ['192.0.2.10', '2001:db8::1'],
    });
    const csr = new x509.Pkcs10CertificateRequest(pem);
    const names = csr.extensions
      .find(
        (extension): extension is x509.SubjectAlternativeNameExtension =>
          extension instanceof x509.SubjectAlternativeNameExtension,
      )
      ?.names.toJSON();
    const file = path.join(root, 'request.csr');
    await writeFile(file, pem);
    const openssl = await run('openssl', [
      'req',
      '-in',
      file,
      '-verify',
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
      '-text',
    ]);

    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(await csr.verify()).toBe(true);
    expect(`${openssl.stdout}${openssl.stderr}`).toMatch(/verify OK/i);
    expect(openssl.stdout).toContain('subject=CN=api.example.com,OU=Web,O=Example\\, Inc.,C=US');
    expect(openssl.stdout).toContain(
      'DNS:api.example.com, DNS:www.example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1',
    );
    expect(names).toEqual([
      { type: 'dns', value: 'api.example.com' },
      { type: 'dns', value: 'www.example.com' },
      { type: 'ip', value: '192.0.2.10' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
    expect(Buffer.from(csr.publicKey.rawData)).toEqual(
      createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' }),
    );
  });

  it('createCsr works for an RSA key', async () => {
    await store.ensureKeyPair('sizes/rsa', { algorithm: 'RSA', bits: 2048 });
    const csr = new x509.Pkcs10CertificateRequest(await store.createCsr('sizes/rsa', SUBJECT));

    expect(await csr.verify()).toBe(true);
    expect(csr.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5' });
  });

  it('createCsr refuses a malformed subject or name with a typed error', async () => {
    await store.ensureKeyPair('csr/bad', P256);
    const pem = await store.readPrivateKeyPem('csr/bad');
    const badSubject = await failure(store.createCsr('csr/bad', { ...SUBJECT, subject: 'api.example.com' }));
    const badDns = await failure(store.createCsr('csr/bad', { ...SUBJECT, dnsNames: ['bad name'] }));
    const badIp = await failure(store.createCsr('csr/bad', { ...SUBJECT, ipAddresses: ['10.0.0.300'] }));

    expect(badSubject).toBeInstanceOf(DistinguishedNameError);
    expect(badDns).toBeInstanceOf(CsrSubjectError);
    expect(badIp).toBeInstanceOf(CsrSubjectError);
    for (const error of [badSubject, badDns, badIp]) expectNoKeyMaterial(error, pem);
  });

  it('deleteKey removes the key, a missing key is fine, and then every read is a KeyNotFoundError', async () => {
    await store.ensureKeyPair('gone', P256);
    await store.deleteKey('gone');
    await store.deleteKey('gone');
    await store.deleteKey('never/existed');

    expect(await failure(store.readPrivateKeyPem('gone'))).toBeInstanceOf(KeyNotFoundError);
    expect(await failure(store.createCsr('gone', SUBJECT))).toBeInstanceOf(KeyNotFoundError);
    expect((await store.ensureKeyPair('gone', P256)).created).toBe(true);
  });

  it('R-KEY-1: a damaged key file is an UnreadableKeyError that quotes no key material', async () => {
    await store.ensureKeyPair('damaged', P256);
    const file = store.keyFile('damaged');
    const pem = await readFile(file, 'utf8');
    const lines = pem.split('\n');
    await writeFile(
      file,
      [lines[0], lines[1]!.slice(0, 20) + '!!' + lines[1]!.slice(22), ...lines.slice(2)].join('\n'),
    );

    for (const call of [() => store.ensureKeyPair('damaged', P256), () => store.createCsr('damaged', SUBJECT)]) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(UnreadableKeyError);
      expect(error.message).toContain('delete the file and renew the certificate');
      expectNoKeyMaterial(error, pem);
    }
  });

  it('R-KEY-1: no thrown error of the key store carries private key text', async () => {
    await store.ensureKeyPair('quiet', P256);
    const pem = await store.readPrivateKeyPem('quiet');
    const errors = await Promise.all([
      failure(store.ensureKeyPair('quiet', { algorithm: 'RSA', bits: 2048 })),
      failure(store.createCsr('quiet', { ...SUBJECT, subject: '' })),
      failure(store.createCsr('quiet', { ...SUBJECT, dnsNames: ['-- bad --'] })),
      failure(store.readPrivateKeyPem('quiet/../x')),
      failure(store.readPrivateKeyPem('not-there')),
    ]);

    for (const error of errors) expectNoKeyMaterial(error, pem);
  });
});
