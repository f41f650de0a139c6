#!/usr/bin/env node
import { readReportCommand, runReport } from './commands/report';
import { PortInUseError } from '../adapters/shared/port-in-use-error';
import {
  CampaignNotFoundError,
  CampaignRefusedError,
  CampaignTimeoutError,
} from '../core/application/campaign-operations';
import {
  InvalidRequestIdError,
  LifecycleRequestFailedError,
  LifecycleTimeoutError,
  SearchAttributesMissingError,
  TemporalUnavailableError,
} from '../core/application/lifecycle-errors';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../core/ports/lifecycle-port';
import { ManagedCertificateNotFoundError } from '../core/application/resolve-managed-certificate';
import { InvalidDurationError, parseDuration } from '../core/domain/duration';
import { MetadataHeaderError } from '../core/domain/inventory/metadata-row';
import { PolicyFileError } from '../core/domain/policy/load-policy';
import {
  AmbiguousIdError,
  InventoryDatabaseError,
  InventoryInputError,
  UnknownCertificateError,
} from '../core/ports/inventory-errors';
import { loadConfig } from '../runtime/config';
import { PayloadAuthenticationError, UnknownPayloadKeyError } from '../runtime/payload-codec';
import { ConfigError } from '../runtime/config-error';
import { DataDirInUseError, DevServerStartError } from '../runtime/dev-server';
import { SearchAttributeConflictError } from '../runtime/search-attributes';
import { TemporalToolsMissingError } from '../runtime/temporal-tools';
import { AUDIT_OPTIONS, inventoryAuditLog, runAudit } from './commands/audit';
import { askOnTerminal, runCampaign, runCampaignOn } from './commands/campaign';
import { readCampaignCommand } from './commands/campaign-command-line';
import { runCanary } from './commands/canary';
import { GROUP_OPTIONS, runGroups, runGroupsRead, runGroupsWrite } from './commands/groups';
import { DISCOVER_OPTIONS, readDiscoverCommand, runDiscover } from './commands/discover';
import { readDiscoverScheduleCommand, runDiscoverSchedule } from './commands/discover-schedule';
import { DiscoveryScheduleExistsError, DiscoveryScheduleNotFoundError } from '../core/application/discovery-schedules';
import { IMPORT_OPTIONS, readImportCommand, runImport } from './commands/import';
import { ApiLoginRefusedError, ApiRequestError, ApiUnreachableError } from './api-client';
import { runImportThroughApi } from './api-import';
import {
  apiAuditLog,
  apiCampaignTarget,
  apiCertificates,
  apiClientFor,
  apiLifecycleActions,
  apiOwnerGroups,
  apiOwnerGroupWriter,
  apiServesFilter,
  countThroughApi,
  findingsThroughApi,
  NoApiRouteError,
  operatorCommandLine,
  operatorModeLine,
  searchThroughApi,
} from './api-mode';
import { CredentialsFileError, readCredentials } from './credentials';
import {
  askSecretOnTerminal,
  LOGIN_OPTIONS,
  readProcessStdin,
  runLogin,
  runLogout,
  runWhoami,
  SESSION_OPTIONS,
} from './commands/login';
import {
  APPROVE_OPTIONS,
  directLifecycleActions,
  LIFECYCLE_STATUS_OPTIONS,
  LIFECYCLE_SYNC_OPTIONS,
  REJECT_OPTIONS,
  RENEW_OPTIONS,
  REVOKE_OPTIONS,
  runDecision,
  runLifecycleStatus,
  runLifecycleSync,
  runRenew,
  runRevoke,
  type LifecycleActions,
  type LifecycleCommandContext,
} from './commands/lifecycle';
import {
  LIST_OPTIONS,
  printCertificateCounts,
  printCertificatePage,
  printFindingsPage,
  readListRequest,
  runList,
} from './commands/list';
import { POLICY_OPTIONS, runPolicy } from './commands/policy';
import { CertificateNotFoundError, runShow, SHOW_OPTIONS } from './commands/show';
import { runStart } from './commands/start';
import { runTokens, TOKENS_OPTIONS, TOKENS_USAGE } from './commands/tokens';
import { ApiTokenExistsError } from '../core/ports/api-token-store';
import { TemporalUnreachableError, UsageError } from './errors';
import { cliActor, openInventoryContext } from './inventory-context';
import { connectLifecycles, type LifecycleConnector } from './lifecycle-connection';
import { parseCommandLine } from './options';
import { processOutput, READER_GONE_EXIT, ReaderGoneError } from './process-output';

/** Text of `certflow help`. */
export const HELP = `certflow: keeps TLS certificates from expiring or staying compromised

Usage: certflow <command> [options]     (from a clone: npm run certflow -- <command> [options])

Run certflow:
  start                  run certflow: the embedded Temporal dev server (unless TEMPORAL_ADDRESS is set) and the worker
  worker                 run only the worker, against TEMPORAL_ADDRESS (default 127.0.0.1:TEMPORAL_PORT)
  canary [options]       run a timer canary workflow: proves timers, the worker and activities work end to end
      --sleep <duration>   how long its durable timer runs (default 5s; e.g. 30s, 10m, 90d)
      --label <text>       free text kept in the result
      --no-wait            print the workflow id and return at once
  help                   show this text

Inventory:
  import <path>... [options]   import PEM/DER/PKCS#7/PKCS#12 files and folders (recursively); idempotent; starts
                               the lifecycles of new certificates when certflow is running
      --password <pw>          PKCS#12 password to try (repeatable); --password-env <VAR> reads one from a variable
      --metadata <csv>         merge a metadata CSV: fingerprint or endpoint, owner_group, contacts, approvers,
                               locations, system_type, application, regulations, tags (lists separated by ;)
      --owner <group>  --tag <tag>  --application <name>   metadata for every imported certificate
      --host <name>            host the imported files live on (recorded in their file locations)
  discover <host:ports>... [options]   scan TLS endpoints (only those given) and import what they serve; re-check
                               them (R-MON-6) and start lifecycles as import does. A target: host:443,8443,
                               10.0.0.0/24:443, [2001:db8::1]:443, 10.0.0.5:443=www.example.com (SNI names),
                               mail.example.com:25/smtp (STARTTLS: smtp imap pop3 ldap postgres)
      --targets-file <file>    more targets, separated by spaces or lines (# comments)
      --ports 443,8443         ports of targets written without them
      --concurrency <n> (64)  --connect-timeout <d> (5s)  --handshake-timeout <d> (10s)  --rate <n>/s
      --trust-store <pem>      CA bundle the chains are judged against (default: the system's roots)
      --max-addresses <n>      refuse targets covering more addresses (default 65536)
  discover schedule create <name> --every <d> <targets>... [discover's options]   scan on a Temporal Schedule in
                               the worker (discovery:<name>); findings go to owner groups, unowned ones to security
  discover schedule list | show <name> | pause <name> [--reason <text>] | unpause <name> | trigger <name> | delete <name>
  report monthly [--month YYYY-MM] [--group <id>] [--output <file.csv>] [--json]   the monthly report (R-MON-5):
                               certificates expiring within 120 days with their plan, as CSV
  report monthly --send-now [--month YYYY-MM]   the worker sends the month's reports now (once per group and month)
  list [filters]               certificates, soonest expiry first (--limit 50 --offset 0, --sort expiry|subject|first-seen)
      --expiring-within <d>    notAfter before now + d (e.g. 30d), expired ones included
      --owner <group> | --unowned   --issuer <text>  --subject <text>  --san <text>  --search <text>
      --weak  --violations  --compliant  --rule R-POL-n   policy state
      --ca  --role end-entity|intermediate|root  --key-algorithm RSA|EC|…  --key-size-below <bits>
      --signature-hash SHA-1|…  --application <name>  --tag <tag>  --regulation <name>  --host <name>
      --folder <path>  --group-by owner|application|folder|issuer|key-algorithm  --revoked (recorded revoked)
  list --findings [--resolved] [--kind <kind>] [--host <h>]   network discovery's findings, most urgent first
  show <id|fingerprint>        every field, metadata and policy result of one certificate (--pem for the PEM)
  groups list | show <id> | create <id> | update <id>     owner groups (R-OWN-1); create/update options:
      --name <text> --approver <person>... --contact <person>... --management <person>
      --incident-response <person> --slack-channel <id> --slack-usergroup <id (owners)>
      --slack-approver-usergroup <id (approvers)> --jira-group <name> --jira-project <key>
      --reminder-days 90,60,30 --auto-renew on|off
      --issuer <internal|acme:name>   the issuer that renews the group's certificates ("" clears it)
      --if-missing             (create) a group that exists already is left as it is, exit 0
      (a person: alice@example.com, "Alice <alice@example.com>", slack:U024BE7LH, jira:<account id>)
  policy check | show          re-evaluate every certificate against the policy (--policy <file>); exit 1 on violations
  audit list | export          the audit log; export --format jsonl|csv [--output <file>]; filters --action
                               --actor --subject --since <date|7d> --until <date|7d>
  tokens create --actor <principal> --name <name> [--expires 90d] | list | revoke <name>
                               HTTP API bearer tokens: the secret is shown once; roles come from the server

Logging in (act through a certflow server's HTTP API as a token's principal; the server decides what you may do):
  login <url> [--token-stdin]  check an API token (typed when asked, or piped in) and keep it for the commands below
                               (in $XDG_CONFIG_HOME/certflow/credentials.json, mode 0600); import, list, show,
                               groups, audit, campaign and the lifecycle commands then go through the API; a few
                               options are refused (import --metadata|--policy|--openssl-ca|
                               --internal-ca); the operator's commands (start, worker, discover, report,
                               policy, tokens, lifecycle sync, canary) act on this machine and say so
  logout                       forget the login (the token stays valid until certflow tokens revoke)
  whoami                       who you act as: the token's principal, or CERTFLOW_ACTOR in operator mode

Lifecycles (need certflow running; logged in, you act as the token's principal, else directly on Temporal as
CERTFLOW_ACTOR, default user:<login>: operator mode, for the worker's machine):
  lifecycle sync               start the lifecycle of every managed certificate that has none (--concurrency 32)
  lifecycle status <id>        state, dated plan, open request, ticket and last records of one lifecycle
  renew <id> [--reason <text>] ask for a renewal; an approver of the owner group decides
  approve <request> [--note <text>]   approve a request (its id looks like 3f2a9c1e0b7d4a65.1.2)
  reject <request> --reason <text>   reject a request, saying what to fix
  revoke <id> --reason <text> --revocation-reason keyCompromise|cACompromise|affiliationChanged|superseded|
         cessationOfOperation|unspecified [--no-replace]   ask for a revocation (replaced first unless --no-replace)
  (<id>: a managed certificate id, or the id, fingerprint or an 8+ digit prefix of any of its versions)

Crypto-agility campaigns (need certflow running; security leads and admins only, except status, report and list):
  campaign preview <selector>...   how many certificates and owner groups a selector hits (by group, issuer, expiry)
  campaign start <selector>... --reason <text>   replace every selected certificate through the renewal path
      --kind ca-compromise|algorithm-deprecation|weak-key|key-generation-bug|other (default other)
      --title <text>  --deadline <2d|48h|ISO instant> (default 2d)  --no-emergency (owner groups approve)
      --parallel <n> (default 50)  --max-attempts <n> (default 3)  --channel <Slack channel id>
      --issuer <internal|acme:name>   renew every member there (away from a compromised CA); preview takes it too
      --yes                    start without typing the count (needed when not on a terminal)
      (<selector>: key=value as in Slack, e.g. issuer="CN=Old Issuing CA" sig=sha1 'key-size<2048' group=payments,web,
       or --selector-file <file.json> with the selector as JSON)
  campaign status [<campaign id>] [--watch]   the running campaigns, or one with its groups and laggards; --watch
                               redraws until it ends (exit 1 when it ends cancelled or with failed members)
  campaign pause <campaign id> --reason <text> | resume <campaign id> | cancel <campaign id> --reason <text>
  campaign report <campaign id> [--format markdown|csv] [--output <file>]   (--json: the summary)
  campaign list [--limit 50]   campaigns, newest first

Every command takes --json for scripts (except start and worker) and exits 0 on success, 1 when some items failed
or a request was refused, 2 on a bad command line or configuration. Configuration comes from environment variables;
see the README.`;

/** Process exit codes: 0 success, 1 failure, 2 bad command line or configuration, 141 the output's reader went away. */
export const EXIT = { ok: 0, failure: 1, usage: 2, readerGone: READER_GONE_EXIT } as const;

const CANARY_OPTIONS = {
  sleep: { type: 'string', default: '5s' },
  label: { type: 'string', default: '' },
  'no-wait': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** Every command `certflow` takes besides help. */
export const COMMANDS = [
  'start',
  'worker',
  'canary',
  'import',
  'discover',
  'report',
  'list',
  'show',
  'groups',
  'policy',
  'audit',
  'tokens',
  'login',
  'logout',
  'whoami',
  'lifecycle',
  'renew',
  'approve',
  'reject',
  'revoke',
  'campaign',
];

/** What a command line needs from the process: output streams, environment and working directory. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Writes progress bars (stderr on a terminal); absent when output is not interactive. */
  progress?: (text: string) => void;
  columns?: number;
  /** The clock, injectable for tests. */
  now?: () => Date;
  /** How lifecycle commands reach Temporal; tests inject their own. */
  connectLifecycles?: LifecycleConnector;
  /** Reads all of stdin (`login --token-stdin`). */
  readStdin?: () => Promise<string>;
  /** Asks on the terminal without echo (login's token); absent when stdin is not a terminal. */
  askSecret?: (question: string) => Promise<string>;
  /** Asks on the terminal (campaign start's confirmation); absent when stdin is not a terminal. */
  ask?: (question: string) => Promise<string>;
  /** Waits between `campaign status --watch` polls; false once interrupted. Default: a timer and Ctrl-C. */
  tick?: (ms: number) => Promise<boolean>;
  /** Stops `start` and `worker` in order, as Ctrl-C does (their output's reader went away). */
  stop?: AbortSignal;
}

async function withInventory<T>(
  io: CliIo,
  policyFile: string | undefined,
  work: (context: LifecycleCommandContext) => Promise<T>,
): Promise<T> {
  const config = loadConfig(io.env, io.cwd);
  const context = await openInventoryContext(config, io.env, policyFile);
  try {
    return await work({ ...context, config, connect: io.connectLifecycles ?? connectLifecycles });
  } finally {
    await context.store.close();
  }
}

/** Acts directly on Temporal and the inventory as the configured actor (operator mode), saying so on stderr. */
async function withOperatorInventory<T>(io: CliIo, work: (context: LifecycleCommandContext) => Promise<T>): Promise<T> {
  return await withInventory(io, undefined, async (context) => {
    io.err(operatorModeLine(io.env, context.actor));
    return await work(context);
  });
}

/** Runs an operator's command on this machine's inventory, saying so on stderr when logged in to a server. */
async function withOperatorCommand<T>(
  io: CliIo,
  command: string,
  policyFile: string | undefined,
  work: (context: LifecycleCommandContext) => Promise<T>,
): Promise<T> {
  return await withInventory(io, policyFile, async (context) => {
    const note = operatorCommandLine(io.env, command, context.actor);
    if (note !== null) io.err(note);
    return await work(context);
  });
}

/** Runs a lifecycle command through the login's API when logged in, else directly. */
async function withLifecycleActions<T>(io: CliIo, work: (actions: LifecycleActions) => Promise<T>): Promise<T> {
  const api = apiClientFor(io);
  if (api !== null) return await work(apiLifecycleActions(api));
  return await withOperatorInventory(io, (context) => work(directLifecycleActions(context)));
}

/** Runs `lifecycle`, `renew`, `approve`, `reject` and `revoke`; returns false when some items failed. */
async function runLifecycleCommand(command: string, rest: string[], io: CliIo): Promise<boolean> {
  const now = io.now?.() ?? new Date();
  switch (command) {
    case 'lifecycle': {
      const action = rest[0];
      if (action === 'sync') {
        const { values } = parseCommandLine(rest.slice(1), LIFECYCLE_SYNC_OPTIONS);
        return withOperatorInventory(io, (context) => runLifecycleSync(values, context, io));
      }
      if (action === 'status') {
        const { values, positionals } = parseCommandLine(rest.slice(1), LIFECYCLE_STATUS_OPTIONS, {
          min: 1,
          max: 1,
          usage: 'certflow lifecycle status <id> [--json]',
        });
        await withLifecycleActions(io, (actions) => runLifecycleStatus(positionals[0] ?? '', values, actions, io, now));
        return true;
      }
      throw new UsageError(
        `${action === undefined ? 'certflow lifecycle needs an action' : `unknown lifecycle action "${action}"`}; ` +
          'use certflow lifecycle sync | status <id>',
      );
    }
    case 'renew': {
      const { values, positionals } = parseCommandLine(rest, RENEW_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow renew <id> [--reason <text>] [--json]',
      });
      await withLifecycleActions(io, (actions) => runRenew(positionals[0] ?? '', values, actions, io));
      return true;
    }
    case 'approve': {
      const { values, positionals } = parseCommandLine(rest, APPROVE_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow approve <request id> [--note <text>] [--json]',
      });
      await withLifecycleActions(io, (actions) => runDecision('approve', positionals[0] ?? '', values, actions, io));
      return true;
    }
    case 'reject': {
      const { values, positionals } = parseCommandLine(rest, REJECT_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow reject <request id> --reason <text> [--json]',
      });
      await withLifecycleActions(io, (actions) => runDecision('reject', positionals[0] ?? '', values, actions, io));
      return true;
    }
    default: {
      const { values, positionals } = parseCommandLine(rest, REVOKE_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow revoke <id> --reason <text> --revocation-reason <reason> [--no-replace] [--json]',
      });
      await withLifecycleActions(io, (actions) => runRevoke(positionals[0] ?? '', values, actions, io));
      return true;
    }
  }
}

/** Runs one inventory command; returns false when some items failed. */
async function runInventoryCommand(command: string, rest: string[], io: CliIo): Promise<boolean> {
  const now = io.now?.() ?? new Date();
  switch (command) {
    case 'import': {
      const { values, positionals } = parseCommandLine(rest, IMPORT_OPTIONS, {
        min: 0,
        max: Infinity,
        usage: 'certflow import <file or folder>...',
      });
      const parsed = readImportCommand(positionals, values, io.env);
      // The server judges uploads by its own policy file.
      const api = apiClientFor(io, values.policy === undefined ? undefined : 'import --policy');
      if (api !== null) return await runImportThroughApi(parsed, api, io);
      return withInventory(io, values.policy, (context) => runImport(parsed, context, io));
    }
    case 'discover': {
      if (rest[0] === 'schedule') {
        const parsed = readDiscoverScheduleCommand(io.cwd, rest.slice(1));
        await withOperatorCommand(io, 'discover schedule', undefined, (context) =>
          runDiscoverSchedule(parsed, context, io),
        );
        return true;
      }
      const { values, positionals } = parseCommandLine(rest, DISCOVER_OPTIONS, {
        min: 0,
        max: Infinity,
        usage: 'certflow discover <host:ports>... [--targets-file <file>]',
      });
      const parsed = readDiscoverCommand(io.cwd, positionals, values);
      return withOperatorCommand(io, 'discover', undefined, (context) => runDiscover(parsed, context, io));
    }
    case 'report': {
      const parsed = readReportCommand(io.cwd, rest);
      await withOperatorCommand(io, 'report', undefined, (context) => runReport(parsed, context, io));
      return true;
    }
    case 'list': {
      const request = readListRequest(parseCommandLine(rest, LIST_OPTIONS).values, now);
      const api = apiClientFor(
        io,
        request.findings || apiServesFilter(request.filter) ? undefined : 'this filter of certflow list',
      );
      if (api !== null && request.groupBy) {
        printCertificateCounts(await countThroughApi(api, request.groupBy, request.filter), request, io);
        return true;
      }
      if (api !== null && request.findings) {
        const page = await findingsThroughApi(api, request.findings, request.page);
        printFindingsPage(page, request.findings, request, io);
        return true;
      }
      if (api !== null) {
        printCertificatePage(await searchThroughApi(api, request.filter, request.page), request, io, now);
        return true;
      }
      await withInventory(io, undefined, (context) => runList(request, context, io, now));
      return true;
    }
    case 'show': {
      const { values, positionals } = parseCommandLine(rest, SHOW_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow show <id or fingerprint> [--json] [--pem]',
      });
      const api = apiClientFor(io);
      if (api !== null) {
        await runShow(positionals[0] ?? '', values, apiCertificates(api), io, now);
        return true;
      }
      await withInventory(io, undefined, (context) => runShow(positionals[0] ?? '', values, context.store, io, now));
      return true;
    }
    case 'groups': {
      const { values, positionals } = parseCommandLine(rest, GROUP_OPTIONS, {
        min: 1,
        max: 2,
        usage: 'certflow groups list | show <id> | create <id> [options] | update <id> [options]',
      });
      const [action = 'list', id] = positionals;
      const api = apiClientFor(io);
      if (api !== null && (action === 'list' || action === 'show')) {
        await runGroupsRead(action, id, values, apiOwnerGroups(api), io);
        return true;
      }
      if (api !== null) {
        await runGroupsWrite(action, id, values, apiOwnerGroupWriter(api), io);
        return true;
      }
      await withInventory(io, undefined, (context) => runGroups(action, id, values, context, io));
      return true;
    }
    case 'policy': {
      const { values, positionals } = parseCommandLine(rest, POLICY_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow policy check | show [--policy <file>] [--json]',
      });
      return withOperatorCommand(io, 'policy', values.policy, (context) =>
        runPolicy(positionals[0] ?? '', values, context, io),
      );
    }
    case 'tokens': {
      const { values, positionals } = parseCommandLine(rest, TOKENS_OPTIONS, { min: 1, max: 2, usage: TOKENS_USAGE });
      const [action = '', name] = positionals;
      return withOperatorCommand(io, 'tokens', undefined, (context) =>
        runTokens(action, name, values, context, io, now),
      );
    }
    default: {
      const { values, positionals } = parseCommandLine(rest, AUDIT_OPTIONS, {
        min: 1,
        max: 1,
        usage: 'certflow audit list | export [--format jsonl|csv] [--output <file>] [filters]',
      });
      const api = apiClientFor(io);
      if (api !== null) {
        await runAudit(positionals[0] ?? '', values, apiAuditLog(api), io, now);
        return true;
      }
      await withInventory(io, undefined, (context) =>
        runAudit(positionals[0] ?? '', values, inventoryAuditLog(context.store), io, now),
      );
      return true;
    }
  }
}

/** Runs `login`, `logout` and `whoami`. */
async function runSessionCommand(command: 'login' | 'logout' | 'whoami', rest: string[], io: CliIo): Promise<void> {
  if (command === 'login') {
    const { values, positionals } = parseCommandLine(rest, LOGIN_OPTIONS, {
      min: 1,
      max: 2,
      usage: 'certflow login <url> [--token-stdin] [--json]',
    });
    await runLogin(positionals[0] ?? '', positionals.slice(1), values, io);
    return;
  }
  const { values } = parseCommandLine(rest, SESSION_OPTIONS);
  if (command === 'logout') runLogout(values, io);
  else await runWhoami(values, io, () => cliActor(io.env, loadConfig(io.env, io.cwd).actor).actor);
}

/** Runs one certflow command line and returns the process exit code; errors are printed, never thrown. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command = 'help', ...rest] = argv;
  try {
    if (command === 'help' || command === '--help' || command === '-h') {
      io.out(HELP);
      return EXIT.ok;
    }
    if (!COMMANDS.includes(command)) {
      throw new UsageError(`unknown command "${command}"; commands are ${COMMANDS.join(', ')} and help`);
    }
    if (command === 'canary') {
      const { values } = parseCommandLine(rest, CANARY_OPTIONS);
      const sleepMs = parseDuration(values.sleep);
      await runCanary({
        config: loadConfig(io.env, io.cwd),
        sleepMs,
        label: values.label,
        wait: !values['no-wait'],
        json: values.json,
        out: io.out,
      });
      return EXIT.ok;
    }
    if (command === 'start' || command === 'worker') {
      parseCommandLine(rest, {});
      await runStart({
        config: loadConfig(io.env, io.cwd),
        workerOnly: command === 'worker',
        out: io.out,
        ...(io.stop === undefined ? {} : { stop: io.stop }),
      });
      return EXIT.ok;
    }
    if (command === 'login' || command === 'logout' || command === 'whoami') {
      await runSessionCommand(command, rest, io);
      return EXIT.ok;
    }
    if (command === 'campaign') {
      const parsed = readCampaignCommand(rest, io.now?.() ?? new Date());
      const api = apiClientFor(io);
      const succeeded =
        api !== null
          ? await runCampaignOn(parsed, apiCampaignTarget(api, readCredentials(io.env)?.actor ?? ''), io)
          : await withOperatorInventory(io, (context) => runCampaign(parsed, context, io));
      return succeeded ? EXIT.ok : EXIT.failure;
    }
    const lifecycleCommand = ['lifecycle', 'renew', 'approve', 'reject', 'revoke'].includes(command);
    const succeeded = lifecycleCommand
      ? await runLifecycleCommand(command, rest, io)
      : await runInventoryCommand(command, rest, io);
    return succeeded ? EXIT.ok : EXIT.failure;
  } catch (error) {
    // Nobody reads any more: nothing to say, and no stack to show.
    if (error instanceof ReaderGoneError) return EXIT.readerGone;
    const usage =
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof InvalidDurationError ||
      error instanceof PolicyFileError ||
      error instanceof MetadataHeaderError ||
      error instanceof InventoryInputError ||
      error instanceof InvalidRequestIdError ||
      (error instanceof ApiRequestError && error.status === 400);
    if (usage) {
      io.err(`certflow: ${error.message}`);
      return EXIT.usage;
    }
    const known =
      error instanceof TemporalUnreachableError ||
      error instanceof TemporalToolsMissingError ||
      error instanceof PortInUseError ||
      error instanceof DataDirInUseError ||
      error instanceof DevServerStartError ||
      error instanceof SearchAttributeConflictError ||
      error instanceof InventoryDatabaseError ||
      error instanceof AmbiguousIdError ||
      error instanceof UnknownCertificateError ||
      error instanceof CertificateNotFoundError ||
      error instanceof LifecycleRefusedError ||
      error instanceof LifecycleNotFoundError ||
      error instanceof LifecycleRequestFailedError ||
      error instanceof LifecycleTimeoutError ||
      error instanceof ManagedCertificateNotFoundError ||
      error instanceof SearchAttributesMissingError ||
      error instanceof CampaignRefusedError ||
      error instanceof CampaignNotFoundError ||
      error instanceof CampaignTimeoutError ||
      error instanceof TemporalUnavailableError ||
      error instanceof DiscoveryScheduleNotFoundError ||
      error instanceof DiscoveryScheduleExistsError ||
      error instanceof ApiTokenExistsError ||
      error instanceof ApiRequestError ||
      error instanceof ApiLoginRefusedError ||
      error instanceof ApiUnreachableError ||
      error instanceof NoApiRouteError ||
      error instanceof CredentialsFileError ||
      error instanceof UnknownPayloadKeyError ||
      error instanceof PayloadAuthenticationError;
    io.err(`certflow: ${known ? (error as Error).message : String((error as Error).stack ?? error)}`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  // A one-shot command stops at its next line once its reader goes away (`certflow audit export | head -2`);
  // start and worker keep their lines to themselves and shut down in order, as on Ctrl-C.
  const longRunning = process.argv[2] === 'start' || process.argv[2] === 'worker';
  const readerGone = new AbortController();
  const output = processOutput(process.stdout, process.stderr, {
    whenGone: longRunning ? 'drop' : 'throw',
    onGone: () => {
      process.exitCode = EXIT.readerGone;
      readerGone.abort();
    },
  });
  void main(process.argv.slice(2), {
    out: output.out,
    err: output.err,
    env: process.env,
    cwd: process.cwd(),
    progress: process.stderr.isTTY ? (text) => process.stderr.write(text) : undefined,
    columns: process.stderr.columns,
    ask: process.stdin.isTTY ? askOnTerminal : undefined,
    askSecret: process.stdin.isTTY ? askSecretOnTerminal : undefined,
    readStdin: readProcessStdin,
    stop: readerGone.signal,
  }).then((code) => {
    process.exitCode = output.readerGone ? EXIT.readerGone : code;
  });
}
