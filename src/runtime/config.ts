import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY, parsePolicy } from '../core/domain/policy/load-policy';
import type { Policy } from '../core/domain/policy/policy';
import { JiraConfigError, parseJiraConfig, type JiraConfig } from '../adapters/jira/jira-config';

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

/** Log levels of the Temporal runtime logger. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** certflow's runtime configuration, read once from the environment. */
export interface CertflowConfig {
  /** Address of an existing Temporal frontend; when unset, `certflow start` runs the embedded dev server. */
  temporalAddress: string | undefined;
  namespace: string;
  taskQueue: string;
  /** Folder for local state: the dev server's SQLite file, later the inventory and CA keys. */
  dataDir: string;
  /** gRPC port of the embedded dev server. */
  devServerPort: number;
  /** Web UI port of the embedded dev server. */
  devServerUiPort: number;
  logLevel: LogLevel;
  /** Inventory database: `sqlite:<path>` (default, under the data folder) or `postgres://…`. */
  databaseUrl: string;
  /** Policy file (YAML or JSON); undefined means NIST's defaults. */
  policyFile: string | undefined;
  /** Who the CLI acts as (`email:alice@example.com`, `slack:U…`); undefined means `user:<login>`. */
  actor: string | undefined;
  /** Principals holding the security-lead role (R-SEC-2). */
  securityLeads: string[];
  /** Principals holding the admin role (R-SEC-2). */
  admins: string[];
  /** Port of certflow's HTTP server (CRL and CA certificates; Slack and Jira endpoints). */
  httpPort: number;
  /** Base URL under which others reach certflow's HTTP server: CRL distribution points and links use it. */
  publicUrl: string;
  /** Passphrase encrypting the internal CA's keys; undefined means a generated one kept in the data folder. */
  caPassphrase: string | undefined;
  /** Command (argv) run after certificate files are written, e.g. `nginx -s reload`; empty: no reload. */
  reloadCommand: string[];
  /** TLS endpoints certflow runs and renews itself, e.g. for the demo; IPv6 hosts without brackets. */
  tlsEndpoints: TlsEndpointAddress[];
  /** Slack bot token (`xoxb-…`); undefined: notifications are printed by the worker instead. */
  slackBotToken: string | undefined;
  /** Slack Web API base URL; Slack's own unless pointed at a stand-in. */
  slackApiUrl: string | undefined;
  /** Signing secret of the Slack app; with the bot token it turns on the buttons at `/slack/events`. */
  slackSigningSecret: string | undefined;
  /** Slack app-level token (`xapp-…`); with the bot token the app runs in Socket Mode, without a signing secret. */
  slackAppToken: string | undefined;
  /**
   * The local Slack stand-in `certflow start` runs when no Slack credential is set (CERTFLOW_SLACK is not `off`), so a
   * newcomer can approve in a browser; undefined: none. Port 0 picks a free one.
   */
  slackStandIn: { port: number } | undefined;
  /** How long the Slack notifier collects reminders, escalations and incidents into one digest (R-MON-5), in ms. */
  slackDigestWindowMs: number;
  /** Slack channel id of campaign progress messages when a launch names none; undefined: none. */
  campaignChannelId: string | undefined;
  /** Jira change tickets (JIRA_URL and its credentials); undefined: tickets are printed, or the stand-in plays Jira. */
  jira: JiraSettings | undefined;
  /** The local Jira stand-in `certflow start` runs when JIRA_URL is unset and CERTFLOW_JIRA is not `off`. */
  jiraStandIn: { port: number } | undefined;
}

/** Where a TLS endpoint certflow runs listens. */
export interface TlsEndpointAddress {
  host: string;
  port: number;
}

/** One row of the README's configuration table: variable, default, meaning. */
export interface ConfigVariable {
  name: string;
  default: string;
  description: string;
}

/** The environment variables certflow reads, with defaults, as documented in the README. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'TEMPORAL_ADDRESS',
    default: '(unset: embedded dev server)',
    description: 'host:port of a Temporal frontend to use instead of the embedded dev server',
  },
  { name: 'TEMPORAL_NAMESPACE', default: 'default', description: 'Temporal namespace' },
  { name: 'CERTFLOW_TASK_QUEUE', default: 'certflow', description: 'task queue of the certflow worker' },
  { name: 'CERTFLOW_DATA_DIR', default: './data', description: 'local state (dev server SQLite file, …)' },
  { name: 'TEMPORAL_PORT', default: '7233', description: 'gRPC port of the embedded dev server' },
  { name: 'TEMPORAL_UI_PORT', default: '8233', description: 'Web UI port of the embedded dev server' },
  { name: 'CERTFLOW_LOG_LEVEL', default: 'INFO', description: `one of ${LOG_LEVELS.join(', ')}` },
  {
    name: 'CERTFLOW_DATABASE_URL',
    default: 'sqlite:./data/inventory.sqlite',
    description: 'inventory database: `sqlite:<file>` or `postgres://user:pass@host:5432/db`',
  },
  {
    name: 'CERTFLOW_POLICY_FILE',
    default: '(unset: NIST defaults)',
    description: 'certificate policy, YAML or JSON (see examples/certflow-policy.yaml)',
  },
  {
    name: 'CERTFLOW_ACTOR',
    default: '(unset: user:<login>)',
    description: 'who the CLI acts as, e.g. `email:alice@example.com` or `slack:U024BE7LH`',
  },
  {
    name: 'CERTFLOW_SECURITY_LEADS',
    default: '(unset: nobody)',
    description: 'comma-separated principals with the security-lead role',
  },
  {
    name: 'CERTFLOW_ADMINS',
    default: '(unset: nobody)',
    description: 'comma-separated principals with the admin role',
  },
  {
    name: 'CERTFLOW_HTTP_PORT',
    default: '8088',
    description: "port of certflow's HTTP server (CRL, CA certificates, Slack and Jira endpoints)",
  },
  {
    name: 'CERTFLOW_PUBLIC_URL',
    default: 'http://127.0.0.1:<CERTFLOW_HTTP_PORT>',
    description: "how others reach certflow's HTTP server: CRL distribution points and links use it",
  },
  {
    name: 'CERTFLOW_CA_PASSPHRASE',
    default: '(unset: generated into ./data/ca)',
    description: "passphrase encrypting the internal CA's private keys at rest",
  },
  {
    name: 'CERTFLOW_RELOAD_COMMAND',
    default: '(unset: no reload)',
    description: 'program and arguments (no shell) run after certificate files are written, e.g. `nginx -s reload`',
  },
  {
    name: 'CERTFLOW_TLS_ENDPOINTS',
    default: '(unset: none)',
    description: 'comma-separated `host:port` TLS endpoints certflow serves and renews itself (the demo)',
  },
  {
    name: 'SLACK_BOT_TOKEN',
    default: '(unset: see CERTFLOW_SLACK)',
    description: 'Bot User OAuth Token (`xoxb-…`) of the app created from src/adapters/slack/manifest.yaml',
  },
  {
    name: 'SLACK_SIGNING_SECRET',
    default: '(unset: see CERTFLOW_SLACK)',
    description: "the Slack app's signing secret; with SLACK_BOT_TOKEN, Slack's requests reach `/slack/events`",
  },
  {
    name: 'SLACK_APP_TOKEN',
    default: '(unset: Slack posts to /slack/events)',
    description: 'app-level token (`xapp-…`, connections:write): Socket Mode, no public URL or signing secret',
  },
  {
    name: 'SLACK_API_URL',
    default: 'https://slack.com/api/',
    description: 'Slack Web API base URL (point it at a Slack stand-in for tests)',
  },
  {
    name: 'CERTFLOW_SLACK',
    default: 'stand-in',
    description:
      'without Slack credentials: `stand-in`, `certflow start` runs a local Slack in a browser page; `off`, notifications are printed',
  },
  {
    name: 'JIRA_URL',
    default: '(unset: see CERTFLOW_JIRA)',
    description:
      'Jira site for change tickets, e.g. `https://example.atlassian.net` or `https://jira.example.com/jira`',
  },
  {
    name: 'JIRA_CONFIG_FILE',
    default: '(unset)',
    description:
      'YAML or JSON with more Jira settings: transition and priority names, custom fields (examples/jira.yaml)',
  },
  {
    name: 'JIRA_FLAVOUR',
    default: 'cloud for atlassian.net hosts, else data-center',
    description: '`cloud` or `data-center`',
  },
  { name: 'JIRA_EMAIL', default: '(unset)', description: "certflow's Jira account (with JIRA_API_TOKEN)" },
  { name: 'JIRA_API_TOKEN', default: '(unset)', description: "that account's API token (id.atlassian.com → Security)" },
  {
    name: 'JIRA_PAT',
    default: '(unset)',
    description: 'Data Center: a personal access token instead of e-mail and token',
  },
  { name: 'JIRA_PROJECT', default: '(required with JIRA_URL)', description: 'project key of change tickets, e.g. CHG' },
  { name: 'JIRA_ISSUE_TYPE', default: 'Change', description: 'issue type of change tickets' },
  {
    name: 'JIRA_CHANGE_WINDOW_FIELD',
    default: '(unset: no window)',
    description: 'custom field holding the approved change window start, e.g. `customfield_10050`',
  },
  {
    name: 'JIRA_WEBHOOK_SECRET',
    default: '(unset: polling)',
    description: "secret of Jira's webhook to `/jira/webhook`; without it certflow polls waiting tickets",
  },
  {
    name: 'CERTFLOW_JIRA_POLL_SECONDS',
    default: '300',
    description: 'how often change tickets that a renewal waits on are read without a webhook (0: never)',
  },
  {
    name: 'CERTFLOW_JIRA',
    default: 'stand-in',
    description:
      'without JIRA_URL: `stand-in`, `certflow start` runs a local Jira with a page; `off`, tickets are printed',
  },
  {
    name: 'CERTFLOW_JIRA_STAND_IN_PORT',
    default: '3002',
    description: "port of that stand-in's page and REST API (0 picks a free one)",
  },
  {
    name: 'CERTFLOW_SLACK_DIGEST_SECONDS',
    default: '5',
    description: 'seconds Slack notifications due together are collected into one digest per person or channel',
  },
  {
    name: 'CERTFLOW_CAMPAIGN_CHANNEL',
    default: '(unset: none)',
    description: 'Slack channel id (C…) of campaign progress messages when a launch names no channel',
  },
  {
    name: 'CERTFLOW_SLACK_STAND_IN_PORT',
    default: '3001',
    description: "port of that stand-in's page and Web API (0 picks a free one)",
  },
];

const PRINCIPAL =
  /^(email:[^\s@,]+@[^\s@,]+|slack:[UW][A-Z0-9]{2,}|jira:[A-Za-z0-9:-]{6,128}|user:[A-Za-z0-9._-]{1,64})$/;

function readPrincipal(name: string, raw: string): string {
  const principal = raw.includes('@') && !raw.includes(':') ? `email:${raw}` : raw;
  if (!PRINCIPAL.test(principal)) {
    throw new ConfigError(
      name,
      `"${raw}" is not a principal; write email:alice@example.com, slack:U024BE7LH, jira:<account id> or user:<login>`,
    );
  }
  return principal.startsWith('email:') ? principal.toLowerCase() : principal;
}

function readPrincipals(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name] ?? '';
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => readPrincipal(name, entry));
}

/** An http(s) URL without trailing slashes, or undefined when the variable is unset. */
function readHttpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
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

function readSlackChannel(env: NodeJS.ProcessEnv, name: string): string | undefined {
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

function readSlackToken(env: NodeJS.ProcessEnv): string | undefined {
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

function readSlackAppToken(env: NodeJS.ProcessEnv): string | undefined {
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

function readEndpoints(raw: string): TlsEndpointAddress[] {
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

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new ConfigError(name, `"${raw}" is not a TCP port; use a whole number from 1 to 65535 (default ${fallback})`);
  }
  return port;
}

/**
 * Whether `certflow start` runs a local stand-in for Slack or Jira, and on which port: `<modeVariable>` is
 * `stand-in` (the default) or `off`, and real credentials (`configured`) always win, since the stand-in is only for
 * a machine that has none.
 */
function readStandIn(
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

/** Jira as certflow uses it: the adapter's settings, and how status changes come back (webhook, else polling). */
export interface JiraSettings {
  readonly config: JiraConfig;
  /** The webhook's secret (JIRA_WEBHOOK_SECRET): certflow then takes Jira's webhooks at `/jira/webhook`. */
  readonly webhookSecret: string | undefined;
  /** How often waiting change tickets are read when no webhook comes, in seconds; 0 never. */
  readonly pollSeconds: number;
}

/** JIRA_URL's parts: `https://example.atlassian.net` or `https://jira.example.com:8443/jira`. */
function readJiraUrl(raw: string): { protocol: 'http' | 'https'; host: string; port?: number; basePath: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('JIRA_URL', `"${raw}" is not a URL; write it as https://example.atlassian.net`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('JIRA_URL', `must be an http(s) URL like https://example.atlassian.net, not ${url.protocol}`);
  }
  return {
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    host: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

/** JIRA_CONFIG_FILE's settings (YAML or JSON, the shape of `parseJiraConfig`'s input), or none. */
function readJiraFile(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('JIRA_CONFIG_FILE', `cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError('JIRA_CONFIG_FILE', `${file} is not YAML or JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('JIRA_CONFIG_FILE', `${file} must hold a mapping of Jira settings (see examples/jira.yaml)`);
  }
  return parsed as Record<string, unknown>;
}

function readJira(env: NodeJS.ProcessEnv, cwd: string): JiraSettings | undefined {
  const file = env.JIRA_CONFIG_FILE ? path.resolve(cwd, env.JIRA_CONFIG_FILE) : undefined;
  if (!env.JIRA_URL && file === undefined) return undefined;
  const pollSeconds = env.CERTFLOW_JIRA_POLL_SECONDS ? Number(env.CERTFLOW_JIRA_POLL_SECONDS) : 300;
  if (!Number.isInteger(pollSeconds) || pollSeconds < 0 || pollSeconds > 86_400) {
    throw new ConfigError(
      'CERTFLOW_JIRA_POLL_SECONDS',
      `"${env.CERTFLOW_JIRA_POLL_SECONDS}" is not a whole number of seconds from 0 (never) to 86400 (default 300)`,
    );
  }
  const settings = readJiraFile(file);
  // The file holds the site's shape (transitions, priorities, custom fields); the variables, set, win over it.
  const url = env.JIRA_URL ? readJiraUrl(env.JIRA_URL) : undefined;
  const host = url?.host ?? (typeof settings.host === 'string' ? settings.host : '');
  const fileAuth =
    settings.auth !== null && typeof settings.auth === 'object' ? (settings.auth as Record<string, unknown>) : {};
  const fileFields =
    settings.customFields !== null && typeof settings.customFields === 'object'
      ? (settings.customFields as Record<string, unknown>)
      : {};
  try {
    const config = parseJiraConfig({
      flavour: host.endsWith('.atlassian.net') ? 'cloud' : 'data-center',
      ...settings,
      ...url,
      ...(env.JIRA_FLAVOUR ? { flavour: env.JIRA_FLAVOUR } : {}),
      auth: {
        ...fileAuth,
        ...(env.JIRA_EMAIL ? { email: env.JIRA_EMAIL } : {}),
        ...(env.JIRA_API_TOKEN ? { apiToken: env.JIRA_API_TOKEN } : {}),
        ...(env.JIRA_PAT ? { personalAccessToken: env.JIRA_PAT } : {}),
      },
      ...(env.JIRA_PROJECT ? { projectKey: env.JIRA_PROJECT } : {}),
      ...(env.JIRA_ISSUE_TYPE ? { issueType: env.JIRA_ISSUE_TYPE } : {}),
      customFields: {
        ...fileFields,
        ...(env.JIRA_CHANGE_WINDOW_FIELD
          ? { changeWindowStart: { id: env.JIRA_CHANGE_WINDOW_FIELD, type: 'datetime' } }
          : {}),
      },
    });
    return { config, webhookSecret: env.JIRA_WEBHOOK_SECRET || undefined, pollSeconds };
  } catch (error) {
    if (!(error instanceof JiraConfigError)) throw error;
    throw new ConfigError(
      file === undefined ? 'JIRA_URL' : 'JIRA_CONFIG_FILE',
      `${error.message}\n(set from ${file === undefined ? '' : `${file}, `}JIRA_URL, JIRA_FLAVOUR, JIRA_EMAIL, ` +
        'JIRA_API_TOKEN, JIRA_PAT, JIRA_PROJECT, JIRA_ISSUE_TYPE and JIRA_CHANGE_WINDOW_FIELD)',
    );
  }
}

/** Longest digest window: a reminder held longer would reach its owners late for no gain. */
const MAX_DIGEST_SECONDS = 600;

function readDigestWindowMs(env: NodeJS.ProcessEnv): number {
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

function readName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
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

function readAddress(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.TEMPORAL_ADDRESS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(raw)) {
    throw new ConfigError('TEMPORAL_ADDRESS', `"${raw}" is not host:port, e.g. temporal.internal:7233`);
  }
  return raw;
}

function readDatabaseUrl(env: NodeJS.ProcessEnv, cwd: string, dataDir: string): string {
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
function readReloadCommand(env: NodeJS.ProcessEnv, cwd: string): string[] {
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

/** Reads and validates certflow's configuration from environment variables (see {@link CONFIG_VARIABLES}). */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): CertflowConfig {
  const level = (env.CERTFLOW_LOG_LEVEL ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError('CERTFLOW_LOG_LEVEL', `"${env.CERTFLOW_LOG_LEVEL}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const devServerPort = readPort(env, 'TEMPORAL_PORT', 7233);
  const devServerUiPort = readPort(env, 'TEMPORAL_UI_PORT', 8233);
  if (devServerPort === devServerUiPort) {
    throw new ConfigError('TEMPORAL_UI_PORT', `must differ from TEMPORAL_PORT (both are ${devServerPort})`);
  }
  const dataDir = path.resolve(cwd, env.CERTFLOW_DATA_DIR || 'data');
  const httpPort = readPort(env, 'CERTFLOW_HTTP_PORT', 8088);
  return {
    temporalAddress: readAddress(env),
    namespace: readName(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: readName(env, 'CERTFLOW_TASK_QUEUE', 'certflow'),
    dataDir,
    devServerPort,
    devServerUiPort,
    logLevel: level as LogLevel,
    databaseUrl: readDatabaseUrl(env, cwd, dataDir),
    policyFile: env.CERTFLOW_POLICY_FILE ? path.resolve(cwd, env.CERTFLOW_POLICY_FILE) : undefined,
    actor: env.CERTFLOW_ACTOR ? readPrincipal('CERTFLOW_ACTOR', env.CERTFLOW_ACTOR) : undefined,
    securityLeads: readPrincipals(env, 'CERTFLOW_SECURITY_LEADS'),
    admins: readPrincipals(env, 'CERTFLOW_ADMINS'),
    httpPort,
    publicUrl: readHttpUrl(env, 'CERTFLOW_PUBLIC_URL') ?? `http://127.0.0.1:${httpPort}`,
    caPassphrase: env.CERTFLOW_CA_PASSPHRASE || undefined,
    reloadCommand: readReloadCommand(env, cwd),
    tlsEndpoints: readEndpoints(env.CERTFLOW_TLS_ENDPOINTS ?? ''),
    slackBotToken: readSlackToken(env),
    slackApiUrl: readHttpUrl(env, 'SLACK_API_URL'),
    slackSigningSecret: env.SLACK_SIGNING_SECRET || undefined,
    slackAppToken: readSlackAppToken(env),
    slackStandIn: readStandIn(
      env,
      'CERTFLOW_SLACK',
      'CERTFLOW_SLACK_STAND_IN_PORT',
      3001,
      Boolean(env.SLACK_BOT_TOKEN || env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN),
    ),
    slackDigestWindowMs: readDigestWindowMs(env),
    campaignChannelId: readSlackChannel(env, 'CERTFLOW_CAMPAIGN_CHANNEL'),
    jira: readJira(env, cwd),
    jiraStandIn: readStandIn(
      env,
      'CERTFLOW_JIRA',
      'CERTFLOW_JIRA_STAND_IN_PORT',
      3002,
      Boolean(env.JIRA_URL || env.JIRA_CONFIG_FILE),
    ),
  };
}

/**
 * Reads a policy file (YAML or JSON), or NIST's defaults when there is none; `setting` names where the file came from
 * (`CERTFLOW_POLICY_FILE`, `--policy`) in the error for an unreadable file.
 */
export async function readPolicyFile(file: string | undefined, setting: string): Promise<Policy> {
  if (file === undefined) return DEFAULT_POLICY;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(setting, `cannot read policy file ${file}: ${(error as Error).message}`);
  }
  return parsePolicy(text, file);
}
