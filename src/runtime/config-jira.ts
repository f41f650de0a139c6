/** Jira's configuration: JIRA_URL, its credentials and JIRA_CONFIG_FILE, merged and checked by the Jira adapter. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { JiraConfigError, parseJiraConfig, type JiraConfig } from '../adapters/jira/jira-config';
import { ConfigError } from './config-error';

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

/** Jira's settings from the environment and JIRA_CONFIG_FILE, or undefined when neither names a Jira site. */
export function readJira(env: NodeJS.ProcessEnv, cwd: string): JiraSettings | undefined {
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
