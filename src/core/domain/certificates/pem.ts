/**
 * Splits PEM text into its armored blocks (RFC 7468), tolerating what real files carry: junk and comments between
 * blocks, OpenSSL/Windows `Bag Attributes` and `subject=` lines, CRLF, base64 broken by stray white space, RFC 1421
 * headers inside a block, and a whole block on one line. Private keys are skipped without being decoded.
 */
import { CertificateParseError, RE_EXPORT_FIX } from './errors';

/** Labels whose content certflow reads: X.509 certificates and PKCS#7/CMS bundles. */
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE', 'X.509 CERTIFICATE']);
const PKCS7_LABELS = new Set(['PKCS7', 'PKCS #7 SIGNED DATA', 'CMS']);

/** What a block holds, from its label. */
export type PemBlockKind = 'certificate' | 'pkcs7';

/** A decoded block certflow can read. */
export interface PemBlock {
  /** 1-based position among all BEGIN lines of the file, whatever their label. */
  readonly number: number;
  readonly label: string;
  readonly kind: PemBlockKind;
  /** 1-based line of the BEGIN line. */
  readonly line: number;
  readonly der: Uint8Array;
}

/** A block left alone on purpose: a private key, a request, a CRL … */
export interface PemSkippedBlock {
  readonly number: number;
  readonly label: string;
  readonly line: number;
  readonly reason: string;
}

/** Everything found in one PEM text; good blocks are kept when others are broken. */
export interface PemSplit {
  readonly blocks: PemBlock[];
  readonly errors: CertificateParseError[];
  readonly skipped: PemSkippedBlock[];
}

/** True for every private-key label (`PRIVATE KEY`, `RSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY` …). */
export function isPrivateKeyLabel(label: string): boolean {
  return /PRIVATE KEY/.test(label);
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

/** Base64 alphabet value per character code; -1 for white space, -2 for '=', -3 for anything else. */
const SEXTETS = (() => {
  const table = new Int8Array(128).fill(-3);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  for (const space of ' \t\r\n\f\v') table[space.charCodeAt(0)] = -1;
  table['='.charCodeAt(0)] = -2;
  return table;
})();

/** Counts line breaks in text[from, to), for 1-based line numbers without splitting the whole text. */
function countLines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** Where a base64 body starts: after RFC 1421 headers (`Proc-Type: …`) and the blank line that ends them. */
function bodyStart(text: string, afterBegin: number, to: number): number {
  // Headers start on the line after BEGIN; the BEGIN line's own remainder only holds base64 in one-line PEM.
  const beginLineEnd = text.indexOf('\n', afterBegin);
  const from =
    beginLineEnd !== -1 && beginLineEnd < to && text.slice(afterBegin, beginLineEnd).trim() === ''
      ? beginLineEnd + 1
      : afterBegin;
  const firstLineEnd = text.indexOf('\n', from);
  const firstLine = text.slice(from, firstLineEnd === -1 || firstLineEnd > to ? to : firstLineEnd);
  if (!firstLine.includes(':')) return from;
  let at = from;
  while (at < to) {
    const lineEnd = text.indexOf('\n', at);
    const next = lineEnd === -1 || lineEnd > to ? to : lineEnd + 1;
    const line = text.slice(at, next).trim();
    // Header lines, their indented continuations, then one blank line.
    if (line === '') return next;
    if (!line.includes(':') && !/^\s/.test(text.slice(at, next))) return at;
    at = next;
  }
  return to;
}

type Base64Result = { readonly der: Uint8Array } | { readonly badAt: number; readonly problem: string };

/** Decodes base64 in text[from, to), skipping white space; reports the offset of the first bad character. */
function decodeBase64(text: string, from: number, to: number): Base64Result {
  const output = new Uint8Array(Math.ceil(((to - from) * 3) / 4));
  let length = 0;
  let buffer = 0;
  let bits = 0;
  let padding = 0;
  let paddingAt = -1;
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    const value = code < 128 ? SEXTETS[code]! : -3;
    if (value === -1) continue;
    if (value === -2) {
      if (padding === 0) paddingAt = at;
      padding++;
      continue;
    }
    if (value === -3) return { badAt: at, problem: `base64 is corrupt: unexpected character '${text[at]}'` };
    if (padding > 0) return { badAt: paddingAt, problem: 'base64 is corrupt: padding in the middle of the data' };
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      output[length++] = (buffer >> bits) & 0xff;
    }
  }
  if (bits === 6 || padding > 2) return { badAt: to, problem: 'base64 is corrupt: the data is cut short' };
  return { der: output.slice(0, length) };
}

function labelKind(label: string): PemBlockKind | null {
  if (CERTIFICATE_LABELS.has(label)) return 'certificate';
  if (PKCS7_LABELS.has(label)) return 'pkcs7';
  return null;
}

/** Splits PEM text into blocks; `source` names the file in errors. Never throws on bad input. */
export function splitPem(text: string, source: string): PemSplit {
  const blocks: PemBlock[] = [];
  const errors: CertificateParseError[] = [];
  const skipped: PemSkippedBlock[] = [];
  let number = 0;
  let line = 1;
  let lineCountedTo = 0;
  const lineAt = (offset: number): number => {
    line += countLines(text, lineCountedTo, offset);
    lineCountedTo = offset;
    return line;
  };

  let begin = text.indexOf(BEGIN);
  while (begin !== -1) {
    const labelEnd = text.indexOf(DASHES, begin + BEGIN.length);
    const newline = text.indexOf('\n', begin);
    const nextBegin = text.indexOf(BEGIN, begin + BEGIN.length);
    if (labelEnd === -1 || (newline !== -1 && labelEnd > newline)) {
      // Prose mentioning "-----BEGIN" is junk; a damaged BEGIN line of a real block (an END follows) is an error.
      const endAfter = text.indexOf(END, begin);
      if (endAfter !== -1 && (nextBegin === -1 || endAfter < nextBegin)) {
        number++;
        const problem = { line: lineAt(begin), fix: RE_EXPORT_FIX };
        errors.push(new CertificateParseError(source, number, 'the BEGIN line is malformed', problem));
      }
      begin = nextBegin;
      continue;
    }
    number++;
    const beginLine = lineAt(begin);
    const label = text.slice(begin + BEGIN.length, labelEnd).trim();
    const bodyFrom = labelEnd + DASHES.length;
    const end = text.indexOf(END, bodyFrom);
    const ended = end !== -1 && (nextBegin === -1 || end < nextBegin);
    const kind = labelKind(label);

    if (isPrivateKeyLabel(label)) {
      skipped.push({ number, label, line: beginLine, reason: `private key (${label}) skipped unread` });
    } else if (!ended) {
      errors.push(
        new CertificateParseError(source, number, `the block has no "-----END ${label}-----" line`, {
          line: beginLine,
          fix: 'the file is cut short or was edited: restore the END line or re-export the certificate',
        }),
      );
    } else if (kind === null) {
      skipped.push({ number, label, line: beginLine, reason: `not a certificate (${label})` });
    } else {
      const endLabelEnd = text.indexOf(DASHES, end + END.length);
      const endLabel = text.slice(end + END.length, endLabelEnd === -1 ? end + END.length : endLabelEnd).trim();
      if (endLabel !== label) {
        errors.push(
          new CertificateParseError(source, number, `"BEGIN ${label}" is closed by "END ${endLabel}"`, {
            line: lineAt(end),
            fix: RE_EXPORT_FIX,
          }),
        );
      } else {
        const decoded = decodeBase64(text, bodyStart(text, bodyFrom, end), end);
        if ('der' in decoded && decoded.der.length > 0) {
          blocks.push({ number, label, kind, line: beginLine, der: decoded.der });
        } else {
          const problem = 'der' in decoded ? 'the block is empty' : decoded.problem;
          const problemLine = 'der' in decoded ? beginLine : lineAt(decoded.badAt);
          errors.push(new CertificateParseError(source, number, problem, { line: problemLine, fix: RE_EXPORT_FIX }));
        }
      }
    }
    begin = ended ? text.indexOf(BEGIN, end) : nextBegin;
  }
  return { blocks, errors, skipped };
}
