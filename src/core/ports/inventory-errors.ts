/**
 * Errors of the inventory store that a caller can fix. Each message says what is wrong and what to do instead.
 */

/** The inventory database cannot be opened, reached or migrated; the message names the URL (password hidden). */
export class InventoryDatabaseError extends Error {
  override readonly name = 'InventoryDatabaseError';
  constructor(
    /** The database URL with its password replaced by `***`. */
    readonly redactedUrl: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A value handed to the store is malformed; `field` says which one (`filter.notAfterBefore`, `seenAt` …). */
export class InventoryInputError extends Error {
  override readonly name = 'InventoryInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A certificate that matched an id or fingerprint prefix. */
export interface IdCandidate {
  readonly fingerprint: string;
  readonly subject: string;
}

/** An id or fingerprint prefix matches more than one certificate; the candidates say which. */
export class AmbiguousIdError extends Error {
  override readonly name = 'AmbiguousIdError';
  /** Up to ten of the matching certificates, in fingerprint order. */
  readonly candidates: readonly IdCandidate[];
  constructor(
    readonly prefix: string,
    matches: readonly IdCandidate[],
  ) {
    const candidates = matches.slice(0, 10);
    const listed = candidates.map((candidate) => `${candidate.fingerprint.slice(0, 16)} (${candidate.subject})`);
    super(
      `"${prefix}" matches ${matches.length > 10 ? 'more than 10' : matches.length} certificates: ` +
        `${listed.join(', ')}; give more hex digits of the fingerprint`,
    );
    this.candidates = candidates;
  }
}

/** Results or metadata were given for certificates the inventory does not hold. */
export class UnknownCertificateError extends Error {
  override readonly name = 'UnknownCertificateError';
  constructor(readonly fingerprints: readonly string[]) {
    super(
      `${fingerprints.length} certificate(s) are not in the inventory (${fingerprints.slice(0, 5).join(', ')}` +
        `${fingerprints.length > 5 ? ', …' : ''}): import them first`,
    );
  }
}
