/**
 * The internal CA's revocations: for each of its two CAs (the issuing CA and the root) the revoked serials, the CRL
 * number and the current CRL, kept in one file so a revocation and its CRL are written together, and the CRL signed
 * by that CA.
 */
import { normalizeHex } from '../../core/domain/certificates/hex';
import { DAY_MS } from '../../core/domain/duration';
import type { RevocationReason } from '../../core/domain/lifecycle/model';
import { x509 } from '../shared/x509';
import { type CrlSigner, SIGNING_ALGORITHM } from './internal-ca-authority';
import { InternalCaStateError } from './internal-ca-errors';
import { readJson, withFolderLock, writeJson } from './internal-ca-files';

const CRL_VALIDITY_MS = 7 * DAY_MS;
const CRL_NUMBER_OID = '2.5.29.20';

/** One line of the CRL. */
export interface RevokedEntry {
  readonly serialNumber: string;
  readonly revokedAt: string;
  readonly reason: RevocationReason;
  readonly idempotencyKey: string;
}

/** Everything about revocation in one file, so a revocation and its CRL are written together. */
export interface RevocationState {
  readonly crlNumber: number;
  readonly crlThisUpdate: string;
  /** The current CRL, DER in base64. */
  readonly crl: string;
  readonly revoked: readonly RevokedEntry[];
}

/** A serial as certflow's parser writes it: lower-case hex, leading zero bytes dropped; null if it is not hex. */
export function canonicalSerial(text: string): string | null {
  const hex = normalizeHex(text);
  if (!/^[0-9a-f]{1,64}$/.test(hex)) return null;
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return even.replace(/^(00)+(?=..)/, '');
}

/** DER INTEGER of a non-negative number: the CRL number extension's value. */
function derInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if (bytes[0]! >= 0x80) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}

/** The revocation file's state; a missing or damaged file is an InternalCaStateError. */
async function readRevocationState(file: string): Promise<RevocationState> {
  const state = await readJson<RevocationState>(file);
  if (state === null || !Number.isInteger(state.crlNumber) || !Array.isArray(state.revoked)) {
    throw new InternalCaStateError(file, state === null ? 'is missing' : 'is damaged');
  }
  return state;
}

/** Whether the CRL is past half its life at `now`, and so due to be signed again. */
function crlIsDue(state: RevocationState, now: Date): boolean {
  return now.getTime() >= Date.parse(state.crlThisUpdate) + CRL_VALIDITY_MS / 2;
}

/** Signs a CRL for `revoked` as of `thisUpdate`: the revocation state to store. */
async function signCrl(
  signer: CrlSigner,
  thisUpdate: Date,
  crlNumber: number,
  revoked: readonly RevokedEntry[],
): Promise<RevocationState> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: signer.certificate.subjectName,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
    signingKey: signer.signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.AuthorityKeyIdentifierExtension(signer.keyId),
      new x509.Extension(CRL_NUMBER_OID, false, derInteger(crlNumber)),
    ],
    entries: revoked.map((entry) => ({
      serialNumber: entry.serialNumber,
      revocationDate: new Date(entry.revokedAt),
      // RFC 5280 5.3.1: the reason code "unspecified" is left out rather than written.
      ...(entry.reason === 'unspecified' ? {} : { reason: x509.X509CrlReason[entry.reason] }),
    })),
  });
  return {
    crlNumber,
    crlThisUpdate: crl.thisUpdate.toISOString(),
    crl: Buffer.from(crl.rawData).toString('base64'),
    revoked,
  };
}

/**
 * One CA's CRL and the revocations it lists, in `file`: signed anew on every revocation and, when read, once it is
 * past half its life. Writes take the CA folder's lock.
 */
export class PublishedCrl {
  constructor(
    private readonly file: string,
    private readonly signer: CrlSigner,
    private readonly folder: string,
    private readonly now: () => Date,
  ) {}

  /** The revocation state; a missing or damaged file is an InternalCaStateError. */
  state(): Promise<RevocationState> {
    return readRevocationState(this.file);
  }

  /** The current CRL, DER; re-signed first when it is past half its life. */
  async der(): Promise<Uint8Array> {
    let state = await this.state();
    if (crlIsDue(state, this.now())) {
      state = await withFolderLock(this.folder, async () => {
        const current = await this.state();
        return crlIsDue(current, this.now()) ? await this.publish(current.crlNumber + 1, current.revoked) : current;
      });
    }
    return new Uint8Array(Buffer.from(state.crl, 'base64'));
  }

  /** Publishes an empty CRL when there is none yet, so relying parties can check before any revocation. */
  async ensure(): Promise<void> {
    if ((await readJson<RevocationState>(this.file)) === null) await this.publish(1, []);
  }

  /** Signs a CRL for `revoked` and stores it with the list in one atomic write; call it holding the folder lock. */
  async publish(crlNumber: number, revoked: readonly RevokedEntry[]): Promise<RevocationState> {
    const state = await signCrl(this.signer, this.now(), crlNumber, revoked);
    await writeJson(this.file, state);
    return state;
  }
}
