import { configuredIssuerNames } from '../../adapters/acme/acme-issuers-config';
import { API_PREFIX, createApiMount } from '../../adapters/api/api-app';
import { SqlApiTokenStore } from '../../adapters/database/sql-api-token-store';
import { SqlDiscoveryStore } from '../../adapters/database/sql-discovery-store';
import { createApiImporter } from '../../runtime/api-importer';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp, SlackStartError } from '../../adapters/slack/app';
import { createCampaignClient } from '../../core/application/campaign-client';
import type { CampaignOperations } from '../../core/application/campaign-operations';
import { createLifecycleClient, type LifecycleClient } from '../../core/application/lifecycle-client';
import { createMonthlyReports } from '../../core/application/monthly-reports';
import { ensureRenewalInfoSchedule, renewalWindowSignals } from '../../core/application/renewal-info-checks';
import { SqlExpiringCertificates } from '../../adapters/database/sql-expiring-certificates';
import type { HttpHandler, HttpMount } from '../../adapters/shared/http';
import { redactDatabaseUrl } from '../../adapters/database/database';
import {
  DEMO_CHANGE_WINDOW_FIELD,
  DEMO_JIRA_PROJECT,
  type DemoJira,
  startDemoJira,
} from '../../adapters/jira/stand-in/demo-jira';
import { type ChangeTicketPoller, startChangeTicketPoller } from '../../adapters/jira/change-ticket-poller';
import { parseJiraConfig } from '../../adapters/jira/jira-config';
import { createJiraWebhookMount, JIRA_WEBHOOK_PATH } from '../../adapters/jira/webhook/jira-webhook-endpoint';
import {
  DEMO_CHANNEL,
  type DemoSlack,
  ensureDemoOwnerGroup,
  startDemoSlack,
} from '../../adapters/slack/stand-in/demo-workspace';
import type { CertflowConfig } from '../../runtime/config';
import type { JiraSettings } from '../../runtime/config-jira';
import { startDevServer, type DevServer } from '../../runtime/dev-server';
import { payloadDataConverter } from '../../runtime/payload-codec';
import { ensureSearchAttributes, SearchAttributeConflictError } from '../../runtime/search-attributes';
import { repoRoot, resolveTemporalServer, TemporalToolsMissingError } from '../../runtime/temporal-tools';
import { bootstrapEndpointCertificates, openCertflowServices, type CertflowServices } from '../../runtime/services';
import { createCertflowWorker, processWorkerCapacity } from '../../runtime/worker';
import { createDiscoveryScans } from '../../runtime/discovery-scans';
import { createDashboard, DASHBOARD_PREFIXES } from '../../runtime/dashboard';
import { TemporalUnreachableError } from '../errors';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Options of {@link runStart}. */
export interface StartOptions {
  config: CertflowConfig;
  /** Run only the worker against config.temporalAddress (the container mode), never the embedded dev server. */
  workerOnly: boolean;
  out: (line: string) => void;
  /** Stops certflow in order, as Ctrl-C does (the reader of its output went away). */
  stop?: AbortSignal;
}

/**
 * Gives the demo endpoints a first certificate, then starts a lifecycle for every managed certificate that lacks one
 * (`certflow lifecycle sync`). Failures are reported and leave the worker running: a sync can be run by hand.
 */
async function startLifecycles(input: {
  services: CertflowServices;
  lifecycles: LifecycleClient;
  out: (line: string) => void;
}): Promise<void> {
  const { services, out } = input;
  try {
    const demoGroup = await services.store.getOwnerGroup('demo');
    const bootstrapped = await bootstrapEndpointCertificates(services, {
      ownerGroup: demoGroup?.id ?? null,
      lifetimeDays: 90,
      now: new Date(),
    });
    for (const address of bootstrapped) out(`issued a first certificate for the TLS endpoint ${address}`);
    const report = await input.lifecycles.syncLifecycles();
    out(
      `lifecycles: ${report.started} started, ${report.alreadyRunning} already running` +
        (report.failed.length > 0 ? `, ${report.failed.length} failed (first: ${report.failed[0]?.reason})` : ''),
    );
    if (services.rolesChanged && report.alreadyRunning > 0) {
      // Running lifecycles hold the roster they read; security leads or admins changed, so they read it again.
      const told = await input.lifecycles.notifyInputsChanged(
        { all: true },
        { reason: 'roles', by: 'certflow worker' },
      );
      out(`roles changed: ${told.signalled} running lifecycle(s) told to re-read them`);
    }
  } catch (error) {
    out(`warning: lifecycles not started (${(error as Error).message}); run \`npx certflow lifecycle sync\``);
  }
}

/**
 * Where requests to `prefix` go once the handler exists (Slack's app, Jira's webhook need the lifecycle client,
 * which comes after the HTTP server); until then, or when it never comes, they are not found.
 */
function lateMount(prefix: string): { mount: HttpMount; attach(handler: HttpHandler): void } {
  let attached: HttpHandler | null = null;
  return {
    mount: { prefix, handler: (request, response) => attached?.(request, response) ?? false },
    attach(handler) {
      attached = handler;
    },
  };
}

/** Jira's settings for the demo stand-in: certflow's bot account, the CERT project and its change-window field. */
function demoJiraSettings(demoJira: DemoJira): JiraSettings {
  const url = new URL(demoJira.standIn.url);
  return {
    config: parseJiraConfig({
      flavour: 'cloud',
      protocol: 'http',
      host: url.hostname,
      port: Number(url.port),
      auth: { email: demoJira.email, apiToken: demoJira.apiToken },
      projectKey: DEMO_JIRA_PROJECT.key,
      // Tasks, not Changes: the default policy does not wait for a change approval, and a Task's workflow lets
      // certflow move the ticket to In Progress and Done itself.
      issueType: 'Task',
      customFields: { changeWindowStart: { id: DEMO_CHANGE_WINDOW_FIELD.id, type: 'date' } },
    }),
    webhookSecret: demoJira.webhookSecret,
    pollSeconds: 0,
  };
}

/**
 * Without a webhook secret, reads the change tickets that renewals wait on every CERTFLOW_JIRA_POLL_SECONDS, so
 * installs Jira cannot reach still learn of approvals and rejections.
 */
function startJiraPolling(input: {
  config: CertflowConfig;
  services: CertflowServices;
  lifecycles: LifecycleClient;
  out: (line: string) => void;
}): ChangeTicketPoller | undefined {
  const { jira } = input.config;
  const adapter = input.services.jira;
  if (jira === undefined || adapter === undefined || jira.webhookSecret !== undefined || jira.pollSeconds === 0) {
    return undefined;
  }
  input.out(`Jira change tickets read every ${jira.pollSeconds} s (set JIRA_WEBHOOK_SECRET to take webhooks instead)`);
  return startChangeTicketPoller({
    intervalMs: jira.pollSeconds * 1000,
    store: input.services.store,
    readTicketStatus: (key) => adapter.readTicketStatus(key),
    notify: (update) => input.lifecycles.notifyChangeTicketUpdated(update),
    config: jira.config,
    now: () => new Date(),
    log: input.out,
  });
}

/** Takes Jira's webhooks at /jira/webhook when a secret is set; the status changes reach the waiting lifecycles. */
function attachJiraWebhook(input: {
  config: CertflowConfig;
  lifecycles: LifecycleClient;
  webhook: ReturnType<typeof lateMount>;
  out: (line: string) => void;
}): void {
  const { jira } = input.config;
  if (jira?.webhookSecret === undefined) return;
  const { handler } = createJiraWebhookMount({
    secret: jira.webhookSecret,
    config: jira.config,
    deliver: (update) => input.lifecycles.notifyChangeTicketUpdated(update),
    log: input.out,
  });
  input.webhook.attach(handler);
  input.out(`Jira webhooks taken at ${input.config.publicUrl}${JIRA_WEBHOOK_PATH}`);
}

/**
 * Starts the Slack app when the bot token and the signing secret (HTTP) or the app-level token (Socket Mode) are set; a
 * Slack that fails to start only earns a warning.
 */
async function startSlack(input: {
  config: CertflowConfig;
  lifecycles: LifecycleClient;
  campaigns: CampaignOperations;
  store: CertflowServices['store'];
  slack: ReturnType<typeof lateMount>;
  out: (line: string) => void;
}): Promise<SlackApp<HttpMount | null> | undefined> {
  const { config, out } = input;
  const { slackBotToken: botToken, slackSigningSecret: signingSecret, slackAppToken: appToken } = config;
  if (botToken === undefined && signingSecret === undefined && appToken === undefined) return undefined;
  // An app-level token means Socket Mode, which needs no signing secret.
  const mode = appToken === undefined ? (signingSecret === undefined ? undefined : { signingSecret }) : { appToken };
  if (botToken === undefined || mode === undefined) {
    out(
      'warning: Slack buttons are off: set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET, or with SLACK_APP_TOKEN for ' +
        `Socket Mode (${botToken === undefined ? 'SLACK_BOT_TOKEN' : 'SLACK_SIGNING_SECRET or SLACK_APP_TOKEN'} is missing)`,
    );
    return undefined;
  }
  try {
    const slackApp = await createSlackApp({
      botToken,
      ...mode,
      ...(config.slackApiUrl === undefined ? {} : { slackApiUrl: `${config.slackApiUrl}/` }),
      lifecycles: input.lifecycles,
      campaigns: input.campaigns,
      store: input.store,
      log: out,
    });
    if (slackApp.mount === null) {
      out('Slack app connected to Slack over Socket Mode');
    } else {
      input.slack.attach(slackApp.mount.handler);
      out(`Slack app listening at ${config.publicUrl}${SLACK_EVENTS_PATH}`);
    }
    return slackApp;
  } catch (error) {
    if (!(error instanceof SlackStartError)) throw error;
    out(`warning: ${error.message}; certflow runs without Slack buttons`);
    return undefined;
  }
}

/** The banner's line for the Slack stand-in: where a newcomer opens it. */
function slackStandInRow(demoSlack: DemoSlack): [string, string] {
  return ['Slack stand-in', `${demoSlack.standIn.url}/ (open it in a browser to approve as the demo users)`];
}

/** Where certflow's HTTP server listens, as bound: a wildcard address says that every interface is reachable. */
function boundTo(address: string): string {
  const everywhere = address.startsWith('0.0.0.0:') || address.startsWith('[::]:');
  return `listening on ${address}${everywhere ? ', every interface' : ''}`;
}

function banner(
  config: CertflowConfig,
  address: string,
  devServer: DevServer | undefined,
  services: CertflowServices,
  demoSlack: DemoSlack | undefined,
  demoJira: DemoJira | undefined,
): string[] {
  const rows: [string, string][] = [
    ['Temporal gRPC', `${address} (namespace ${config.namespace})`],
    ...(devServer
      ? ([
          ['Temporal Web UI', devServer.uiUrl],
          ['Temporal history', devServer.dbFile],
          ['Dev server log', devServer.logFile],
        ] as [string, string][])
      : []),
    ['Task queue', config.taskQueue],
    ['Inventory', redactDatabaseUrl(config.databaseUrl)],
    ['CA and CRL', `${config.publicUrl}/ca/internal/crl (${boundTo(services.http.boundTo)})`],
    ['Dashboard', `${config.publicUrl}/ (sign in with a token from \`certflow tokens create\`)`],
    ...services.registry.list().map(({ address: endpoint }): [string, string] => ['TLS endpoint', endpoint]),
    ...(demoSlack ? [slackStandInRow(demoSlack)] : []),
    ...(demoJira
      ? [
          [
            'Jira stand-in',
            `${demoJira.standIn.url}/ (change tickets: approve or decline them as the change manager)`,
          ] as [string, string],
        ]
      : []),
    ...(config.jira && !demoJira
      ? [
          [
            'Jira',
            `${config.jira.config.protocol}://${config.jira.config.host} project ${config.jira.config.projectKey}`,
          ] as [string, string],
        ]
      : []),
  ];
  return [
    'certflow is running',
    ...rows.map(([name, value]) => `  ${name.padEnd(17)} ${value}`),
    '',
    'Import certificates from another terminal:  npx certflow import <files or folders>',
    'and follow one:  npx certflow lifecycle status <id>',
    devServer ? 'Ctrl-C stops the worker and the dev server.' : 'Ctrl-C stops the worker.',
  ];
}

/** Creates or updates the monthly report's schedule (R-MON-5); a server that refuses only earns a warning. */
async function ensureMonthlyReport(options: { client: Client; config: CertflowConfig; out: (line: string) => void }) {
  const { hour, calendar } = options.config.monthlyReport;
  try {
    const outcome = await createMonthlyReports({
      client: options.client,
      taskQueue: options.config.taskQueue,
    }).ensureSchedule({
      hour,
      calendar,
    });
    if (outcome === 'created') {
      options.out(
        `monthly report: every first working day at ${hour}:00 ${calendar.timeZone} (schedule monthly-report)`,
      );
    }
  } catch (error) {
    options.out(
      `warning: cannot create the monthly report's schedule (${(error as Error).message}); ` +
        'no monthly report is sent until a worker starts against a server that allows Temporal Schedules',
    );
  }
}

/** Creates or updates the daily renewal-information check's schedule (R-REN-3); a refusing server earns a warning. */
async function ensureRenewalInfoCheck(options: {
  client: Client;
  config: CertflowConfig;
  out: (line: string) => void;
}) {
  try {
    const outcome = await ensureRenewalInfoSchedule({ client: options.client, taskQueue: options.config.taskQueue });
    if (outcome === 'created') options.out('ACME renewal information: checked daily (schedule renewal-info-check)');
  } catch (error) {
    options.out(
      `warning: cannot create the renewal-information check's schedule (${(error as Error).message}); CAs' ` +
        'suggested renewal windows are not checked until a worker starts against a server that allows Temporal Schedules',
    );
  }
}

/** Registers certflow's search attributes on a standalone server; a server that forbids it only earns a warning. */
async function registerSearchAttributes(connection: NativeConnection, namespace: string, out: (line: string) => void) {
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length > 0) out(`registered search attributes in namespace ${namespace}: ${added.join(', ')}`);
  } catch (error) {
    if (error instanceof SearchAttributeConflictError) throw error;
    out(
      `warning: cannot register certflow's search attributes in namespace ${namespace} (${(error as Error).message}); ` +
        'create them as listed in src/core/workflows/search-attributes.ts, or workflows that set them will fail',
    );
  }
}

/**
 * certflow's main job: starts the embedded Temporal dev server (unless TEMPORAL_ADDRESS names one), runs the
 * worker until SIGINT/SIGTERM/SIGHUP, then shuts both down and returns; a second signal stops at once.
 */
export async function runStart({ config, workerOnly, out, stop }: StartOptions): Promise<void> {
  // certflow handles the stop signals itself so that the dev server is always stopped after the worker.
  Runtime.install({ logger: new DefaultLogger(config.logLevel), shutdownSignals: [] });
  const stopping = new AbortController();
  let worker: Worker | undefined;
  let devServer: DevServer | undefined;
  let running = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) {
      out(`${signal} again: stopping now`);
      if (devServer) process.kill(devServer.pid, 'SIGKILL');
      process.exit(130);
    }
    out(`${signal}: shutting down…`);
    stopping.abort(signal);
    if (worker?.getState() === 'RUNNING') worker.shutdown();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  stop?.addEventListener('abort', () => onSignal('SIGPIPE'), { once: true });
  try {
    let address = config.temporalAddress;
    if (!address && workerOnly) address = `127.0.0.1:${config.devServerPort}`;
    if (!address) {
      const cli = resolveTemporalServer('devServer', process.env, repoRoot());
      if (cli.type !== 'existing-path') {
        throw new TemporalToolsMissingError(
          'the embedded dev server needs the Temporal CLI on disk, and CERTFLOW_TEMPORAL_DOWNLOAD=1 only serves tests: ' +
            'unset it and run `npm start` to build the CLI, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS',
        );
      }
      out(`starting the Temporal dev server (history in ${config.dataDir})…`);
      devServer = await startDevServer({
        cliPath: cli.path,
        port: config.devServerPort,
        uiPort: config.devServerUiPort,
        namespace: config.namespace,
        dataDir: config.dataDir,
      });
      address = devServer.address;
    }
    if (stopping.signal.aborted) return;
    const connection = await NativeConnection.connect({ address }).catch((error: unknown) => {
      throw new TemporalUnreachableError(address, error);
    });
    let services: CertflowServices | undefined;
    let clientConnection: Connection | undefined;
    let demoSlack: DemoSlack | undefined;
    let demoJira: DemoJira | undefined;
    let jiraPoller: ChangeTicketPoller | undefined;
    let slackApp: SlackApp<HttpMount | null> | undefined;
    try {
      if (!devServer) await registerSearchAttributes(connection, config.namespace, out);
      // Without Slack credentials a local stand-in plays Slack, so the buttons work in a browser; the container
      // mode (`certflow worker`) never runs one.
      if (config.slackStandIn !== undefined && !workerOnly) {
        demoSlack = await startDemoSlack({
          port: config.slackStandIn.port,
          appUrl: `http://127.0.0.1:${config.httpPort}${SLACK_EVENTS_PATH}`,
        });
        config = {
          ...config,
          slackBotToken: demoSlack.botToken,
          slackSigningSecret: demoSlack.signingSecret,
          slackApiUrl: demoSlack.standIn.apiUrl.replace(/\/+$/, ''),
        };
      }
      // Without Jira credentials a local stand-in plays Jira, its webhooks signed for certflow's endpoint.
      if (config.jiraStandIn !== undefined && !workerOnly) {
        demoJira = await startDemoJira({
          port: config.jiraStandIn.port,
          webhookUrl: `http://127.0.0.1:${config.httpPort}${JIRA_WEBHOOK_PATH}`,
          dataDir: config.dataDir,
        });
        config = { ...config, jira: demoJiraSettings(demoJira) };
      }
      const slack = lateMount(SLACK_EVENTS_PATH);
      const jiraWebhook = lateMount(JIRA_WEBHOOK_PATH);
      const api = lateMount(API_PREFIX);
      // The web dashboard acts through the lifecycle and campaign clients, made below.
      const dashboard = DASHBOARD_PREFIXES.map(lateMount);
      services = await openCertflowServices({
        config,
        log: out,
        tlsEndpoints: config.tlsEndpoints,
        httpMounts: [slack.mount, jiraWebhook.mount, api.mount, ...dashboard.map(({ mount }) => mount)],
      });
      if (demoSlack !== undefined && (await ensureDemoOwnerGroup(services.store))) {
        out(`created owner group demo for the Slack stand-in's demo users and channel`);
      }
      clientConnection = await Connection.connect({ address });
      const client = new Client({
        connection: clientConnection,
        namespace: config.namespace,
        dataConverter: payloadDataConverter(config.payloadKeys),
      });
      const lifecycles = createLifecycleClient({
        client,
        taskQueue: config.taskQueue,
        store: services.store,
        where: 'certflow start',
      });
      const opened = services;
      // The campaign client is made once the worker runs; until then campaign routes answer 503.
      let apiCampaigns: CampaignOperations | null = null;
      api.attach(
        createApiMount({
          store: services.store,
          tokens: new SqlApiTokenStore({ db: services.db }),
          roles: services.roles.readerFor(config.taskQueue),
          lifecycles: () => lifecycles,
          campaigns: () => apiCampaigns,
          findings: new SqlDiscoveryStore({ db: services.db }),
          importer: createApiImporter(services.lifecycle.loadPolicy),
          issuers: configuredIssuerNames(config.issuers),
          log: out,
        }).handler,
      );
      worker = await createCertflowWorker({
        connection,
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        payloadKeys: config.payloadKeys,
        capacity: config.workerCapacity,
        lifecycle: services.lifecycle,
        campaign: {
          store: opened.store,
          campaigns: opened.campaigns.store,
          notifier: opened.campaigns.notifier,
          ticketing: opened.campaigns.ticketing,
          lifecycles: () => lifecycles,
          securityLeads: config.securityLeads,
          admins: config.admins,
          where: 'certflow worker',
        },
        discovery: {
          // Built at the first scan: the campaign client it tells of new certificates is made just below.
          scans: () =>
            createDiscoveryScans({
              store: opened.store,
              db: opened.db,
              loadPolicy: opened.lifecycle.loadPolicy,
              lifecycles,
              campaigns,
            }),
          store: opened.store,
          notifier: opened.discoveryNotifier,
          notifications: opened.lifecycle.notifications,
          ticketing: opened.lifecycle.ticketing,
          loadPolicy: opened.lifecycle.loadPolicy,
          security: {
            channelId: config.securityChannelId ?? (demoSlack === undefined ? null : DEMO_CHANNEL.id),
            leads: config.securityLeads,
          },
          publicUrl: opened.lifecycle.publicUrl,
        },
        renewalInfo: {
          store: opened.store,
          issuers: opened.issuers,
          loadPolicy: opened.lifecycle.loadPolicy,
          lifecycles: () => renewalWindowSignals(client),
        },
        monthlyReport: {
          expiring: new SqlExpiringCertificates({ db: opened.db }),
          groups: opened.store,
          audit: opened.store,
          notifier: opened.reportNotifier,
          loadPolicy: opened.lifecycle.loadPolicy,
          security: {
            channelId: config.securityChannelId ?? (demoSlack === undefined ? null : DEMO_CHANNEL.id),
            leads: config.securityLeads,
          },
          publicUrl: opened.lifecycle.publicUrl,
        },
      });
      if (stopping.signal.aborted) return;
      out(banner(config, address, devServer, services, demoSlack, demoJira).join('\n'));
      const capacity = processWorkerCapacity(config.workerCapacity);
      out(
        `worker: ${capacity.maxCachedWorkflows} workflows cached, ${capacity.maxConcurrentWorkflowTaskExecutions} ` +
          `workflow tasks and ${capacity.maxConcurrentActivityTaskExecutions} activities at once (CERTFLOW_WORKER_*)`,
      );
      running = true;
      const run = worker.run();
      const campaigns = createCampaignClient({
        client,
        taskQueue: config.taskQueue,
        store: services.store,
        campaigns: services.campaigns.store,
        roles: services.roles.readerFor(config.taskQueue),
        // The Slack stand-in's demo channel shows campaign progress when no channel is configured.
        defaultChannelId: config.campaignChannelId ?? (demoSlack === undefined ? null : DEMO_CHANNEL.id),
        where: 'slack',
      });
      apiCampaigns = campaigns;
      createDashboard({ config, services, lifecycles, campaigns }).forEach((mount, index) =>
        dashboard[index]?.attach(mount.handler),
      );
      slackApp = await startSlack({ config, lifecycles, campaigns, store: services.store, slack, out });
      attachJiraWebhook({ config, lifecycles, webhook: jiraWebhook, out });
      jiraPoller = startJiraPolling({ config, services, lifecycles, out });
      await ensureMonthlyReport({ client, config, out });
      await ensureRenewalInfoCheck({ client, config, out });
      await startLifecycles({ services, lifecycles, out });
      await run;
    } finally {
      // The Socket Mode connection first: it would keep the process alive, and its listeners use the client.
      await slackApp?.stop();
      await jiraPoller?.stop();
      await clientConnection?.close();
      await services?.close();
      await demoSlack?.standIn.close();
      await demoJira?.standIn.close();
      await connection.close();
    }
  } finally {
    await devServer?.stop();
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    if (running) out('certflow stopped');
  }
}
