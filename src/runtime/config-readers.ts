/** Readers of single configuration variables: each parses one value, or refuses it naming the fix. */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';
import type { DnsUpdateZone } from '../adapters/dns/rfc2136-challenge-updater';
import { parseServerAddress } from '../adapters/dns/server-address';
import { issuerDomain } from '../core/domain/caa/caa-permits';
import {
  checkTimeZone,
  InvalidReportCalendarError,
  parseHoliday,
  type WorkingCalendar,
} from '../core/domain/reports/working-day';
import type { TlsEndpointAddress } from './config';
import { ConfigError } from './config-error';
import { PAYLOAD_KEY_BYTES, type PayloadKey } from './payload-codec';

const PRINCIPAL =
  /^(email:[^\s@,]+@[^\s@,]+|slack:[UW][A-Z0-9]{2,}|jira:[A-Za-z0-9:-]{6,128}|user:[A-Za-z0-9._-]{1,64})$/;

/** A principal (`email:…`, `slack:U…`, `jira:…`, `user:…`); a bare e-mail address becomes `email:`. */
export function readPrincipal(name: string, raw: string): string {
  const principal = raw.includes('@') && !raw.includes(':') ? `email:${raw}` : raw;
  if (!PRINCIPAL.test(principal)) {
    throw new ConfigError(
      name,
      `"${raw}" is not a principal; write email:alice@example.com, slack:U024BE7LH, jira:<account id> or user:<login>`,
    );
  }
  return principal.startsWith('email:') ? principal.toLowerCase() : principal;
}

/** A comma-separated list of principals, or none when the variable is unset. */
export function readPrincipals(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name] ?? '';
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => readPrincipal(name, entry));
}

/** An http(s) URL without trailing slashes, or undefined when the variable is unset. */
export function readHttpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL; write e.g. https://certflow.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `"${raw}" must be an http:// or https:// URL`);
  }
  return raw.replace(/\/+$/, '');
}

/** A Slack channel id (C… or G…), or undefined when the variable is unset. */
export function readSlackChannel(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^[CG][A-Z0-9]{2,}$/.test(raw)) {
    throw new ConfigError(
      name,
      `"${raw}" is not a Slack channel id; copy the id (C…) from the bottom of the channel's details, not its #name`,
    );
  }
  return raw;
}

/** SLACK_BOT_TOKEN, a bot token (`xoxb-…`), or undefined when unset. */
export function readSlackToken(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.SLACK_BOT_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (!/^xoxb-[A-Za-z0-9-]+$/.test(raw)) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN',
      "is not a bot token (xoxb-…); copy the Bot User OAuth Token from the app's OAuth & Permissions page",
    );
  }
  return raw;
}

/** SLACK_APP_TOKEN, an app-level token (`xapp-…`), or undefined when unset. */
export function readSlackAppToken(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.SLACK_APP_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (!/^xapp-[A-Za-z0-9-]+$/.test(raw)) {
    throw new ConfigError(
      'SLACK_APP_TOKEN',
      "is not an app-level token (xapp-…); generate one with the connections:write scope on the app's Basic " +
        'Information page (App-Level Tokens)',
    );
  }
  return raw;
}

/** CERTFLOW_TLS_ENDPOINTS: comma-separated `host:port`, IPv6 hosts in brackets. */
export function readEndpoints(raw: string): TlsEndpointAddress[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((endpoint) => {
      const match = /^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(endpoint);
      const port = Number(match?.[2]);
      if (!match?.[1] || port < 1 || port > 65_535) {
        throw new ConfigError('CERTFLOW_TLS_ENDPOINTS', `"${endpoint}" is not host:port, e.g. 127.0.0.1:8443`);
      }
      return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
    });
}

/** A TCP port from 1 to 65535, or `fallback` when the variable is unset. */
export function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new ConfigError(name, `"${raw}" is not a TCP port; use a whole number from 1 to 65535 (default ${fallback})`);
  }
  return port;
}

/** When the monthly report goes out (R-MON-5): the hour of the daily check and the working calendar it checks. */
export function readMonthlyReport(env: NodeJS.ProcessEnv): { hour: number; calendar: WorkingCalendar } {
  const rawHour = env.CERTFLOW_MONTHLY_REPORT_HOUR ?? '';
  const hour = rawHour === '' ? 8 : Number(rawHour);
  if (!/^\d{1,2}$/.test(rawHour === '' ? '8' : rawHour) || hour > 23) {
    throw new ConfigError(
      'CERTFLOW_MONTHLY_REPORT_HOUR',
      `"${rawHour}" is not an hour of the day; use 0 to 23 (default 8)`,
    );
  }
  try {
    const timeZone = checkTimeZone(env.CERTFLOW_MONTHLY_REPORT_TIME_ZONE || 'UTC');
    const holidays = (env.CERTFLOW_MONTHLY_REPORT_HOLIDAYS ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map(parseHoliday);
    return { hour, calendar: { timeZone, holidays } };
  } catch (error) {
    if (!(error instanceof InvalidReportCalendarError)) throw error;
    const variable = error.message.startsWith('holiday')
      ? 'CERTFLOW_MONTHLY_REPORT_HOLIDAYS'
      : 'CERTFLOW_MONTHLY_REPORT_TIME_ZONE';
    throw new ConfigError(variable, error.message);
  }
}

/**
 * Whether `certflow start` runs a local stand-in for Slack or Jira, and on which port: `<modeVariable>` is
 * `stand-in` (the default) or `off`, and real credentials (`configured`) always win, since the stand-in is only for
 * a machine that has none.
 */
export function readStandIn(
  env: NodeJS.ProcessEnv,
  modeVariable: string,
  portVariable: string,
  defaultPort: number,
  configured: boolean,
): { port: number } | undefined {
  const mode = env[modeVariable] || 'stand-in';
  if (mode !== 'stand-in' && mode !== 'off') {
    throw new ConfigError(modeVariable, `"${mode}" is neither stand-in nor off (default stand-in)`);
  }
  const raw = env[portVariable];
  // Port 0 is allowed here, unlike certflow's own ports: nobody else needs to know where the stand-in listens.
  const port = raw === undefined || raw === '' ? defaultPort : Number(raw);
  if (raw !== undefined && raw !== '' && (!/^\d+$/.test(raw) || port > 65_535)) {
    throw new ConfigError(
      portVariable,
      `"${raw}" is not a TCP port; use a whole number from 0 (a free one) to 65535 (default ${defaultPort})`,
    );
  }
  return mode === 'off' || configured ? undefined : { port };
}

/** Longest digest window: a reminder held longer would reach its owners late for no gain. */
const MAX_DIGEST_SECONDS = 600;

/** CERTFLOW_SLACK_DIGEST_SECONDS in milliseconds: 5 seconds when unset. */
export function readDigestWindowMs(env: NodeJS.ProcessEnv): number {
  const raw = env.CERTFLOW_SLACK_DIGEST_SECONDS;
  if (raw === undefined || raw === '') return 5_000;
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds > MAX_DIGEST_SECONDS) {
    throw new ConfigError(
      'CERTFLOW_SLACK_DIGEST_SECONDS',
      `"${raw}" is not a number of seconds from 0 (every notification alone) to ${MAX_DIGEST_SECONDS} (default 5)`,
    );
  }
  return Math.round(seconds * 1000);
}

/** How much one worker takes on at once; each unset field is derived by the worker from its memory. */
export interface WorkerCapacitySettings {
  /** Workflows kept in the worker's cache between their tasks (0: none, every task replays its history). */
  readonly cachedWorkflows?: number;
  /** Workflow tasks run at once. */
  readonly workflowTasks?: number;
  /** Activities run at once. */
  readonly activities?: number;
}

/** A whole number from `min` to `max`, or undefined when the variable is unset. */
function readCount(
  env: NodeJS.ProcessEnv,
  name: string,
  min: number,
  max: number,
  meaning: string,
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d{1,7}$/.test(raw) || value < min || value > max) {
    throw new ConfigError(
      name,
      `"${raw}" is not a whole number from ${min} to ${max} (${meaning}); unset it for the default`,
    );
  }
  return value;
}

/** CERTFLOW_WORKER_CACHED_WORKFLOWS, CERTFLOW_WORKER_WORKFLOW_TASKS and CERTFLOW_WORKER_ACTIVITIES. */
export function readWorkerCapacity(env: NodeJS.ProcessEnv): WorkerCapacitySettings {
  const cachedWorkflows = readCount(
    env,
    'CERTFLOW_WORKER_CACHED_WORKFLOWS',
    0,
    1_000_000,
    'workflows cached, 0 for none',
  );
  if (cachedWorkflows === 1) {
    throw new ConfigError(
      'CERTFLOW_WORKER_CACHED_WORKFLOWS',
      '"1" is too small: a cache holds at least 2 workflows, so write 0 (no cache) or 2 and more',
    );
  }
  const workflowTasks = readCount(env, 'CERTFLOW_WORKER_WORKFLOW_TASKS', 2, 10_000, 'workflow tasks at once');
  if (
    workflowTasks !== undefined &&
    cachedWorkflows !== undefined &&
    cachedWorkflows > 0 &&
    workflowTasks > cachedWorkflows
  ) {
    throw new ConfigError(
      'CERTFLOW_WORKER_WORKFLOW_TASKS',
      `${workflowTasks} workflow tasks at once need as many cached workflows, but CERTFLOW_WORKER_CACHED_WORKFLOWS is ` +
        `${cachedWorkflows}: lower the one or raise the other`,
    );
  }
  const activities = readCount(env, 'CERTFLOW_WORKER_ACTIVITIES', 1, 10_000, 'activities at once');
  return {
    ...(cachedWorkflows === undefined ? {} : { cachedWorkflows }),
    ...(workflowTasks === undefined ? {} : { workflowTasks }),
    ...(activities === undefined ? {} : { activities }),
  };
}

/** A Temporal name (namespace, task queue), or `fallback` when the variable is unset. */
export function readName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(raw)) {
    throw new ConfigError(
      name,
      `"${raw}" is not a valid name; use letters, digits, '.', '_' or '-' (default ${fallback})`,
    );
  }
  return raw;
}

/** TEMPORAL_ADDRESS as `host:port`, or undefined when unset (the embedded dev server). */
export function readAddress(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.TEMPORAL_ADDRESS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(raw)) {
    throw new ConfigError('TEMPORAL_ADDRESS', `"${raw}" is not host:port, e.g. temporal.internal:7233`);
  }
  return raw;
}

/** CERTFLOW_DATABASE_URL with a SQLite path made absolute; SQLite under the data folder when unset. */
export function readDatabaseUrl(env: NodeJS.ProcessEnv, cwd: string, dataDir: string): string {
  const raw = env.CERTFLOW_DATABASE_URL;
  if (raw === undefined || raw === '') return `sqlite:${path.join(dataDir, 'inventory.sqlite')}`;
  if (/^postgres(ql)?:\/\//.test(raw)) return raw;
  const sqlite = /^sqlite:(.+)$/.exec(raw);
  if (sqlite?.[1]) return sqlite[1] === ':memory:' ? raw : `sqlite:${path.resolve(cwd, sqlite[1])}`;
  throw new ConfigError(
    'CERTFLOW_DATABASE_URL',
    `"${raw.replace(/\/\/[^@/]*@/, '//***@')}" is neither sqlite:<file> nor postgres://user:password@host:5432/database`,
  );
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The reload command as argv (split at white space, no shell), or [] when unset: no reload. A program that cannot run
 * is refused here, at start-up, rather than by the first installation after the new files are written.
 */
export function readReloadCommand(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const argv = (env.CERTFLOW_RELOAD_COMMAND ?? '').split(/\s+/).filter(Boolean);
  const [program, ...args] = argv;
  if (program === undefined) return [];
  if (program.includes('/')) {
    const file = path.resolve(cwd, program);
    if (isExecutableFile(file)) return [file, ...args];
    throw new ConfigError(
      'CERTFLOW_RELOAD_COMMAND',
      `${file} is not an executable file; give the path of the program that reloads the server, e.g. /usr/sbin/nginx -s reload, or unset it for no reload`,
    );
  }
  const searchPath = env.PATH ?? process.env.PATH ?? '';
  const found = searchPath
    .split(path.delimiter)
    .filter(Boolean)
    .some((folder) => isExecutableFile(path.join(folder, program)));
  if (found) return argv;
  throw new ConfigError(
    'CERTFLOW_RELOAD_COMMAND',
    `program "${program}" is not found on PATH; give its full path (e.g. /usr/sbin/nginx -s reload), or unset it for no reload`,
  );
}

/** A key id: what CERTFLOW_PAYLOAD_KEYS names keys by and each sealed payload's metadata carries. */
const PAYLOAD_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** The id of CERTFLOW_PAYLOAD_KEY's key when it names none. */
export const DEFAULT_PAYLOAD_KEY_ID = 'default';

function readPayloadKey(variable: string, entry: string, idRequired: boolean): PayloadKey {
  const colon = entry.indexOf(':');
  if (colon < 0 && idRequired) {
    // The entry is key material: the error describes it without quoting it.
    throw new ConfigError(variable, 'an entry has no key id; write <id>:<base64 of 32 bytes>, e.g. k2:…');
  }
  const id = colon < 0 ? DEFAULT_PAYLOAD_KEY_ID : entry.slice(0, colon).trim();
  const encoded = (colon < 0 ? entry : entry.slice(colon + 1)).trim();
  if (!PAYLOAD_KEY_ID.test(id)) {
    throw new ConfigError(variable, `key id "${id}" is not letters, digits, '.', '_' or '-' (at most 64)`);
  }
  // Buffer.from(…, 'base64') skips what is not base64, so the text is checked first: a typo must not shorten a key.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && !/^[A-Za-z0-9_-]+={0,2}$/.test(encoded)) {
    throw new ConfigError(variable, `key "${id}" is not base64; generate one with: openssl rand -base64 32`);
  }
  const key = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
  if (key.length !== PAYLOAD_KEY_BYTES) {
    throw new ConfigError(
      variable,
      `key "${id}" is ${key.length} bytes, not ${PAYLOAD_KEY_BYTES} (AES-256); generate one with: openssl rand -base64 32`,
    );
  }
  return { id, key };
}

/**
 * The payload keys, newest (the one that encrypts) first: CERTFLOW_PAYLOAD_KEYS (`<id>:<base64>,…`), then
 * CERTFLOW_PAYLOAD_KEY (`<base64>` or `<id>:<base64>`), which thus stays readable while KEYS takes over. None: [].
 */
export function readPayloadKeys(env: NodeJS.ProcessEnv): PayloadKey[] {
  const keys: PayloadKey[] = [];
  for (const entry of (env.CERTFLOW_PAYLOAD_KEYS ?? '').split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const key = readPayloadKey('CERTFLOW_PAYLOAD_KEYS', entry, true);
    if (keys.some(({ id }) => id === key.id)) {
      throw new ConfigError('CERTFLOW_PAYLOAD_KEYS', `key id "${key.id}" appears twice; give every key its own id`);
    }
    keys.push(key);
  }
  const single = env.CERTFLOW_PAYLOAD_KEY?.trim();
  if (single) {
    const key = readPayloadKey('CERTFLOW_PAYLOAD_KEY', single, false);
    const same = keys.find(({ id }) => id === key.id);
    if (same !== undefined && !same.key.equals(key.key)) {
      throw new ConfigError(
        'CERTFLOW_PAYLOAD_KEY',
        `key id "${key.id}" also names a different key in CERTFLOW_PAYLOAD_KEYS; give every key its own id`,
      );
    }
    if (same === undefined) keys.push(key);
  }
  return keys;
}

/** Shortest codec token accepted: a guessable token would open every history to whoever reaches the endpoint. */
const MIN_CODEC_TOKEN_LENGTH = 16;

/** CERTFLOW_CODEC_TOKEN, the bearer token of the codec endpoint, or undefined when unset (the endpoint is off). */
export function readCodecToken(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.CERTFLOW_CODEC_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_CODEC_TOKEN_LENGTH || /\s/.test(raw)) {
    throw new ConfigError(
      'CERTFLOW_CODEC_TOKEN',
      `must be at least ${MIN_CODEC_TOKEN_LENGTH} characters without spaces; generate one with: openssl rand -hex 32`,
    );
  }
  return raw;
}

/** CERTFLOW_CODEC_CORS_ORIGINS: the origins (scheme://host[:port]) allowed to call the codec endpoint from a browser. */
export function readCorsOrigins(env: NodeJS.ProcessEnv, uiPort: number): string[] {
  const raw = env.CERTFLOW_CODEC_CORS_ORIGINS;
  if (raw === undefined || raw.trim() === '') return [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((origin) => {
      let url: URL | undefined;
      try {
        url = new URL(origin);
      } catch {
        url = undefined;
      }
      if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== origin.replace(/\/+$/, '')) {
        throw new ConfigError(
          'CERTFLOW_CODEC_CORS_ORIGINS',
          `"${origin}" is not an origin; write scheme://host[:port] without a path, e.g. https://temporal-ui.example.com`,
        );
      }
      return url.origin;
    });
}

/** CERTFLOW_DNS_SERVERS: the resolvers CAA lookups ask, `host:port` each, comma-separated; empty: the system's. */
export function readDnsServers(env: NodeJS.ProcessEnv): string[] {
  const entries = (env.CERTFLOW_DNS_SERVERS ?? '').split(',').map((entry) => entry.trim());
  return entries.filter(Boolean).map((entry) => {
    try {
      return parseServerAddress(entry, 53).text;
    } catch (error) {
      throw new ConfigError('CERTFLOW_DNS_SERVERS', (error as Error).message);
    }
  });
}

/**
 * CERTFLOW_DNS_UPDATE_ZONES: the zones DNS-01 records are written to, `;`-separated, each
 * `<zone> <server host:port> <TSIG key name> <base64 HMAC-SHA256 secret> [tcp|udp]`.
 */
export function readDnsUpdateZones(env: NodeJS.ProcessEnv): DnsUpdateZone[] {
  const example = 'e.g. `example.com 192.0.2.53:53 certflow-key <secret from tsig-keygen>`';
  return (env.CERTFLOW_DNS_UPDATE_ZONES ?? '')
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [zone, server, keyName, secret, transport, ...rest] = entry.split(/\s+/);
      const refuse = (why: string) =>
        new ConfigError('CERTFLOW_DNS_UPDATE_ZONES', `"${zone} …": ${why}; write ${example}`);
      if (!zone || !server || !keyName || !secret || rest.length > 0) {
        throw refuse('give the zone, the server, the TSIG key name and its secret, separated by spaces');
      }
      if (!/^(?:[a-z0-9_-]+\.)*[a-z0-9-]+\.?$/i.test(zone)) throw refuse(`"${zone}" is not a zone name`);
      try {
        parseServerAddress(server, 53);
      } catch (error) {
        throw refuse((error as Error).message);
      }
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || Buffer.from(secret, 'base64').length < 16) {
        throw refuse('the secret is not base64 of at least 16 bytes');
      }
      if (transport !== undefined && transport !== 'tcp' && transport !== 'udp') {
        throw refuse(`"${transport}" is neither tcp nor udp`);
      }
      return { zone, server, keyName, secret, ...(transport ? { transport } : {}) };
    });
}

/** CERTFLOW_CAA_IDENTITY: the CAA issuer domain of the issuer that renews (`letsencrypt.org`); undefined: none. */
export function readCaaIdentity(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.CERTFLOW_CAA_IDENTITY?.trim();
  if (!raw) return undefined;
  const identity = issuerDomain(raw);
  if (identity === null || raw.includes(';')) {
    throw new ConfigError(
      'CERTFLOW_CAA_IDENTITY',
      `"${raw}" is not a CAA issuer domain; write the domain the CA publishes for CAA, e.g. letsencrypt.org`,
    );
  }
  return identity;
}
