/** The internal CA's own failures: unusable configuration, a wrong passphrase, a missing or damaged file. */

/** The internal CA's configuration is unusable. */
export class InternalCaConfigError extends Error {
  override readonly name = 'InternalCaConfigError';
}

/** The passphrase does not decrypt the CA's keys. */
export class InternalCaPassphraseError extends Error {
  override readonly name = 'InternalCaPassphraseError';
  constructor(readonly file: string) {
    super(
      `wrong passphrase for the internal CA key ${file}: configure the passphrase the CA was created with ` +
        '(without it the CA cannot sign; a new CA needs a new folder and new trust in its root)',
    );
  }
}

/** A file in the CA folder is missing or damaged. */
export class InternalCaStateError extends Error {
  override readonly name = 'InternalCaStateError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`internal CA file ${file} ${reason} — restore the CA folder from a backup`);
  }
}
