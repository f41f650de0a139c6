/**
 * A small, strict-enough ASN.1 DER/BER reader over a Uint8Array. The certificate parser walks certificates with it
 * directly because a full object-model decoder (asn1js) cannot reach the import pipeline's 5,000 certificates/s:
 * this reader allocates one small object per element it is asked about and decodes nothing it is not asked for.
 */

/** A structural problem in DER bytes; callers turn it into a CertificateParseError with the file and block. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** Identifier octets certflow reads (universal class unless noted). */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  numericString: 0x12,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

/** True for context-specific tags `[n]`, primitive or constructed. */
export function isContextTag(tag: number, n: number): boolean {
  return (tag & 0xdf) === (0x80 | n);
}

/** One element's position: identifier at `start`, content in [contentStart, contentEnd), next element at `end`. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly contentEnd: number;
  readonly end: number;
}

/** Deeper nesting than this is an attack or garbage, not a certificate. */
const MAX_DEPTH = 64;

/** Reads the element at `offset`, which must end at or before `limit`. Indefinite lengths (BER) are followed. */
export function readElement(bytes: Uint8Array, offset: number, limit: number = bytes.length, depth = 0): DerElement {
  if (depth > MAX_DEPTH) throw new DerError('nesting is too deep');
  if (offset + 2 > limit)
    throw new DerError(offset >= limit ? 'data ends early' : 'data ends inside an element header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported multi-byte tag at byte ${offset}`);
  let cursor = offset + 1;
  const first = bytes[cursor++]!;
  if (first === 0x80) {
    if ((tag & 0x20) === 0) throw new DerError(`primitive element with indefinite length at byte ${offset}`);
    const contentStart = cursor;
    while (true) {
      if (cursor + 2 > limit) throw new DerError('data ends before the end-of-contents marker');
      if (bytes[cursor] === 0 && bytes[cursor + 1] === 0) {
        return { tag, start: offset, contentStart, contentEnd: cursor, end: cursor + 2 };
      }
      cursor = readElement(bytes, cursor, limit, depth + 1).end;
    }
  }
  let length = first;
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4) throw new DerError(`length of ${count} bytes at byte ${offset} is too large`);
    if (cursor + count > limit) throw new DerError('data ends inside an element header');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[cursor++]!;
  }
  const end = cursor + length;
  if (end > limit) {
    throw new DerError(`an element at byte ${offset} needs ${end - offset} bytes but only ${limit - offset} remain`);
  }
  return { tag, start: offset, contentStart: cursor, contentEnd: end, end };
}

/** Reads the element at `offset` and checks its tag; `what` names it in the error. */
export function expectElement(bytes: Uint8Array, offset: number, limit: number, tag: number, what: string): DerElement {
  // The tag first: "this is not a certificate at all" is a better message than a length complaint.
  if (offset < limit && bytes[offset] !== tag) {
    throw new DerError(`${what}: expected tag 0x${hexByte(tag)}, found 0x${hexByte(bytes[offset]!)} at byte ${offset}`);
  }
  return readElement(bytes, offset, limit);
}

/** The elements inside a constructed element, in order. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const result: DerElement[] = [];
  let cursor = parent.contentStart;
  while (cursor < parent.contentEnd) {
    const child = readElement(bytes, cursor, parent.contentEnd);
    result.push(child);
    cursor = child.end;
  }
  return result;
}

const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));

function hexByte(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0');
}

/**
 * Character codes to a string in one step. Adding characters one at a time builds a tree of concatenated strings
 * that V8 keeps alive with the result: over 100 of them per certificate, most of a large import's memory.
 */
function fromCharCodes(codes: Uint8Array | Uint16Array): string {
  let text = '';
  for (let at = 0; at < codes.length; at += 8192) {
    text += String.fromCharCode.apply(null, codes.subarray(at, at + 8192) as unknown as number[]);
  }
  return text;
}

/** Lowercase hex of bytes[start, end). */
export function toHex(bytes: Uint8Array, start = 0, end: number = bytes.length): string {
  const codes = new Uint8Array((end - start) * 2);
  for (let i = start, j = 0; i < end; i++, j += 2) {
    codes[j] = HEX_DIGITS[bytes[i]! >> 4]!;
    codes[j + 1] = HEX_DIGITS[bytes[i]! & 15]!;
  }
  return fromCharCodes(codes);
}

/** A trie of OID encodings seen before, by content byte: the same few dozen OIDs recur in every certificate. */
interface OidNode {
  next: Map<number, OidNode> | null;
  text: string | null;
}
const oidCache: OidNode = { next: null, text: null };
let oidCacheSize = 0;
/** Bounds the cache against files full of made-up OIDs. */
const OID_CACHE_LIMIT = 4096;

/** Dotted text of an OBJECT IDENTIFIER (arcs beyond 2^53 are decoded exactly with BigInt). */
export function decodeOid(bytes: Uint8Array, element: DerElement): string {
  if (element.tag !== Tag.oid) throw new DerError(`expected an object identifier at byte ${element.start}`);
  if (element.contentStart === element.contentEnd) {
    throw new DerError(`empty object identifier at byte ${element.start}`);
  }
  let node: OidNode | undefined = oidCache;
  for (let i = element.contentStart; i < element.contentEnd && node; i++) node = node.next?.get(bytes[i]!);
  if (node?.text) return node.text;
  const text = decodeOidText(bytes, element);
  if (oidCacheSize < OID_CACHE_LIMIT) {
    let at = oidCache;
    for (let i = element.contentStart; i < element.contentEnd; i++) {
      at.next ??= new Map();
      let child = at.next.get(bytes[i]!);
      if (!child) {
        child = { next: null, text: null };
        at.next.set(bytes[i]!, child);
      }
      at = child;
    }
    at.text = text;
    oidCacheSize++;
  }
  return text;
}

function decodeOidText(bytes: Uint8Array, element: DerElement): string {
  const arcs: string[] = [];
  let value = 0;
  let big: bigint | null = null;
  for (let i = element.contentStart; i < element.contentEnd; i++) {
    const byte = bytes[i]!;
    if (big !== null) big = big * 128n + BigInt(byte & 0x7f);
    else if (value >= 2 ** 45) big = BigInt(value) * 128n + BigInt(byte & 0x7f);
    else value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) {
      const head = big ?? BigInt(value);
      const top = head < 40n ? 0n : head < 80n ? 1n : 2n;
      arcs.push(String(top), String(head - top * 40n));
    } else {
      arcs.push(big === null ? String(value) : String(big));
    }
    value = 0;
    big = null;
  }
  if (bytes[element.contentEnd - 1]! & 0x80) throw new DerError(`truncated object identifier at byte ${element.start}`);
  return arcs.join('.');
}

/** A non-negative INTEGER that fits a JavaScript number (versions, path lengths, iteration counts). */
export function decodeSmallInteger(bytes: Uint8Array, element: DerElement): number {
  if (element.tag !== Tag.integer) throw new DerError(`expected an integer at byte ${element.start}`);
  const length = element.contentEnd - element.contentStart;
  if (length === 0 || length > 6) throw new DerError(`integer at byte ${element.start} is empty or too large`);
  if (bytes[element.contentStart]! & 0x80) throw new DerError(`integer at byte ${element.start} is negative`);
  let value = 0;
  for (let i = element.contentStart; i < element.contentEnd; i++) value = value * 256 + bytes[i]!;
  return value;
}

/** A BOOLEAN's value; any non-zero octet is true, as BER allows. */
export function decodeBoolean(bytes: Uint8Array, element: DerElement): boolean {
  if (element.tag !== Tag.boolean || element.contentEnd - element.contentStart !== 1) {
    throw new DerError(`expected a boolean at byte ${element.start}`);
  }
  return bytes[element.contentStart] !== 0;
}

const utf8 = new TextDecoder('utf-8');

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return fromCharCodes(bytes.subarray(start, end));
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** The text of an ASN.1 character string, or null when the element is not a string type. */
export function decodeString(bytes: Uint8Array, element: DerElement): string | null {
  const { contentStart: start, contentEnd: end } = element;
  switch (element.tag) {
    case Tag.utf8String:
      return isAscii(bytes, start, end) ? latin1(bytes, start, end) : utf8.decode(bytes.subarray(start, end));
    case Tag.printableString:
    case Tag.ia5String:
    case Tag.visibleString:
    case Tag.numericString:
    case Tag.teletexString:
      // T.61 is close enough to Latin-1 for the names CAs actually put in it.
      return latin1(bytes, start, end);
    case Tag.bmpString: {
      const units = new Uint16Array((end - start) >> 1);
      for (let i = 0; i < units.length; i++) units[i] = (bytes[start + 2 * i]! << 8) | bytes[start + 2 * i + 1]!;
      return fromCharCodes(units);
    }
    case Tag.universalString: {
      const characters: string[] = [];
      for (let i = start; i + 3 < end; i += 4) {
        const codePoint = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
        characters.push(codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\ufffd');
      }
      return characters.join('');
    }
    default:
      return null;
  }
}

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (!(code >= 0 && code <= 9)) return Number.NaN;
    value = value * 10 + code;
  }
  return value;
}

/**
 * Milliseconds since the epoch of a UTCTime or GeneralizedTime. Years are read as RFC 5280 says: a UTCTime's 50–99
 * are 19xx and 00–49 are 20xx, a GeneralizedTime's four digits are the year as written (0001 and 9999 included).
 * Accepts the non-DER variants old certificates use (no seconds, fractional seconds, `+hhmm` offsets); a
 * GeneralizedTime without a zone is read as UTC.
 */
export function decodeTime(bytes: Uint8Array, element: DerElement): number {
  const text = latin1(bytes, element.contentStart, element.contentEnd);
  let year: number;
  let at: number;
  if (element.tag === Tag.utcTime) {
    const twoDigit = digits(text, 0, 2);
    year = twoDigit < 50 ? 2000 + twoDigit : 1900 + twoDigit;
    at = 2;
  } else if (element.tag === Tag.generalizedTime) {
    year = digits(text, 0, 4);
    at = 4;
  } else {
    throw new DerError(`expected a time at byte ${element.start}`);
  }
  const month = digits(text, at, 2);
  const day = digits(text, at + 2, 2);
  const hour = digits(text, at + 4, 2);
  at += 6;
  let minute = 0;
  let second = 0;
  let millisecond = 0;
  if (/^\d\d/.test(text.slice(at))) {
    minute = digits(text, at, 2);
    at += 2;
    if (/^\d\d/.test(text.slice(at))) {
      second = digits(text, at, 2);
      at += 2;
      const fraction = /^[.,](\d+)/.exec(text.slice(at));
      if (fraction) {
        millisecond = Math.round(Number(`0.${fraction[1]}`) * 1000);
        at += fraction[0].length;
      }
    }
  }
  const zone = text.slice(at);
  let offsetMinutes = 0;
  if (/^[+-]\d{4}$/.test(zone)) {
    offsetMinutes = (digits(zone, 1, 2) * 60 + digits(zone, 3, 2)) * (zone[0] === '-' ? -1 : 1);
  } else if (zone !== 'Z' && !(zone === '' && element.tag === Tag.generalizedTime)) {
    throw new DerError(`time "${text}" at byte ${element.start} is malformed`);
  }
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60;
  // Not Date.UTC: it reads years 0–99 as 1900–1999, so GeneralizedTime 0001 would become 1901.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  const time = date.getTime() - offsetMinutes * 60_000;
  if (!valid || Number.isNaN(time)) throw new DerError(`time "${text}" at byte ${element.start} is malformed`);
  return time;
}
