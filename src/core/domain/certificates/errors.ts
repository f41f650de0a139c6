/** Errors of reading certificate files: each names the file, the block and what to do about it. */

/** Where the problem is and how to fix it, beyond the reason itself. */
export interface ParseErrorDetails {
  /** 1-based line of the problem in a text file, or null. */
  readonly line?: number | null;
  /** What the user should do; a generic re-export hint when omitted. */
  readonly fix?: string;
}

/** The fix of a certificate that cannot be read as it is: the default of {@link CertificateParseError}. */
export const RE_EXPORT_FIX = 're-export the certificate from its source';

/**
 * A certificate file, or one block of it, that cannot be read. The message reads like
 * `certs/bundle.pem block 3: base64 is corrupt (line 41) — re-export the certificate`.
 */
export class CertificateParseError extends Error {
  override readonly name = 'CertificateParseError';
  /** 1-based line of the problem in a text file, or null. */
  readonly line: number | null;
  /** What the user should do about it. */
  readonly fix: string;

  constructor(
    /** The file (or endpoint, or other origin) the bytes came from. */
    readonly source: string,
    /** 1-based number of the block inside the file (PEM block, PKCS#7 entry), or null for the whole file. */
    readonly block: number | null,
    /** What is wrong, without the fix. */
    readonly reason: string,
    details: ParseErrorDetails = {},
  ) {
    const line = details.line ?? null;
    const fix = details.fix ?? RE_EXPORT_FIX;
    const where = block === null ? source : `${source} block ${block}`;
    super(`${where}: ${reason}${line === null ? '' : ` (line ${line})`} — ${fix}`);
    this.line = line;
    this.fix = fix;
  }
}
