/**
 * The lines of an OpenSSL CA database (`index.txt`, the `database` of openssl.cnf), parsed as `openssl ca` writes
 * them: six tab-separated fields, status (V valid, R revoked, E expired), expiry (UTCTime YYMMDDHHMMSSZ or
 * GeneralizedTime YYYYMMDDHHMMSSZ), revocation (`date[,reason[,argument]]`, empty unless revoked), serial in hex,
 * the certificate's file name or `unknown`, and the subject as `/CN=…`. Pure: a line in, an entry or a problem out.
 */

/** What the CA says of a certificate. */
export type OpensslIndexStatus = 'valid' | 'revoked' | 'expired';

/** One line of the index. */
export interface OpensslIndexEntry {
  readonly status: OpensslIndexStatus;
  /** notAfter, ISO 8601 UTC. */
  readonly expiresAt: string;
  /** Set exactly when the status is revoked; `reason` is the RFC 5280 name. */
  readonly revocation: { readonly at: string; readonly reason: string } | null;
  /** Hex, as the index writes it (upper case): also the name of its file in `new_certs_dir`, `<serial>.pem`. */
  readonly serial: string;
  /** The file the index names, or null for `unknown` (what `openssl ca` writes). */
  readonly file: string | null;
  readonly subject: string;
}

/** A parsed line: the entry, or what is wrong with it and how to fix it. */
export type OpensslIndexLine = { readonly entry: OpensslIndexEntry } | { readonly problem: string };

const STATUS: Readonly<Record<string, OpensslIndexStatus>> = { V: 'valid', R: 'revoked', E: 'expired' };

/**
 * OpenSSL's revocation reasons (apps/ca.c, compared ignoring case) and the RFC 5280 reason each stands for;
 * `holdInstruction`, `keyTime` and `CAkeyTime` are OpenSSL's pseudo reasons for a hold and a dated compromise.
 */
const REASONS: Readonly<Record<string, string>> = {
  unspecified: 'unspecified',
  keycompromise: 'keyCompromise',
  cacompromise: 'cACompromise',
  affiliationchanged: 'affiliationChanged',
  superseded: 'superseded',
  cessationofoperation: 'cessationOfOperation',
  certificatehold: 'certificateHold',
  removefromcrl: 'removeFromCRL',
  holdinstruction: 'certificateHold',
  keytime: 'keyCompromise',
  cakeytime: 'cACompromise',
};

const LINE_FORMAT = 'status, expiry, revocation, serial, file name, subject';

/** An ASN.1 UTCTime (YYMMDDHHMMSSZ, years 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ) as ISO 8601, or null. */
export function parseAsn1Time(text: string): string | null {
  const match = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) return null;
  const [, yearText, ...rest] = match;
  const [month, day, hour, minute, second] = rest.map(Number) as [number, number, number, number, number];
  let year = Number(yearText);
  if (yearText!.length === 2) year += year >= 50 ? 1900 : 2000;
  const instant = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 February into March: a field out of range shows as a different date.
  const same =
    instant.getUTCFullYear() === year &&
    instant.getUTCMonth() === month - 1 &&
    instant.getUTCDate() === day &&
    instant.getUTCHours() === hour &&
    instant.getUTCMinutes() === minute &&
    instant.getUTCSeconds() === second;
  return same ? instant.toISOString() : null;
}

function parseRevocation(field: string): OpensslIndexEntry['revocation'] | string {
  const [date = '', reasonText, argument] = field.split(',');
  const at = parseAsn1Time(date);
  if (at === null) {
    return `revocation date "${date}" is not YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ: write the date the certificate was revoked`;
  }
  if (reasonText === undefined) return { at, reason: 'unspecified' };
  const reason = REASONS[reasonText.toLowerCase()];
  if (reason === undefined) {
    return (
      `revocation reason "${reasonText}" is not one openssl writes: use one of ` +
      `${Object.keys(REASONS).length} reasons such as keyCompromise, superseded, cessationOfOperation`
    );
  }
  const needsArgument = /^(holdinstruction|keytime|cakeytime)$/i.test(reasonText);
  if (needsArgument && !argument) {
    return `revocation reason ${reasonText} needs its argument after a comma (a hold instruction or compromise time)`;
  }
  return { at, reason };
}

/** Parses one line of index.txt (without its newline); a problem says what is wrong and how to fix it. */
export function parseOpensslIndexLine(line: string): OpensslIndexLine {
  const fields = line.replace(/\r$/, '').split('\t');
  if (fields.length !== 6) {
    return {
      problem: `${fields.length} tab-separated field${fields.length === 1 ? '' : 's'}, not 6 (${LINE_FORMAT}): fix the line or restore index.txt from index.txt.old`,
    };
  }
  const [statusText, expiryText, revocationText, serialText, fileText, subject] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const status = STATUS[statusText];
  if (status === undefined) {
    return { problem: `status "${statusText}" is not V (valid), R (revoked) or E (expired): correct the first field` };
  }
  const expiresAt = parseAsn1Time(expiryText);
  if (expiresAt === null) {
    return {
      problem: `expiry "${expiryText}" is not YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ: copy the certificate's notAfter`,
    };
  }
  if (!/^[0-9A-Fa-f]+$/.test(serialText)) {
    return { problem: `serial "${serialText}" is not hexadecimal: copy the certificate's serial number` };
  }
  if (subject === '') return { problem: 'the subject is empty: copy the certificate subject, as /CN=…' };
  let revocation: OpensslIndexEntry['revocation'] = null;
  if (status === 'revoked') {
    const parsed = parseRevocation(revocationText);
    if (typeof parsed === 'string') return { problem: parsed };
    revocation = parsed;
  } else if (revocationText !== '') {
    return {
      problem: `a ${statusText} entry has a revocation "${revocationText}": mark the entry R, or empty the third field`,
    };
  }
  const file = fileText === '' || fileText === 'unknown' ? null : fileText;
  return { entry: { status, expiresAt, revocation, serial: serialText, file, subject } };
}
