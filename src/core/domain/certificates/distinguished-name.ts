/** Distinguished names: decoding from DER, RFC 4514 text, and the comparison key chain building uses. */
import type { DistinguishedName, DnAttribute } from './certificate-facts';
import { childrenOf, DerError, type DerElement, decodeOid, decodeString, Tag, toHex } from './der';

/** Short names for attribute types, as OpenSSL and RFC 4514 spell them. */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

const NEEDS_ESCAPING = /["+,;<>\\\0]|^[ #]| $/;

/** RFC 4514 section 2.4 escaping of an attribute value. */
function escapeValue(value: string): string {
  if (!NEEDS_ESCAPING.test(value)) return value;
  let escaped = value.replace(/["+,;<>\\]/g, '\\$&').replace(/\0/g, '\\00');
  if (escaped.startsWith(' ') || escaped.startsWith('#')) escaped = `\\${escaped}`;
  // A one-character value " " was escaped as a leading space already.
  if (value.length > 1 && value.endsWith(' ')) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}

/**
 * Decodes a Name (RDNSequence). String values are kept as text whatever their type; any other value is shown as
 * `#` and the hex of its DER, as RFC 4514 does for values it cannot show as text.
 */
export function decodeName(bytes: Uint8Array, name: DerElement): DistinguishedName {
  if (name.tag !== Tag.sequence) throw new DerError(`expected a name at byte ${name.start}`);
  const attributes: DnAttribute[] = [];
  const rdnTexts: string[] = [];
  let commonName: string | null = null;
  for (const rdn of childrenOf(bytes, name)) {
    if (rdn.tag !== Tag.set) throw new DerError(`expected a relative distinguished name at byte ${rdn.start}`);
    const parts: string[] = [];
    for (const pair of childrenOf(bytes, rdn)) {
      const [typeElement, valueElement, extra] = childrenOf(bytes, pair);
      if (pair.tag !== Tag.sequence || typeElement === undefined || valueElement === undefined || extra) {
        throw new DerError(`malformed name attribute at byte ${pair.start}`);
      }
      const oid = decodeOid(bytes, typeElement);
      const type = ATTRIBUTE_NAMES[oid] ?? oid;
      const text = decodeString(bytes, valueElement);
      const value = text ?? `#${toHex(bytes, valueElement.start, valueElement.end)}`;
      attributes.push({ type, oid, value });
      if (oid === '2.5.4.3') commonName = value;
      parts.push(`${type}=${text === null ? value : escapeValue(text)}`);
    }
    rdnTexts.push(parts.join('+'));
  }
  return { text: rdnTexts.reverse().join(', '), attributes, commonName };
}

/**
 * A key under which two names that RFC 5280 treats as equal compare equal in practice: case-insensitive, runs of
 * white space collapsed. Chain building and self-signed detection compare names with it.
 */
export function distinguishedNameKey(name: DistinguishedName): string {
  return name.text.toLowerCase().replace(/\s+/g, ' ');
}
