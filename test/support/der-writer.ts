/**
 * A minimal DER encoder for building test certificates and containers byte by byte: fast enough for the bulk
 * generator, and able to write what the libraries refuse to (MD5 signatures, version 1, broken structures).
 */

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return [0x80 | octets.length, ...octets];
}

/** One element: identifier octet, definite length, content. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = content.length === 1 ? content[0]! : concat(content);
  return concat([Uint8Array.from([tag, ...lengthOctets(body.length)]), body]);
}

/** SEQUENCE of the given elements. */
export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, ...items);
/** SET of the given elements, in the order given (callers sort when DER order matters). */
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, ...items);
/** Context-specific constructed tag `[n]` (EXPLICIT tagging, or IMPLICIT of a constructed type). */
export const explicit = (n: number, ...items: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...items);
/** Context-specific primitive tag `[n]` around raw content (IMPLICIT of a primitive type). */
export const implicit = (n: number, content: Uint8Array): Uint8Array => tlv(0x80 | n, content);

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const values = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const value of values) {
    const chunk: number[] = [Number(value & 0x7fn)];
    for (let rest = value >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number(rest & 0x7fn) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** INTEGER from unsigned big-endian bytes (a leading zero is added when the top bit is set) or a small number. */
export function integer(value: Uint8Array | number): Uint8Array {
  let bytes = typeof value === 'number' ? Uint8Array.from(value === 0 ? [0] : numberBytes(value)) : value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1]! < 0x80) start++;
  bytes = bytes.subarray(start);
  return tlv(0x02, bytes[0]! & 0x80 ? concat([Uint8Array.of(0), bytes]) : bytes);
}

function numberBytes(value: number): number[] {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return bytes;
}

const encoder = new TextEncoder();

/** UTF8String. */
export const utf8String = (text: string): Uint8Array => tlv(0x0c, encoder.encode(text));
/** PrintableString (the caller keeps to its alphabet). */
export const printableString = (text: string): Uint8Array => tlv(0x13, encoder.encode(text));
/** IA5String. */
export const ia5String = (text: string): Uint8Array => tlv(0x16, encoder.encode(text));
/** BMPString (UTF-16BE). */
export function bmpString(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) >> 8;
    bytes[2 * i + 1] = text.charCodeAt(i) & 0xff;
  }
  return tlv(0x1e, bytes);
}
/** OCTET STRING. */
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
/** BIT STRING with whole octets. */
export const bitString = (bytes: Uint8Array, unusedBits = 0): Uint8Array =>
  tlv(0x03, concat([Uint8Array.of(unusedBits), bytes]));
/** BOOLEAN. */
export const boolean = (value: boolean): Uint8Array => tlv(0x01, Uint8Array.of(value ? 0xff : 0));
/** NULL. */
export const nullValue = (): Uint8Array => Uint8Array.of(0x05, 0x00);

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Validity time as RFC 5280 wants it: UTCTime for 1950–2049, GeneralizedTime otherwise. */
export function time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const rest =
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    'Z';
  if (year >= 1950 && year < 2050) return tlv(0x17, encoder.encode(pad(year % 100, 2) + rest));
  return tlv(0x18, encoder.encode(pad(year, 4) + rest));
}
