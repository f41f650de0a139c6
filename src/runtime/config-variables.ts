/** The option table: every environment variable certflow reads, with its default and meaning (the README's table). */

/** Log levels of the Temporal runtime logger. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

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
    name: 'CERTFLOW_WORKER_CACHED_WORKFLOWS',
    default: '(unset: 1/64 of the heap at 0.25 MiB each)',
    description:
      'workflows the worker keeps in memory between their tasks (0: none); parked lifecycles beyond it cost no memory',
  },
  {
    name: 'CERTFLOW_WORKER_WORKFLOW_TASKS',
    default: '40',
    description: 'workflow tasks one worker runs at once (at most CERTFLOW_WORKER_CACHED_WORKFLOWS)',
  },
  {
    name: 'CERTFLOW_WORKER_ACTIVITIES',
    default: '100',
    description: 'activities one worker runs at once',
  },
  {
    name: 'CERTFLOW_CAMPAIGN_CHANNEL',
    default: '(unset: none)',
    description: 'Slack channel id (C…) of campaign progress messages when a launch names no channel',
  },
  {
    name: 'CERTFLOW_SECURITY_CHANNEL',
    default: '(unset: security leads only)',
    description: 'Slack channel id (C…) where scheduled discovery announces new certificates nobody owns',
  },
  {
    name: 'CERTFLOW_MONTHLY_REPORT_HOUR',
    default: '8',
    description:
      "hour (0-23, in the report's time zone) of the daily check that sends the monthly report on the first working day",
  },
  {
    name: 'CERTFLOW_MONTHLY_REPORT_TIME_ZONE',
    default: 'UTC',
    description: "IANA time zone of the monthly report's working days, e.g. Europe/Berlin",
  },
  {
    name: 'CERTFLOW_MONTHLY_REPORT_HOLIDAYS',
    default: '(unset: none)',
    description: 'holidays the monthly report skips, YYYY-MM-DD, comma-separated',
  },
  {
    name: 'CERTFLOW_SLACK_STAND_IN_PORT',
    default: '3001',
    description: "port of that stand-in's page and Web API (0 picks a free one)",
  },
  {
    name: 'CERTFLOW_DNS_SERVERS',
    default: "(unset: the system's resolvers)",
    description: 'DNS servers CAA lookups ask (R-CAA-1), `host:port` each, comma-separated',
  },
  {
    name: 'CERTFLOW_CAA_IDENTITY',
    default: "(unset: each certificate's renewing issuer's)",
    description:
      "CAA issuer domain `certflow policy check` checks every managed name's CAA against, e.g. `letsencrypt.org`",
  },
  {
    name: 'CERTFLOW_ISSUERS_FILE',
    default: '(unset: the internal CA only)',
    description:
      'YAML/JSON of the ACME issuers `acme:<name>` and the default issuer (see examples/certflow-issuers.yaml)',
  },
  {
    name: 'CERTFLOW_DNS_UPDATE_ZONES',
    default: '(unset: no DNS-01)',
    description:
      'DNS-01 zones for RFC 2136 updates, `;`-separated: `<zone> <host:port> <TSIG key name> <base64 secret> [tcp/udp]`',
  },
  {
    name: 'CERTFLOW_PAYLOAD_KEYS',
    default: '(unset: payloads in clear)',
    description:
      'Temporal payload keys `<id>:<base64 of 32 bytes>,…` (`openssl rand -base64 32`): the first encrypts, all decrypt',
  },
  {
    name: 'CERTFLOW_PAYLOAD_KEY',
    default: '(unset)',
    description:
      'one payload key, `<base64>` (id `default`) or `<id>:<base64>`; with CERTFLOW_PAYLOAD_KEYS it only decrypts',
  },
  {
    name: 'CERTFLOW_CODEC_TOKEN',
    default: '(unset: no codec endpoint)',
    description: "bearer token of `/codec/encode` and `/codec/decode`, the Web UI's remote codec (16+ characters)",
  },
  {
    name: 'CERTFLOW_CODEC_CORS_ORIGINS',
    default: 'http://localhost:<TEMPORAL_UI_PORT>',
    description:
      "browser origins allowed to call the codec endpoint (the Web UI's); by default also its 127.0.0.1 twin",
  },
];
