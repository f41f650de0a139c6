/**
 * The key store on disk (R-KEY-1): the key under ref `a/b` is `<root>/a/b.key.pem`, unencrypted PKCS#8 PEM readable
 * only by certflow's user (files 0600, folders 0700). Keys are generated with node:crypto and never leave this
 * module except through `readPrivateKeyPem`, which deployers call to install a key; no error message or log line
 * carries key material.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  type CsrSubject,
  type KeyRef,
  KeyNotFoundError,
  type KeySpec,
  type KeyStore,
  type StoredKeyPair,
} from '../../core/ports/key-store';
import { createFileOnce, errorCode } from '../shared/durable-file';
import { nameFromRfc4514, x509 } from '../shared/x509';

const generateKeyPairAsync = promisify(generateKeyPair);

const REF_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const MAX_REF_LENGTH = 200;
const KEY_SUFFIX = '.key.pem';

/** A key reference that is not a safe relative path. */
export class InvalidKeyRefError extends Error {
  override readonly name = 'InvalidKeyRefError';
  constructor(
    readonly ref: string,
    reason: string,
  ) {
    super(
      `invalid key reference ${JSON.stringify(ref)}: ${reason} — use letters, digits, ".", "_", "-" and "/" between ` +
        'segments, e.g. "api-example-com/cycle-3"',
    );
  }
}

/** A key spec certflow does not generate. */
export class UnsupportedKeySpecError extends Error {
  override readonly name = 'UnsupportedKeySpecError';
  constructor(spec: unknown) {
    super(
      `unsupported key spec ${JSON.stringify(spec)}: use EC with curve P-256 or P-384, or RSA with 2048, 3072 or 4096 bits`,
    );
  }
}

/** A key already exists under the ref with another spec. */
export class KeySpecMismatchError extends Error {
  override readonly name = 'KeySpecMismatchError';
  constructor(
    readonly ref: KeyRef,
    readonly existing: KeySpec,
    readonly requested: KeySpec,
  ) {
    super(
      `key ${ref} already exists as ${describeSpec(existing)}, not the ${describeSpec(requested)} asked for — ` +
        'use a new key reference for the new key, or delete the old key first if nothing uses it',
    );
  }
}

/** A key file that exists but is not a key certflow can use. */
export class UnreadableKeyError extends Error {
  override readonly name = 'UnreadableKeyError';
  constructor(
    readonly ref: KeyRef,
    readonly file: string,
    reason: string,
  ) {
    super(`key ${ref} in ${file} ${reason} — delete the file and renew the certificate to get a new key`);
  }
}

/** Names for a certificate request that cannot go into one. */
export class CsrSubjectError extends Error {
  override readonly name = 'CsrSubjectError';
}

/** "EC P-256", "RSA 2048". */
function describeSpec(spec: KeySpec): string {
  return spec.algorithm === 'EC' ? `EC ${spec.curve}` : `RSA ${spec.bits}`;
}

function sameSpec(a: KeySpec, b: KeySpec): boolean {
  return describeSpec(a) === describeSpec(b);
}

/** The spec as given, checked at run time: workflows pass it as JSON. */
function checkSpec(spec: KeySpec): KeySpec {
  const candidate = spec as Partial<Record<'algorithm' | 'curve' | 'bits', unknown>> | null;
  if (candidate?.algorithm === 'EC' && (candidate.curve === 'P-256' || candidate.curve === 'P-384')) {
    return { algorithm: 'EC', curve: candidate.curve };
  }
  if (
    candidate?.algorithm === 'RSA' &&
    (candidate.bits === 2048 || candidate.bits === 3072 || candidate.bits === 4096)
  ) {
    return { algorithm: 'RSA', bits: candidate.bits };
  }
  throw new UnsupportedKeySpecError(spec);
}

const CURVES: Readonly<Record<string, 'P-256' | 'P-384'>> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/** The spec of a stored key, or null for a key type certflow does not make. */
function specOf(key: KeyObject): KeySpec | null {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[details?.namedCurve ?? ''];
    return curve === undefined ? null : { algorithm: 'EC', curve };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details?.modulusLength;
    return bits === 2048 || bits === 3072 || bits === 4096 ? { algorithm: 'RSA', bits } : null;
  }
  return null;
}

/** Checks a ref and returns its path segments. */
function refSegments(ref: unknown): string[] {
  if (typeof ref !== 'string' || ref === '') throw new InvalidKeyRefError(String(ref), 'it is empty');
  if (ref.length > MAX_REF_LENGTH) throw new InvalidKeyRefError(ref, `it is longer than ${MAX_REF_LENGTH} characters`);
  if (ref.startsWith('/')) throw new InvalidKeyRefError(ref, 'it must be relative, without a leading "/"');
  if (!REF_PATTERN.test(ref))
    throw new InvalidKeyRefError(ref, 'it has a character that is not allowed or an empty segment');
  const segments = ref.split('/');
  // Leading dots would allow "." and ".." and collide with the store's hidden temporary files.
  if (segments.some((segment) => segment.startsWith('.'))) {
    throw new InvalidKeyRefError(ref, 'a segment starts with "." (no "..", no hidden names)');
  }
  return segments;
}

/** The subject's names checked, as @peculiar/x509 general names. */
function subjectAltNames(subject: CsrSubject): x509.JsonGeneralName[] {
  const names: x509.JsonGeneralName[] = [];
  for (const dns of subject.dnsNames) {
    if (typeof dns !== 'string' || !/^[A-Za-z0-9*_.-]+$/.test(dns) || dns.length > 253) {
      throw new CsrSubjectError(`invalid DNS name ${JSON.stringify(dns)} for a certificate request — use a host name`);
    }
    names.push({ type: 'dns', value: dns });
  }
  for (const ip of subject.ipAddresses) {
    if (typeof ip !== 'string' || net.isIP(ip) === 0) {
      throw new CsrSubjectError(
        `invalid IP address ${JSON.stringify(ip)} for a certificate request — use IPv4 or IPv6 text`,
      );
    }
    names.push({ type: 'ip', value: ip });
  }
  return names;
}

/** Private keys as files under one root folder. */
export class FileKeyStore implements KeyStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Where the key under `ref` lives (whether or not it exists). Throws InvalidKeyRefError for a bad ref. */
  keyFile(ref: KeyRef): string {
    const segments = refSegments(ref);
    return path.join(this.root, ...segments.slice(0, -1), `${segments[segments.length - 1]}${KEY_SUFFIX}`);
  }

  async ensureKeyPair(ref: KeyRef, spec: KeySpec): Promise<StoredKeyPair> {
    const file = this.keyFile(ref);
    const wanted = checkSpec(spec);
    const existing = await this.loadKey(ref, file);
    if (existing !== null) return this.describe(ref, file, existing, wanted, false);

    await this.makeFolders(ref);
    const privateKey = await this.generate(wanted);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    if (await createFileOnce(file, pem, 0o600)) return this.describe(ref, file, privateKey, wanted, true);
    // A concurrent call stored its key first: that one is the key.
    const winner = await this.loadKey(ref, file);
    if (winner === null) throw new KeyNotFoundError(ref);
    return this.describe(ref, file, winner, wanted, false);
  }

  async createCsr(ref: KeyRef, subject: CsrSubject): Promise<string> {
    const file = this.keyFile(ref);
    const name = nameFromRfc4514(subject.subject);
    const altNames = subjectAltNames(subject);
    const privateKey = await this.loadKey(ref, file);
    if (privateKey === null) throw new KeyNotFoundError(ref);
    const spec = specOf(privateKey);
    if (spec === null) throw new UnreadableKeyError(ref, file, 'is not an EC P-256/P-384 or RSA key');
    const algorithm: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams =
      spec.algorithm === 'EC'
        ? { name: 'ECDSA', namedCurve: spec.curve }
        : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const signingAlgorithm =
      spec.algorithm === 'EC'
        ? { name: 'ECDSA', hash: spec.curve === 'P-384' ? 'SHA-384' : 'SHA-256' }
        : { name: 'RSASSA-PKCS1-v1_5' };
    const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const keys = {
      privateKey: await webcrypto.subtle.importKey(
        'pkcs8',
        privateKey.export({ type: 'pkcs8', format: 'der' }),
        algorithm,
        false,
        ['sign'],
      ),
      publicKey: await webcrypto.subtle.importKey('spki', publicDer, algorithm, true, ['verify']),
    } satisfies webcrypto.CryptoKeyPair;
    const extensions = altNames.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(altNames)];
    const request = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm, extensions });
    return request.toString('pem');
  }

  async readPrivateKeyPem(ref: KeyRef): Promise<string> {
    const file = this.keyFile(ref);
    const pem = await this.readKeyText(ref, file);
    if (pem === null) throw new KeyNotFoundError(ref);
    return pem;
  }

  async deleteKey(ref: KeyRef): Promise<void> {
    const file = this.keyFile(ref);
    try {
      await unlink(file);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }

  private async readKeyText(ref: KeyRef, file: string): Promise<string | null> {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') return null;
      throw new UnreadableKeyError(ref, file, `cannot be read (${code ?? 'unknown error'})`);
    }
  }

  /** The stored key, or null when there is none. Parse errors are replaced: they may quote the file. */
  private async loadKey(ref: KeyRef, file: string): Promise<KeyObject | null> {
    const pem = await this.readKeyText(ref, file);
    if (pem === null) return null;
    try {
      return createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new UnreadableKeyError(ref, file, 'is not a readable PKCS#8 PEM private key');
    }
  }

  private async generate(spec: KeySpec): Promise<KeyObject> {
    const pair =
      spec.algorithm === 'EC'
        ? await generateKeyPairAsync('ec', { namedCurve: spec.curve })
        : await generateKeyPairAsync('rsa', { modulusLength: spec.bits });
    return pair.privateKey;
  }

  /** Creates the root and the ref's folders, each 0700 whatever the umask or an older mode. */
  private async makeFolders(ref: KeyRef): Promise<void> {
    const segments = refSegments(ref).slice(0, -1);
    let folder = this.root;
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await chmod(folder, 0o700);
    for (const segment of segments) {
      folder = path.join(folder, segment);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      await chmod(folder, 0o700);
    }
  }

  private describe(ref: KeyRef, file: string, privateKey: KeyObject, wanted: KeySpec, created: boolean): StoredKeyPair {
    const spec = specOf(privateKey);
    if (spec === null) throw new UnreadableKeyError(ref, file, 'is not an EC P-256/P-384 or RSA key');
    if (!sameSpec(spec, wanted)) throw new KeySpecMismatchError(ref, spec, wanted);
    const publicKey = createPublicKey(privateKey);
    return {
      ref,
      spec,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      publicKeySha256: createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
      created,
    };
  }
}
