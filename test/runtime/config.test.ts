import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/domain/policy/load-policy';
import { loadConfig, readPolicyFile } from '../../src/runtime/config';
import { ConfigError } from '../../src/runtime/config-error';
import { CONFIG_VARIABLES } from '../../src/runtime/config-variables';

const CWD = '/srv/certflow';
/** A program surely on the test machine: the Node.js that runs the tests, by its name on its folder's PATH. */
const NODE = path.basename(process.execPath);

describe('loadConfig', () => {
  it('defaults to the embedded dev server, namespace default, task queue certflow, ./data', () => {
    expect(loadConfig({}, CWD)).toEqual({
      temporalAddress: undefined,
      namespace: 'default',
      taskQueue: 'certflow',
      dataDir: path.join(CWD, 'data'),
      devServerPort: 7233,
      devServerUiPort: 8233,
      logLevel: 'INFO',
      databaseUrl: `sqlite:${path.join(CWD, 'data', 'inventory.sqlite')}`,
      policyFile: undefined,
      actor: undefined,
      securityLeads: [],
      admins: [],
      httpPort: 8088,
      publicUrl: 'http://127.0.0.1:8088',
      caPassphrase: undefined,
      reloadCommand: [],
      tlsEndpoints: [],
      slackBotToken: undefined,
      slackApiUrl: undefined,
      slackSigningSecret: undefined,
      slackAppToken: undefined,
      slackStandIn: { port: 3001 },
      slackDigestWindowMs: 5_000,
      campaignChannelId: undefined,
      securityChannelId: undefined,
      monthlyReport: { hour: 8, calendar: { timeZone: 'UTC', holidays: [] } },
      jira: undefined,
      jiraStandIn: { port: 3002 },
      payloadKeys: [],
      codecToken: undefined,
      codecCorsOrigins: ['http://localhost:8233', 'http://127.0.0.1:8233'],
      dnsServers: [],
      caaIdentity: undefined,
      dnsUpdateZones: [],
      issuers: { defaultIssuer: 'internal', acme: [] },
      workerCapacity: {},
    });
  });

  it('runs the Slack stand-in only without Slack credentials and unless CERTFLOW_SLACK is off; port 0 is allowed', () => {
    expect(loadConfig({ CERTFLOW_SLACK_STAND_IN_PORT: '0' }, CWD).slackStandIn).toEqual({ port: 0 });
    expect(loadConfig({ CERTFLOW_SLACK: 'off' }, CWD).slackStandIn).toBeUndefined();
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2' }, CWD).slackStandIn).toBeUndefined();
    expect(loadConfig({ SLACK_SIGNING_SECRET: 'shh' }, CWD).slackStandIn).toBeUndefined();
    expect(loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A0-1-ab' }, CWD).slackStandIn).toBeUndefined();
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_NAMESPACE: 'pki-prod',
        CERTFLOW_TASK_QUEUE: 'certflow-eu',
        CERTFLOW_DATA_DIR: '/var/lib/certflow',
        TEMPORAL_PORT: '17233',
        TEMPORAL_UI_PORT: '18233',
        CERTFLOW_LOG_LEVEL: 'debug',
        CERTFLOW_DATABASE_URL: 'postgres://certflow:secret@db.internal:5432/certflow',
        CERTFLOW_POLICY_FILE: 'policy/prod.yaml',
        CERTFLOW_ACTOR: 'Alice@Example.com',
        CERTFLOW_SECURITY_LEADS: 'email:sec@example.com, slack:U024BE7LH',
        CERTFLOW_ADMINS: 'user:root',
        CERTFLOW_HTTP_PORT: '9443',
        CERTFLOW_PUBLIC_URL: 'https://certflow.example.com/',
        CERTFLOW_CA_PASSPHRASE: 'correct horse',
        CERTFLOW_RELOAD_COMMAND: `${NODE} reload.js`,
        PATH: path.dirname(process.execPath),
        CERTFLOW_TLS_ENDPOINTS: '127.0.0.1:8443, [::1]:9443',
        SLACK_BOT_TOKEN: 'xoxb-1234-5678-abcdef',
        SLACK_API_URL: 'http://127.0.0.1:3999/api/',
        SLACK_SIGNING_SECRET: 'shh',
        SLACK_APP_TOKEN: 'xapp-1-A0CERTFLOW-1234-abcdef',
        CERTFLOW_SLACK_DIGEST_SECONDS: '0.5',
        CERTFLOW_CAMPAIGN_CHANNEL: 'C0CERTSEC',
        CERTFLOW_SECURITY_CHANNEL: 'C0SECURITY',
        CERTFLOW_MONTHLY_REPORT_HOUR: '7',
        CERTFLOW_MONTHLY_REPORT_TIME_ZONE: 'Europe/Berlin',
        CERTFLOW_MONTHLY_REPORT_HOLIDAYS: '2026-12-24, 2026-12-25',
        JIRA_URL: 'https://jira.example.com:8443/jira/',
        JIRA_PAT: 'pat-secret',
        JIRA_PROJECT: 'CHG',
        JIRA_ISSUE_TYPE: 'Normal change',
        JIRA_CHANGE_WINDOW_FIELD: 'customfield_10050',
        JIRA_WEBHOOK_SECRET: 'hook-secret',
        CERTFLOW_JIRA_POLL_SECONDS: '60',
        CERTFLOW_PAYLOAD_KEYS: `k2:${Buffer.alloc(32, 2).toString('base64')}`,
        CERTFLOW_PAYLOAD_KEY: Buffer.alloc(32, 1).toString('base64'),
        CERTFLOW_CODEC_TOKEN: 'codec-token-0123456789',
        CERTFLOW_CODEC_CORS_ORIGINS: 'https://temporal-ui.example.com',
        CERTFLOW_WORKER_CACHED_WORKFLOWS: '500',
        CERTFLOW_WORKER_WORKFLOW_TASKS: '60',
        CERTFLOW_WORKER_ACTIVITIES: '200',
      },
      CWD,
    );
    expect(config).toEqual({
      temporalAddress: 'temporal.internal:7233',
      namespace: 'pki-prod',
      taskQueue: 'certflow-eu',
      dataDir: '/var/lib/certflow',
      devServerPort: 17233,
      devServerUiPort: 18233,
      logLevel: 'DEBUG',
      databaseUrl: 'postgres://certflow:secret@db.internal:5432/certflow',
      policyFile: path.join(CWD, 'policy', 'prod.yaml'),
      actor: 'email:alice@example.com',
      securityLeads: ['email:sec@example.com', 'slack:U024BE7LH'],
      admins: ['user:root'],
      httpPort: 9443,
      publicUrl: 'https://certflow.example.com',
      caPassphrase: 'correct horse',
      reloadCommand: [NODE, 'reload.js'],
      tlsEndpoints: [
        { host: '127.0.0.1', port: 8443 },
        { host: '::1', port: 9443 },
      ],
      slackBotToken: 'xoxb-1234-5678-abcdef',
      slackApiUrl: 'http://127.0.0.1:3999/api',
      slackSigningSecret: 'shh',
      slackAppToken: 'xapp-1-A0CERTFLOW-1234-abcdef',
      slackStandIn: undefined,
      slackDigestWindowMs: 500,
      campaignChannelId: 'C0CERTSEC',
      securityChannelId: 'C0SECURITY',
      monthlyReport: { hour: 7, calendar: { timeZone: 'Europe/Berlin', holidays: ['2026-12-24', '2026-12-25'] } },
      jira: {
        config: expect.objectContaining({
          flavour: 'data-center',
          protocol: 'https',
          host: 'jira.example.com',
          port: 8443,
          basePath: '/jira',
          apiVersion: '2',
          auth: { kind: 'bearer', personalAccessToken: 'pat-secret' },
          projectKey: 'CHG',
          issueType: 'Normal change',
          customFields: { changeWindowStart: { id: 'customfield_10050', type: 'datetime' } },
        }) as unknown,
        webhookSecret: 'hook-secret',
        pollSeconds: 60,
      },
      jiraStandIn: undefined,
      payloadKeys: [
        { id: 'k2', key: Buffer.alloc(32, 2) },
        { id: 'default', key: Buffer.alloc(32, 1) },
      ],
      codecToken: 'codec-token-0123456789',
      codecCorsOrigins: ['https://temporal-ui.example.com'],
      dnsServers: [],
      caaIdentity: undefined,
      dnsUpdateZones: [],
      issuers: { defaultIssuer: 'internal', acme: [] },
      workerCapacity: { cachedWorkflows: 500, workflowTasks: 60, activities: 200 },
    });
  });

  it('accepts an IPv6 Temporal address', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '[::1]:7233' }, CWD).temporalAddress).toBe('[::1]:7233');
  });

  it.each([
    [{ TEMPORAL_PORT: 'seventy' }, 'TEMPORAL_PORT', /not a TCP port/],
    [{ TEMPORAL_PORT: '0' }, 'TEMPORAL_PORT', /not a TCP port/],
    [{ TEMPORAL_UI_PORT: '70000' }, 'TEMPORAL_UI_PORT', /not a TCP port/],
    [{ TEMPORAL_PORT: '7233', TEMPORAL_UI_PORT: '7233' }, 'TEMPORAL_UI_PORT', /must differ from TEMPORAL_PORT/],
    [{ TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS', /not host:port/],
    [{ CERTFLOW_ACTOR: 'alice' }, 'CERTFLOW_ACTOR', /not a principal; write email:/],
    [
      { CERTFLOW_SECURITY_LEADS: 'email:a@b.c,,slack:lower' },
      'CERTFLOW_SECURITY_LEADS',
      /"slack:lower" is not a principal/,
    ],
    [{ CERTFLOW_HTTP_PORT: '-1' }, 'CERTFLOW_HTTP_PORT', /not a TCP port/],
    [{ CERTFLOW_TLS_ENDPOINTS: '127.0.0.1' }, 'CERTFLOW_TLS_ENDPOINTS', /not host:port/],
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token' }, 'SLACK_BOT_TOKEN', /is not a bot token \(xoxb-…\)/],
    [
      { SLACK_APP_TOKEN: 'xoxb-1234-5678-abcdef' },
      'SLACK_APP_TOKEN',
      /is not an app-level token \(xapp-…\).*connections:write/,
    ],
    [{ SLACK_APP_TOKEN: 'xapp-has space' }, 'SLACK_APP_TOKEN', /is not an app-level token/],
    [{ SLACK_API_URL: 'slack.com' }, 'SLACK_API_URL', /is not a URL/],
    [{ CERTFLOW_SLACK: 'on' }, 'CERTFLOW_SLACK', /"on" is neither stand-in nor off/],
    [{ CERTFLOW_SLACK_STAND_IN_PORT: '65536' }, 'CERTFLOW_SLACK_STAND_IN_PORT', /not a TCP port; use .* from 0/],
    [{ CERTFLOW_SLACK_STAND_IN_PORT: 'x' }, 'CERTFLOW_SLACK_STAND_IN_PORT', /not a TCP port/],
    [{ JIRA_URL: 'jira.example.com', JIRA_PROJECT: 'CHG' }, 'JIRA_URL', /is not a URL; write it as https:/],
    [{ JIRA_URL: 'ftp://jira.example.com', JIRA_PROJECT: 'CHG' }, 'JIRA_URL', /must be an http\(s\) URL/],
    [{ JIRA_URL: 'https://example.atlassian.net' }, 'JIRA_URL', /projectKey[\s\S]*JIRA_PROJECT/],
    [
      { JIRA_URL: 'https://example.atlassian.net', JIRA_PROJECT: 'CHG', JIRA_PAT: 'x' },
      'JIRA_URL',
      /invalid Jira configuration/,
    ],
    [
      { JIRA_URL: 'https://x.atlassian.net', JIRA_PROJECT: 'CHG', CERTFLOW_JIRA_POLL_SECONDS: 'often' },
      'CERTFLOW_JIRA_POLL_SECONDS',
      /not a whole number of seconds/,
    ],
    [{ CERTFLOW_JIRA: 'on' }, 'CERTFLOW_JIRA', /"on" is neither stand-in nor off/],
    [{ CERTFLOW_JIRA_STAND_IN_PORT: '65536' }, 'CERTFLOW_JIRA_STAND_IN_PORT', /not a TCP port; use .* from 0/],
    [{ CERTFLOW_SLACK_DIGEST_SECONDS: '-1' }, 'CERTFLOW_SLACK_DIGEST_SECONDS', /from 0 \(every notification alone\)/],
    [{ CERTFLOW_SLACK_DIGEST_SECONDS: '601' }, 'CERTFLOW_SLACK_DIGEST_SECONDS', /not a number of seconds/],
    [{ CERTFLOW_SLACK_DIGEST_SECONDS: '5s' }, 'CERTFLOW_SLACK_DIGEST_SECONDS', /not a number of seconds/],
    [{ CERTFLOW_WORKER_CACHED_WORKFLOWS: '1' }, 'CERTFLOW_WORKER_CACHED_WORKFLOWS', /write 0 \(no cache\) or 2/],
    [{ CERTFLOW_WORKER_CACHED_WORKFLOWS: 'lots' }, 'CERTFLOW_WORKER_CACHED_WORKFLOWS', /not a whole number from 0/],
    [{ CERTFLOW_WORKER_WORKFLOW_TASKS: '1' }, 'CERTFLOW_WORKER_WORKFLOW_TASKS', /from 2 to 10000/],
    [{ CERTFLOW_WORKER_ACTIVITIES: '0' }, 'CERTFLOW_WORKER_ACTIVITIES', /from 1 to 10000 \(activities at once\)/],
    [
      { CERTFLOW_WORKER_CACHED_WORKFLOWS: '10', CERTFLOW_WORKER_WORKFLOW_TASKS: '20' },
      'CERTFLOW_WORKER_WORKFLOW_TASKS',
      /20 workflow tasks at once need as many cached workflows.*lower the one or raise the other/,
    ],
    [
      { CERTFLOW_CAMPAIGN_CHANNEL: '#security' },
      'CERTFLOW_CAMPAIGN_CHANNEL',
      /not a Slack channel id; copy the id \(C…\)/,
    ],
    [{ CERTFLOW_PUBLIC_URL: 'ftp://x' }, 'CERTFLOW_PUBLIC_URL', /must be an http/],
    [{ CERTFLOW_PUBLIC_URL: 'not a url' }, 'CERTFLOW_PUBLIC_URL', /is not a URL/],
    [{ TEMPORAL_ADDRESS: 'temporal' }, 'TEMPORAL_ADDRESS', /not host:port/],
    [{ TEMPORAL_NAMESPACE: 'has space' }, 'TEMPORAL_NAMESPACE', /not a valid name/],
    [{ CERTFLOW_TASK_QUEUE: '-leading-dash' }, 'CERTFLOW_TASK_QUEUE', /not a valid name/],
    [{ CERTFLOW_LOG_LEVEL: 'loud' }, 'CERTFLOW_LOG_LEVEL', /not one of TRACE, DEBUG, INFO, WARN, ERROR/],
    [{ CERTFLOW_MONTHLY_REPORT_HOUR: '24' }, 'CERTFLOW_MONTHLY_REPORT_HOUR', /not an hour of the day; use 0 to 23/],
    [{ CERTFLOW_MONTHLY_REPORT_HOUR: '8am' }, 'CERTFLOW_MONTHLY_REPORT_HOUR', /not an hour of the day/],
    [
      { CERTFLOW_MONTHLY_REPORT_TIME_ZONE: 'Mars/Olympus' },
      'CERTFLOW_MONTHLY_REPORT_TIME_ZONE',
      /not an IANA time zone/,
    ],
    [{ CERTFLOW_MONTHLY_REPORT_HOLIDAYS: '2026-02-30' }, 'CERTFLOW_MONTHLY_REPORT_HOLIDAYS', /not a date YYYY-MM-DD/],
    [
      { CERTFLOW_DATABASE_URL: 'mysql://u:hunter2@db/x' },
      'CERTFLOW_DATABASE_URL',
      /"mysql:\/\/\*\*\*@db\/x" is neither/,
    ],
  ])('rejects %j naming %s and what it expects', (env, variable, message) => {
    let error: unknown;
    try {
      loadConfig(env, CWD);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
    expect((error as ConfigError).message).toMatch(message);
  });

  it("lists every variable, with its default, in the README's configuration table", () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const rows = readme
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    for (const variable of CONFIG_VARIABLES) {
      expect(rows).toContainEqual([`\`${variable.name}\``, variable.default, variable.description]);
    }
  });
});

describe('CERTFLOW_RELOAD_COMMAND', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-reload-config-'));
  const script = path.join(folder, 'reload-nginx');
  fs.writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const notExecutable = path.join(folder, 'notes.txt');
  fs.writeFileSync(notExecutable, 'not a program\n', { mode: 0o644 });
  const reloadCommand = (value: string | undefined, extra: NodeJS.ProcessEnv = {}) =>
    loadConfig({ CERTFLOW_RELOAD_COMMAND: value, ...extra }, folder).reloadCommand;

  it('unset, empty or blank means no reload: an empty argv, which the file deployer skips', () => {
    expect(reloadCommand(undefined)).toEqual([]);
    expect(reloadCommand('')).toEqual([]);
    expect(reloadCommand('  \t ')).toEqual([]);
  });

  it('splits at white space and keeps a program found on PATH by its name', () => {
    expect(
      reloadCommand(` ${NODE}   -e  0 `, { PATH: `/nowhere${path.delimiter}${path.dirname(process.execPath)}` }),
    ).toEqual([NODE, '-e', '0']);
  });

  it('resolves a relative path against the working folder', () => {
    expect(reloadCommand('./reload-nginx --now')).toEqual([script, '--now']);
    expect(reloadCommand(`${script} -s reload`)).toEqual([script, '-s', 'reload']);
  });

  it.each<[string, string, RegExp]>([
    [
      'a program not on PATH',
      'no-such-reloader -s reload',
      /program "no-such-reloader" is not found on PATH; give its full path/,
    ],
    ['a path that does not exist', '/no/such/nginx -s reload', /\/no\/such\/nginx is not an executable file/],
    ['a file that is not executable', './notes.txt', /notes\.txt is not an executable file/],
    ['a folder', folder, /is not an executable file/],
  ])('%s is refused at start-up, naming the variable and the fix', (_case, value, message) => {
    const load = () => reloadCommand(value, { PATH: path.dirname(process.execPath) });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^CERTFLOW_RELOAD_COMMAND: /);
    expect(load).toThrow(message);
  });
});

describe('JIRA_CONFIG_FILE', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-jira-config-'));
  const write = (name: string, text: string) => {
    const file = path.join(folder, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('R-MON-2: takes the site’s transitions, priorities and fields from the file, the variables winning over it', () => {
    const file = write('jira.yaml', fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'jira.yaml'), 'utf8'));
    const jira = loadConfig(
      { JIRA_CONFIG_FILE: file, JIRA_EMAIL: 'certflow@example.com', JIRA_API_TOKEN: 'token', JIRA_PROJECT: 'OPS' },
      CWD,
    ).jira;
    expect(jira?.config).toMatchObject({
      flavour: 'cloud',
      host: 'example.atlassian.net',
      projectKey: 'OPS',
      transitions: { 'in-progress': 'In Progress', done: 'Done', rejected: 'Declined' },
      reassignOnEscalation: true,
      customFields: {
        renewalDeadline: { id: 'customfield_10042', type: 'date' },
        changeWindowStart: { id: 'customfield_10050', type: 'datetime' },
      },
      auth: { kind: 'basic', email: 'certflow@example.com', apiToken: 'token' },
    });
    expect(loadConfig({ JIRA_CONFIG_FILE: file, JIRA_PAT: 'x', JIRA_FLAVOUR: 'data-center' }, CWD).jiraStandIn).toBe(
      undefined,
    );
  });

  it.each([
    ['a missing file', () => path.join(folder, 'missing.yaml'), /^JIRA_CONFIG_FILE: cannot read .*missing\.yaml/],
    ['a file that is not YAML', () => write('broken.yaml', 'transitions: [unclosed'), /is not YAML or JSON/],
    ['a list', () => write('list.yaml', '- a\n- b\n'), /must hold a mapping of Jira settings/],
    [
      'an unknown setting',
      () => write('unknown.yaml', 'host: x.atlassian.net\nprojectKey: CHG\ntransitons: {}\n'),
      /^JIRA_CONFIG_FILE: invalid Jira configuration[\s\S]*transitons/,
    ],
  ])('refuses %s, naming the variable', (_, file, message) => {
    expect(() => loadConfig({ JIRA_CONFIG_FILE: file(), JIRA_EMAIL: 'a@b.c', JIRA_API_TOKEN: 't' }, CWD)).toThrow(
      message,
    );
  });
});

describe('readPolicyFile', () => {
  it('gives NIST defaults without a file, and names the setting and the file when it cannot be read', async () => {
    expect(await readPolicyFile(undefined, 'CERTFLOW_POLICY_FILE')).toBe(DEFAULT_POLICY);
    await expect(readPolicyFile('/nonexistent/policy.yaml', '--policy')).rejects.toThrow(
      /^--policy: cannot read policy file \/nonexistent\/policy\.yaml: ENOENT/,
    );
  });
});
