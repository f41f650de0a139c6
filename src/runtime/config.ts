/** certflow's runtime configuration: its shape, read from the environment in one pass, and the policy file it names. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_POLICY, parsePolicy } from '../core/domain/policy/load-policy';
import type { Policy } from '../core/domain/policy/policy';
import type { WorkingCalendar } from '../core/domain/reports/working-day';
import type { DnsUpdateZone } from '../adapters/dns/rfc2136-challenge-updater';
import { ConfigError } from './config-error';
import type { IssuersConfig } from '../adapters/acme/acme-issuers-config';
import { readIssuers } from './config-issuers';
import { readJira, type JiraSettings } from './config-jira';
import {
  readAddress,
  readCodecToken,
  readCorsOrigins,
  readDatabaseUrl,
  readDigestWindowMs,
  readEndpoints,
  readHttpUrl,
  readName,
  readPayloadKeys,
  readPort,
  readPrincipal,
  readPrincipals,
  readReloadCommand,
  readSlackAppToken,
  readSlackChannel,
  readMonthlyReport,
  readSlackToken,
  readStandIn,
  readCaaIdentity,
  readDnsServers,
  readDnsUpdateZones,
  readWorkerCapacity,
  type WorkerCapacitySettings,
} from './config-readers';
import { LOG_LEVELS, type LogLevel } from './config-variables';
import type { PayloadKey } from './payload-codec';

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
  /** Slack channel id where scheduled discovery announces certificates nobody owns; undefined: the leads only. */
  securityChannelId: string | undefined;
  /** The monthly report's daily check (hour, in the calendar's time zone) and working calendar (R-MON-5). */
  monthlyReport: { hour: number; calendar: WorkingCalendar };
  /** Jira change tickets (JIRA_URL and its credentials); undefined: tickets are printed, or the stand-in plays Jira. */
  jira: JiraSettings | undefined;
  /** The local Jira stand-in `certflow start` runs when JIRA_URL is unset and CERTFLOW_JIRA is not `off`. */
  jiraStandIn: { port: number } | undefined;
  /** Keys sealing Temporal payloads (R-KEY-1), newest (the one that encrypts) first; empty: payloads in clear. */
  payloadKeys: PayloadKey[];
  /** Bearer token of the codec endpoint at `/codec`; undefined: the endpoint is off. */
  codecToken: string | undefined;
  /** Browser origins allowed to call the codec endpoint (the Temporal Web UI's). */
  codecCorsOrigins: string[];
  /** DNS servers CAA lookups ask, `host:port`; empty: the system's resolvers. */
  dnsServers: string[];
  /** CAA issuer domain of the issuer that renews; undefined: `certflow policy check` checks no CAA. */
  caaIdentity: string | undefined;
  /** Zones DNS-01 records are written to with RFC 2136 updates, with their servers and TSIG keys. */
  dnsUpdateZones: DnsUpdateZone[];
  /** The issuers besides `internal` (ACME servers) and the default one, from CERTFLOW_ISSUERS_FILE. */
  issuers: IssuersConfig;
  /** The worker's cache and slots (CERTFLOW_WORKER_*); what is unset the worker derives from its memory. */
  workerCapacity: WorkerCapacitySettings;
}

/** Where a TLS endpoint certflow runs listens. */
export interface TlsEndpointAddress {
  host: string;
  port: number;
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
    securityChannelId: readSlackChannel(env, 'CERTFLOW_SECURITY_CHANNEL'),
    monthlyReport: readMonthlyReport(env),
    jira: readJira(env, cwd),
    jiraStandIn: readStandIn(
      env,
      'CERTFLOW_JIRA',
      'CERTFLOW_JIRA_STAND_IN_PORT',
      3002,
      Boolean(env.JIRA_URL || env.JIRA_CONFIG_FILE),
    ),
    payloadKeys: readPayloadKeys(env),
    codecToken: readCodecToken(env),
    codecCorsOrigins: readCorsOrigins(env, devServerUiPort),
    dnsServers: readDnsServers(env),
    caaIdentity: readCaaIdentity(env),
    dnsUpdateZones: readDnsUpdateZones(env),
    issuers: readIssuers(env, cwd, readDnsUpdateZones(env)),
    workerCapacity: readWorkerCapacity(env),
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
