/**
 * An OpenSSL CA database as a certificate source (R-INV-2, CA import): index.txt read line by line, each entry's
 * certificate read from the CA's `new_certs_dir` (`<SERIAL>.pem`) and yielded with the entry's revocation. A malformed line, or an entry whose certificate file is missing or is another certificate, is that
 * line's error; the other entries are imported (R-INV-4).
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { ParsedCertificate } from '../../core/domain/certificates/certificate-facts';
import { decodeCertificates } from '../../core/domain/certificates/decode-certificates';
import type { CaRecordSource } from '../../core/ports/ca-record-source';
import type { FoundCertificates } from '../../core/ports/certificate-source';
import { type OpensslIndexEntry, type OpensslIndexStatus, parseOpensslIndexLine } from './openssl-ca-index';

/** How much of the file is read to tell an index from another file, before anything is imported. */
const HEAD_BYTES = 64 * 1024;
/** No certificate file of a CA's new_certs_dir is this large. */
const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/** Options of {@link openOpensslCaDatabase}. */
export interface OpensslCaOptions {
  /** The CA's `new_certs_dir`; by default the index's folder and its `newcerts/`. */
  readonly certsDir?: string;
}

/** The file given as an OpenSSL CA database cannot be one: nothing was imported. The message says what to pass. */
export class NotAnOpensslIndexError extends Error {
  constructor(file: string, why: string) {
    super(
      `${file} is not an OpenSSL CA database: ${why}; pass the index.txt named by \`database\` in the CA's ` +
        'openssl.cnf (lines of status, expiry, revocation, serial, file name and subject, separated by tabs)',
    );
    this.name = 'NotAnOpensslIndexError';
  }
}

/** Serial numbers compare as numbers: the index writes 0A1F, the parser 0a1f, a file name may drop leading zeros. */
function sameSerial(a: string, b: string): boolean {
  const canonical = (hex: string) => hex.toLowerCase().replace(/^0+(?=.)/, '');
  return canonical(a) === canonical(b);
}

/** Refuses a folder, a binary file, or a file whose first lines are none of them index entries. */
async function checkLooksLikeIndex(file: string): Promise<void> {
  const stat = await fs.promises.stat(file).catch((error: Error) => {
    throw new NotAnOpensslIndexError(file, `it cannot be read (${error.message})`);
  });
  if (stat.isDirectory()) throw new NotAnOpensslIndexError(file, 'it is a folder');
  const handle = await fs.promises.open(file, 'r');
  let head: Buffer;
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.includes(0)) throw new NotAnOpensslIndexError(file, 'it holds binary data');
  const lines = head.toString('utf8').split('\n');
  // The last line of a head shorter than the file may be cut.
  if (head.length === HEAD_BYTES) lines.pop();
  const filled = lines.filter((line) => line.trim() !== '');
  if (filled.length > 0 && !filled.some((line) => 'entry' in parseOpensslIndexLine(line))) {
    const first = parseOpensslIndexLine(filled[0]!);
    throw new NotAnOpensslIndexError(
      file,
      `no line is an index entry (the first: ${'problem' in first && first.problem})`,
    );
  }
}

/** The folders searched for `<SERIAL>.pem`; a named folder must exist. */
async function certificateFolders(indexFile: string, certsDir: string | undefined): Promise<string[]> {
  if (certsDir === undefined) {
    const folder = path.dirname(indexFile);
    return [path.join(folder, 'newcerts'), folder];
  }
  const stat = await fs.promises.stat(certsDir).catch(() => null);
  if (stat === null || !stat.isDirectory()) {
    throw new NotAnOpensslIndexError(
      indexFile,
      `--certs-dir ${certsDir} is not a folder: name the CA's new_certs_dir, which holds <SERIAL>.pem`,
    );
  }
  return [certsDir];
}

/** The certificate files an entry may be in: the file the index names, then `<SERIAL>.pem` in each folder. */
function candidateFiles(entry: OpensslIndexEntry, indexFile: string, folders: readonly string[]): string[] {
  const named = entry.file === null ? [] : [path.resolve(path.dirname(indexFile), entry.file)];
  const names = [...new Set([entry.serial, entry.serial.toUpperCase()])].map((serial) => `${serial}.pem`);
  return [...named, ...folders.flatMap((folder) => names.map((name) => path.join(folder, name)))];
}

/** Reads the entry's certificate: the certificate, or the line's error with its fix. */
async function readEntryCertificate(
  entry: OpensslIndexEntry,
  candidates: readonly string[],
  folders: readonly string[],
): Promise<ParsedCertificate | string> {
  const described = `serial ${entry.serial} (${entry.subject})`;
  for (const file of candidates) {
    let bytes: Buffer;
    try {
      const stat = await fs.promises.stat(file);
      if (!stat.isFile() || stat.size > MAX_CERTIFICATE_FILE_BYTES) continue;
      bytes = await fs.promises.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return `${described}: cannot read ${file}: ${(error as Error).message}`;
    }
    const decoded = decodeCertificates(bytes, file);
    const certificate = decoded.certificates.find((parsed) => sameSerial(parsed.facts.serialNumber, entry.serial));
    if (certificate !== undefined) return certificate;
    const held = decoded.certificates.map((parsed) => parsed.facts.serialNumber).join(', ');
    return held === ''
      ? `${described}: ${file} holds no readable certificate (${decoded.errors[0]?.reason ?? 'no PEM or DER certificate'}): restore it from a backup of the CA`
      : `${described}: ${file} holds serial ${held}, not ${entry.serial}: it is not this entry's certificate; restore it from a backup of the CA`;
  }
  return (
    `${described}: no certificate file ${entry.serial}.pem in ${folders.join(' or ')}: ` +
    "pass the CA's new_certs_dir with --certs-dir"
  );
}

/**
 * Opens an OpenSSL CA database. Throws NotAnOpensslIndexError, before anything is read for import, when `indexFile`
 * is not one or `certsDir` is not a folder; the entries are read as the source is iterated.
 */
export async function openOpensslCaDatabase(
  indexFile: string,
  options: OpensslCaOptions = {},
): Promise<CaRecordSource> {
  await checkLooksLikeIndex(indexFile);
  const folders = await certificateFolders(indexFile, options.certsDir);
  const counts: Record<OpensslIndexStatus, number> = { valid: 0, revoked: 0, expired: 0 };

  async function* certificates(): AsyncIterable<FoundCertificates> {
    const stream = fs.createReadStream(indexFile, { encoding: 'utf8' });
    const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
    let number = 0;
    try {
      for await (const line of lines) {
        number += 1;
        if (line.trim() === '') continue;
        const name = `${indexFile} line ${number}`;
        const parsed = parseOpensslIndexLine(line);
        if ('problem' in parsed) {
          yield { name, certificates: [], errors: [`${name}: ${parsed.problem}`] };
          continue;
        }
        const { entry } = parsed;
        const read = await readEntryCertificate(entry, candidateFiles(entry, indexFile, folders), folders);
        if (typeof read === 'string') {
          yield { name, certificates: [], errors: [`${name}: ${read}`] };
          continue;
        }
        counts[entry.status] += 1;
        const { revocation } = entry;
        yield {
          name,
          certificates: [read],
          errors: [],
          ...(revocation !== null && {
            revocations: new Map([
              [read.facts.fingerprintSha256, { revokedAt: revocation.at, reason: revocation.reason }],
            ]),
          }),
        };
      }
    } finally {
      lines.close();
      stream.destroy();
    }
  }

  return {
    name: indexFile,
    certificates: certificates(),
    counts: () => ({ ...counts }),
  };
}
