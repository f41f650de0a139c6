/**
 * Signatures that come out the same every run, so the X.509 corpus is the same bytes every time it is generated.
 * RSA PKCS#1 v1.5 is deterministic already; ECDSA and RSASSA-PSS draw a random nonce or salt in node:crypto, so
 * here ECDSA P-256 takes its nonce from an HMAC of the key and the digest, and PSS its salt from the digest. Both
 * verify with node:crypto (the corpus test checks). For test certificates only: the nonce is not RFC 6979's.
 */
import { constants, createHash, createHmac, type KeyObject, privateEncrypt, sign } from 'node:crypto';
import { integer, sequence } from '../der-writer';

/** The NIST P-256 domain parameters (SEC 2), also written out in the explicit-parameters corpus key. */
export const P256 = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
} as const;

/** A big-endian unsigned integer as exactly `length` bytes. */
export function bigintBytes(value: bigint, length: number): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex'));
}

function bytesBigint(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function mod(value: bigint, modulus: bigint): bigint {
  const rest = value % modulus;
  return rest < 0n ? rest + modulus : rest;
}

function inverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [mod(value, modulus), modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return mod(oldS, modulus);
}

type Point = readonly [bigint, bigint] | null;

function add(left: Point, right: Point): Point {
  if (left === null) return right;
  if (right === null) return left;
  const { p, a } = P256;
  const [x1, y1] = left;
  const [x2, y2] = right;
  if (x1 === x2 && mod(y1 + y2, p) === 0n) return null;
  const slope =
    x1 === x2 && y1 === y2 ? mod((3n * x1 * x1 + a) * inverse(2n * y1, p), p) : mod((y2 - y1) * inverse(x2 - x1, p), p);
  const x3 = mod(slope * slope - x1 - x2, p);
  return [x3, mod(slope * (x1 - x3) - y1, p)];
}

function multiply(scalar: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let rest = scalar; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

/** An ECDSA P-256 signature over SHA-256 of `data`, DER-encoded (Ecdsa-Sig-Value), with a derived nonce. */
export function signEcdsaP256Sha256(data: Uint8Array, key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || jwk.d === undefined) throw new Error('signEcdsaP256Sha256 needs a P-256 private key');
  const secret = Buffer.from(jwk.d, 'base64url');
  const digest = createHash('sha256').update(data).digest();
  const d = bytesBigint(secret);
  const e = bytesBigint(digest);
  const { n } = P256;
  for (let counter = 0; ; counter++) {
    const nonce = createHmac('sha256', secret).update(digest).update(Uint8Array.of(counter)).digest();
    const k = mod(bytesBigint(nonce), n - 1n) + 1n;
    const point = multiply(k, [P256.gx, P256.gy]);
    const r = mod(point![0], n);
    const s = mod(inverse(k, n) * (e + r * d), n);
    if (r !== 0n && s !== 0n) {
      return sequence(integer(bigintBytes(r, 32)), integer(bigintBytes(s, 32)));
    }
  }
}

function mgf1(hash: string, seed: Uint8Array, length: number): Uint8Array {
  const chunks: Buffer[] = [];
  for (let counter = 0, produced = 0; produced < length; counter++) {
    const chunk = createHash(hash)
      .update(seed)
      .update(bigintBytes(BigInt(counter), 4))
      .digest();
    chunks.push(chunk);
    produced += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/**
 * An RSASSA-PSS signature (RFC 8017 EMSA-PSS, MGF1 with the same hash) whose salt is the first `saltLength` bytes
 * of the message digest, made with the raw RSA operation.
 */
export function signRsaPss(data: Uint8Array, key: KeyObject, hash: 'sha1' | 'sha256', saltLength: number): Uint8Array {
  const modulusBits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || modulusBits === undefined) throw new Error('signRsaPss needs an RSA key');
  const emBits = modulusBits - 1;
  const emLength = Math.ceil(emBits / 8);
  const messageHash = createHash(hash).update(data).digest();
  const hashLength = messageHash.length;
  const salt = Buffer.concat([messageHash, messageHash]).subarray(0, saltLength);
  const h = createHash(hash).update(Buffer.alloc(8)).update(messageHash).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLength - saltLength - hashLength - 2), Uint8Array.of(1), salt]);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLength - emBits);
  const encoded = Buffer.concat([db, h, Uint8Array.of(0xbc)]);
  // A 2048-bit modulus takes a 256-byte block: the encoded message is one byte shorter when emBits is a multiple of 8.
  const block = Buffer.concat([Buffer.alloc(modulusBits / 8 - encoded.length), encoded]);
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, block));
}

/** An RSA PKCS#1 v1.5 signature (deterministic by construction). */
export function signRsaPkcs1(data: Uint8Array, key: KeyObject, hash: 'sha1' | 'sha256'): Uint8Array {
  return new Uint8Array(sign(hash, data, key));
}
