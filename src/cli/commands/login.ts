/**
 * `certflow login <url> [--token-stdin]`, `certflow logout` and `certflow whoami` (issue 20). The token is read from
 * stdin or asked for without echo, never taken from the command line (where shell history and `ps` would keep it),
 * checked with `GET /api/v1/me`, and kept in the user's credentials file (0600).
 */
import { CertflowApiClient, normaliseServerUrl } from '../api-client';
import {
  credentialsPath,
  CredentialsFileError,
  deleteCredentials,
  readCredentials,
  writeCredentials,
  type ApiCredentials,
} from '../credentials';
import { UsageError } from '../errors';

/** Options of `certflow login`. */
export const LOGIN_OPTIONS = {
  'token-stdin': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** Options of `certflow logout` and `certflow whoami`. */
export const SESSION_OPTIONS = { json: { type: 'boolean', default: false } } as const;

/** What login, logout and whoami need from the process. */
export interface LoginIo {
  readonly out: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Reads all of stdin (`--token-stdin`). */
  readonly readStdin?: () => Promise<string>;
  /** Asks on the terminal without echo; absent when stdin is not a terminal. */
  readonly askSecret?: (question: string) => Promise<string>;
  readonly now?: () => Date;
}

async function readToken(values: { 'token-stdin'?: boolean }, io: LoginIo): Promise<string> {
  let token: string;
  if (values['token-stdin']) {
    if (io.readStdin === undefined) throw new UsageError('--token-stdin: this process has no stdin to read');
    token = (await io.readStdin()).trim();
  } else if (io.askSecret !== undefined) {
    token = (await io.askSecret('API token (certflow tokens create prints it): ')).trim();
  } else {
    throw new UsageError(
      'no terminal to ask for the token on: pipe it in with --token-stdin, e.g. certflow login <url> --token-stdin < token.txt',
    );
  }
  if (token === '') throw new UsageError('the token is empty: give the cfk_… secret certflow tokens create printed');
  if (/\s/.test(token)) throw new UsageError('the token has spaces or several lines: give the one cfk_… secret alone');
  return token;
}

/** `certflow login <url>`: checks the token with the server and keeps it; a refused token throws and keeps nothing. */
export async function runLogin(
  rawUrl: string,
  extra: readonly string[],
  values: { 'token-stdin'?: boolean; json?: boolean },
  io: LoginIo,
): Promise<void> {
  if (extra.length > 0) {
    throw new UsageError(
      'certflow login takes the URL alone: a token on the command line stays in shell history and ps; ' +
        'pipe it in with --token-stdin or type it when asked',
    );
  }
  const url = normaliseServerUrl(rawUrl);
  const token = await readToken(values, io);
  const client = new CertflowApiClient(url, token);
  const principal = await client.me();
  const file = writeCredentials(io.env, {
    url,
    token,
    actor: principal.actor,
    tokenName: principal.token,
    savedAt: (io.now?.() ?? new Date()).toISOString(),
  });
  if (values.json) {
    io.out(
      JSON.stringify(
        { url, actor: principal.actor, token: principal.token, expiresAt: principal.expiresAt, credentials: file },
        null,
        2,
      ),
    );
    return;
  }
  io.out(
    `Logged in to ${url} as ${principal.actor} (token "${principal.token}"${principal.expiresAt ? `, expires ${principal.expiresAt}` : ''}).`,
  );
  io.out(`Commands now go through its API; the server decides what you may do. Kept in ${file} (mode 0600).`);
}

/** `certflow logout`: forgets the login; the token itself stays valid until an operator revokes it. */
export function runLogout(values: { json?: boolean }, io: LoginIo): void {
  let credentials: ApiCredentials | null = null;
  try {
    credentials = readCredentials(io.env);
  } catch (error) {
    // A damaged file is what logout is for: it goes all the same.
    if (!(error instanceof CredentialsFileError)) throw error;
  }
  const removed = deleteCredentials(io.env);
  if (values.json) {
    io.out(JSON.stringify({ loggedOut: removed, url: credentials?.url ?? null }, null, 2));
    return;
  }
  if (!removed) {
    io.out('Not logged in; nothing to forget.');
    return;
  }
  if (credentials === null) {
    io.out('Removed a damaged login; commands act directly on Temporal again (operator mode).');
    return;
  }
  io.out(`Logged out of ${credentials.url}; commands act directly on Temporal again (operator mode).`);
  io.out(
    `The token "${credentials.tokenName}" stays valid until an operator runs certflow tokens revoke ${credentials.tokenName}.`,
  );
}

/**
 * `certflow whoami`: through the API, the principal the server says the token acts as (so a revoked token shows at
 * once); in operator mode, the configured actor.
 */
export async function runWhoami(values: { json?: boolean }, io: LoginIo, operatorActor: () => string): Promise<void> {
  const credentials = readCredentials(io.env);
  if (credentials === null) {
    const actor = operatorActor();
    if (values.json) io.out(JSON.stringify({ mode: 'operator', actor }, null, 2));
    else {
      io.out(`${actor}, acting directly on Temporal (operator mode): not logged in.`);
      io.out(
        `certflow login <url> acts through a server's API as a token's principal (kept in ${credentialsPath(io.env) ?? 'XDG_CONFIG_HOME'}).`,
      );
    }
    return;
  }
  const principal = await new CertflowApiClient(credentials.url, credentials.token).me();
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          mode: 'api',
          url: credentials.url,
          actor: principal.actor,
          token: principal.token,
          expiresAt: principal.expiresAt,
        },
        null,
        2,
      ),
    );
    return;
  }
  io.out(
    `${principal.actor} through ${credentials.url} (token "${principal.token}"${principal.expiresAt ? `, expires ${principal.expiresAt}` : ''}).`,
  );
}

/** Reads stdin to its end (`--token-stdin`); more than 64 KiB is not a token. */
export async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.from(chunk as Buffer);
    size += buffer.length;
    if (size > 65_536) throw new UsageError('stdin holds more than a token: pipe in the cfk_… secret alone');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks on the terminal without echoing what is typed (the token), on stderr so stdout stays for output. */
export function askSecretOnTerminal(question: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(typed);
      else reject(error);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new UsageError('login interrupted; nothing was kept'));
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    process.stderr.write(question);
    input.setEncoding('utf8');
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}
