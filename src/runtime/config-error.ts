/** The error of an unusable configuration value: which variable, and what to write instead. */

/** An environment variable has a value certflow cannot use; the message names the variable and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}
