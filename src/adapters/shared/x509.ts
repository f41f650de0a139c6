/**
 * @peculiar/x509 as certflow uses it: loaded after reflect-metadata (it throws at import otherwise) and running on
 * Node's webcrypto, plus RFC 4514 distinguished names read the way certflow's parser writes them (most-specific RDN
 * first, e.g. `CN=api.example.com, O=Example`), which @peculiar/x509's own string parser reads in the opposite
 * order and only for a few attribute types.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };

/** Attribute types by their RFC 4514 / OpenSSL short names, lower-cased for a case-insensitive lookup. */
const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  cn: '2.5.4.3',
  sn: '2.5.4.4',
  serialnumber: '2.5.4.5',
  c: '2.5.4.6',
  l: '2.5.4.7',
  st: '2.5.4.8',
  street: '2.5.4.9',
  o: '2.5.4.10',
  ou: '2.5.4.11',
  title: '2.5.4.12',
  description: '2.5.4.13',
  businesscategory: '2.5.4.15',
  postalcode: '2.5.4.17',
  name: '2.5.4.41',
  gn: '2.5.4.42',
  givenname: '2.5.4.42',
  initials: '2.5.4.43',
  generationqualifier: '2.5.4.44',
  dnqualifier: '2.5.4.46',
  pseudonym: '2.5.4.65',
  organizationidentifier: '2.5.4.97',
  uid: '0.9.2342.19200300.100.1.1',
  dc: '0.9.2342.19200300.100.1.25',
  emailaddress: '1.2.840.113549.1.9.1',
  e: '1.2.840.113549.1.9.1',
  jurisdictionl: '1.3.6.1.4.1.311.60.2.1.1',
  jurisdictionst: '1.3.6.1.4.1.311.60.2.1.2',
  jurisdictionc: '1.3.6.1.4.1.311.60.2.1.3',
};

const DOTTED_OID = /^\d+(\.\d+)+$/;

/** A distinguished name that certflow cannot read as RFC 4514 text. */
export class DistinguishedNameError extends Error {
  override readonly name = 'DistinguishedNameError';
  constructor(
    readonly text: string,
    readonly reason: string,
  ) {
    super(`"${text}" is not a distinguished name: ${reason} — write it like "CN=api.example.com, O=Example, C=US"`);
  }
}

/** One attribute of a parsed name. */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

/** Reads one attribute type: a short name (any case) or a dotted OID. */
function attributeOid(text: string, type: string): string {
  const oid = ATTRIBUTE_OIDS[type.toLowerCase()] ?? (DOTTED_OID.test(type) ? type : undefined);
  if (oid === undefined) {
    throw new DistinguishedNameError(text, type === '' ? 'an attribute has no type' : `unknown attribute type ${type}`);
  }
  return oid;
}

/**
 * Parses RFC 4514 text into RDNs, most-specific first as written. Escapes (`\,`, `\"`, `\c3\bc`) are decoded;
 * unescaped spaces around separators are ignored; `#`-hex values are refused because certflow never writes them.
 */
export function parseDistinguishedName(text: string): NameAttribute[][] {
  const rdns: NameAttribute[][] = [];
  let rdn: NameAttribute[] = [];
  let at = 0;
  const skipSpaces = (): void => {
    while (text[at] === ' ') at++;
  };
  skipSpaces();
  if (at === text.length) throw new DistinguishedNameError(text, 'it is empty');
  for (;;) {
    const equals = text.indexOf('=', at);
    if (equals === -1) throw new DistinguishedNameError(text, `"${text.slice(at)}" has no "="`);
    const oid = attributeOid(text, text.slice(at, equals).trim());
    at = equals + 1;
    skipSpaces();
    if (text[at] === '#') throw new DistinguishedNameError(text, 'hex-encoded (#) values are not supported');
    const bytes: number[] = [];
    let trailingSpaces = 0;
    const encoder = new TextEncoder();
    while (at < text.length && text[at] !== ',' && text[at] !== '+') {
      const char = text[at]!;
      if (char === '\\') {
        const pair = text.slice(at + 1, at + 3);
        if (/^[0-9a-fA-F]{2}$/.test(pair)) {
          bytes.push(parseInt(pair, 16));
          at += 3;
        } else if (at + 1 < text.length) {
          bytes.push(...encoder.encode(text[at + 1]));
          at += 2;
        } else {
          throw new DistinguishedNameError(text, 'it ends with a lone "\\"');
        }
        trailingSpaces = 0;
        continue;
      }
      const codePoint = text.codePointAt(at)!;
      const character = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(character));
      trailingSpaces = char === ' ' ? trailingSpaces + 1 : 0;
      at += character.length;
    }
    let value: string;
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(
        new Uint8Array(bytes.slice(0, bytes.length - trailingSpaces)),
      );
    } catch {
      throw new DistinguishedNameError(text, 'an escaped value is not valid UTF-8');
    }
    if (value === '') throw new DistinguishedNameError(text, 'an attribute has an empty value');
    rdn.push({ oid, value });
    if (at === text.length) break;
    const separator = text[at];
    at++;
    skipSpaces();
    if (separator === ',') {
      rdns.push(rdn);
      rdn = [];
    }
    if (at === text.length) throw new DistinguishedNameError(text, `it ends with "${separator}"`);
  }
  rdns.push(rdn);
  return rdns;
}

/** An @peculiar/x509 Name for RFC 4514 text, in certificate (DER) order: least-specific RDN first. */
export function nameFromRfc4514(text: string): x509.Name {
  const json: x509.JsonName = parseDistinguishedName(text)
    .reverse()
    .map((rdn) => {
      const attributes: Record<string, string[]> = {};
      for (const { oid, value } of rdn) (attributes[oid] ??= []).push(value);
      return attributes;
    });
  return new x509.Name(json);
}

/**
 * A comparison key under which names RFC 5280 treats as equal compare equal in practice: attribute types by OID,
 * values case-insensitive with white space collapsed, attributes of a multi-valued RDN in a fixed order.
 */
export function distinguishedNameKey(text: string): string {
  return parseDistinguishedName(text)
    .map((rdn) =>
      rdn
        .map(({ oid, value }) => `${oid}=${value.trim().replace(/\s+/g, ' ').toLowerCase()}`)
        .sort()
        .join('+'),
    )
    .join(',');
}

/** Whether two RFC 4514 names are the same name; unreadable text equals nothing. */
export function sameDistinguishedName(a: string, b: string): boolean {
  try {
    return distinguishedNameKey(a) === distinguishedNameKey(b);
  } catch (error) {
    if (error instanceof DistinguishedNameError) return false;
    throw error;
  }
}

/** PEM armour (RFC 7468) around DER, 64 characters a line, ending with a newline. */
export function toPem(der: Uint8Array | ArrayBuffer, label: string): string {
  const base64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
