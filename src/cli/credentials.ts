/**
 * The CLI's login (issue 20): the URL of a certflow server and an API token, kept in the user's config folder
 * (`$XDG_CONFIG_HOME/certflow/credentials.json`, else `~/.config/certflow/credentials.json`) readable by the user
 * alone. While it exists, commands go through that server's API as the token's principal.
 */
import fs from 'node:fs';
import path from 'node:path';

/** What `certflow login` keeps. */
export interface ApiCredentials {
  /** The server's base URL, without /api/v1 (e.g. `https://certflow.example.com`). */
  readonly url: string;
  readonly token: string;
  /** The principal and token name the server answered at login, for whoami without a call. */
  readonly actor: string;
  readonly tokenName: string;
  readonly savedAt: string;
}

/** The credentials file is unreadable or not one certflow wrote; the message says how to start over. */
export class CredentialsFileError extends Error {
  override readonly name = 'CredentialsFileError';
}

/**
 * Where the credentials are kept, from the command's own environment only (XDG_CONFIG_HOME, else HOME): null when
 * neither is set, so a test's or a service's bare environment never picks up a person's login.
 */
export function credentialsPath(env: NodeJS.ProcessEnv): string | null {
  const config = env.XDG_CONFIG_HOME?.trim()
    ? env.XDG_CONFIG_HOME
    : env.HOME?.trim()
      ? path.join(env.HOME, '.config')
      : null;
  return config === null ? null : path.join(config, 'certflow', 'credentials.json');
}

function isCredentials(value: unknown): value is ApiCredentials {
  const record = value as Record<string, unknown> | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    ['url', 'token', 'actor', 'tokenName', 'savedAt'].every((key) => typeof record[key] === 'string')
  );
}

/** The saved login, or null when there is none. */
export function readCredentials(env: NodeJS.ProcessEnv): ApiCredentials | null {
  const file = credentialsPath(env);
  if (file === null) return null;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CredentialsFileError(
      `cannot read ${file}: ${(error as Error).message}; fix its permissions or run certflow logout`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!isCredentials(parsed)) {
    throw new CredentialsFileError(`${file} is not a certflow login; run certflow logout, then certflow login <url>`);
  }
  return parsed;
}

/** Saves the login, readable and writable by the user alone (0600, its folder 0700), replacing any earlier one. */
export function writeCredentials(env: NodeJS.ProcessEnv, credentials: ApiCredentials): string {
  const file = credentialsPath(env);
  if (file === null) {
    throw new CredentialsFileError('neither XDG_CONFIG_HOME nor HOME is set: set one so the login has a home');
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written under a temporary name created 0600, then renamed: the token is never readable by others, not even
  // for a moment, and a crash leaves the previous login whole.
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
  return file;
}

/** Forgets the login; false when there was none. */
export function deleteCredentials(env: NodeJS.ProcessEnv): boolean {
  const file = credentialsPath(env);
  if (file === null) return false;
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CredentialsFileError(`cannot remove ${file}: ${(error as Error).message}`);
  }
}
