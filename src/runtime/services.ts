import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LifecycleActivityDeps } from '../core/activities/lifecycle';
import { decodeCertificates } from '../core/domain/certificates/decode-certificates';
import type { CertificateLocation } from '../core/domain/inventory/model';
import { AcmeAuthority } from '../adapters/acme/acme-authority';
import { unconfiguredIssuer } from '../adapters/acme/acme-issuers-config';
import { ConfigError } from './config-error';
import { type AcmeState, sqlAcmeState } from '../adapters/acme/acme-state';
import { createHttp01Handler, HTTP01_PREFIX } from '../adapters/acme/http01-handler';
import { NodeCaaResolver } from '../adapters/dns/node-caa-resolver';
import { Rfc2136ChallengeUpdater } from '../adapters/dns/rfc2136-challenge-updater';
import { type CertificateAuthorities, certificateAuthorities } from '../core/ports/certificate-authorities';
import { createCaHttpHandler } from '../adapters/ca/ca-http';
import { createFileOnce } from '../adapters/shared/durable-file';
import { openInternalCa, type InternalCa } from '../adapters/ca/internal-ca';
import { FileDeployer } from '../adapters/deploy/file-deployer';
import { selectDeployer } from '../core/ports/select-deployer';
import { connectHostOf, startManagedTlsEndpoint, TlsEndpointRegistry } from '../adapters/deploy/tls-endpoint';
import { TlsEndpointDeployer } from '../adapters/deploy/tls-endpoint-deployer';
import { WebrootChallengeFiles } from '../adapters/deploy/webroot-challenges';
import { CERTIFICATE_PAGE_PREFIX, createCertificatePageHandler } from '../adapters/web/certificate-page';
import { createMetricsEndpoint } from '../adapters/metrics/metrics-endpoint';
import { startHttpServer, type HttpMount, type RunningHttpServer } from '../adapters/shared/http';
import type { Kysely } from 'kysely';
import { openInventoryDatabase } from '../adapters/database/database';
import type { InventoryDatabase } from '../adapters/database/kysely-inventory-store';
import type { InventoryStore } from '../core/ports/inventory-store';
import { SqlPublishedRoles } from '../adapters/database/sql-published-roles';
import { FileKeyStore } from '../adapters/keys/file-key-store';
import { ConsoleNotifier } from '../adapters/console/console-notifier';
import { SlackNotifier, type SlackNotifierEvent } from '../adapters/slack/slack-notifier';
import { createSlackWebClient } from '../adapters/slack/slack-web-client';
import { SqlSlackDeliveryStore } from '../adapters/slack/sql-slack-delivery-store';
import { JiraTicketing } from '../adapters/jira/jira-ticketing';
import { SqlJiraTicketStore } from '../adapters/jira/sql-jira-ticket-store';
import { ConsoleTicketing } from '../adapters/console/console-ticketing';
import type {
  CampaignNotifier,
  DiscoveryNotifier,
  NotificationPort,
  ReportNotifier,
} from '../core/ports/notification-port';
import { ConsoleReportNotifier } from '../adapters/console/console-report-notifier';
import { SlackReportNotifier } from '../adapters/slack/slack-report-notifier';
import { SlackDiscoveryNotifier } from '../adapters/slack/slack-discovery-notifier';
import type { CampaignTicketing, TicketingPort } from '../core/ports/ticketing-port';
import { SqlCampaignStore } from '../adapters/database/sql-campaign-store';
import { JiraCampaignTicketing } from '../adapters/jira/jira-campaign-ticketing';
import { SlackCampaignNotifier } from '../adapters/slack/slack-campaign-notifier';
import { readPolicyFile, type CertflowConfig, type TlsEndpointAddress } from './config';
import { createCodecEndpoint } from './codec-endpoint';
import { PayloadEncryptionCodec } from './payload-codec';

/** Everything the worker's activities use, opened from the configuration; `close()` releases it all. */
export interface CertflowServices {
  readonly store: InventoryStore;
  /** The inventory database handle, for the stores built beside the inventory (discovery's). */
  readonly db: Kysely<InventoryDatabase>;
  readonly ca: InternalCa;
  /** Every configured issuer by name (`internal`, `acme:<name>`), and the default (CERTFLOW_ISSUERS_FILE). */
  readonly issuers: CertificateAuthorities;
  readonly registry: TlsEndpointRegistry;
  /** certflow's HTTP server (CA certificates and CRL). */
  readonly http: RunningHttpServer;
  readonly lifecycle: LifecycleActivityDeps;
  /** The Jira adapter, when Jira is configured: the change-ticket poller reads ticket statuses through it. */
  readonly jira: JiraTicketing | undefined;
  /** Campaigns: their store in the inventory database, and Slack and Jira (or the console) for their progress. */
  readonly campaigns: {
    readonly store: SqlCampaignStore;
    readonly notifier: CampaignNotifier;
    readonly ticketing: CampaignTicketing;
  };
  /** Where scheduled discovery's digests and unowned-certificate announcements go (Slack, or the console). */
  readonly discoveryNotifier: DiscoveryNotifier;
  /** Where monthly reports go (Slack with their CSV, or the data folder and the log). */
  readonly reportNotifier: ReportNotifier;
  /** The roles this worker published (its CERTFLOW_SECURITY_LEADS and CERTFLOW_ADMINS), read by the clients. */
  readonly roles: SqlPublishedRoles;
  /** The roles this worker published differ from those an earlier start published (or none had). */
  readonly rolesChanged: boolean;
  close(): Promise<void>;
}

/** Options of {@link openCertflowServices}. */
export interface OpenServicesOptions {
  readonly config: CertflowConfig;
  /** Where the console notification and ticketing adapters write. */
  readonly log: (line: string) => void;
  /** TLS endpoints certflow runs itself (the demo, tests): `host:port` each, served from the data folder. */
  readonly tlsEndpoints?: readonly TlsEndpointAddress[];
  /** Listen address of the HTTP server; 0.0.0.0 by default so relying parties can fetch the CRL. */
  readonly httpHost?: string;
  /** More endpoints on certflow's HTTP server (the Slack app's, mounted once it has started). */
  readonly httpMounts?: readonly HttpMount[];
}

/** The issuer registry: the internal CA and one ACME adapter per issuer in CERTFLOW_ISSUERS_FILE. */
function openIssuers(
  config: CertflowConfig,
  parts: { keyStore: FileKeyStore; state: AcmeState; internal: InternalCa },
): CertificateAuthorities {
  const caa = new NodeCaaResolver({ servers: config.dnsServers });
  const dnsChallenges =
    config.dnsUpdateZones.length === 0 ? null : new Rfc2136ChallengeUpdater({ zones: config.dnsUpdateZones });
  const webroots = new WebrootChallengeFiles();
  const acme = config.issuers.acme.map(
    (settings) =>
      new AcmeAuthority({ settings, keyStore: parts.keyStore, state: parts.state, caa, dnsChallenges, webroots }),
  );
  return certificateAuthorities([parts.internal, ...acme], config.issuers.defaultIssuer);
}

/** The internal CA's folder in the data folder: the worker's CA, and what `certflow import --internal-ca` reads. */
export function internalCaFolder(config: CertflowConfig): string {
  return path.join(config.dataDir, 'ca', 'internal');
}

/**
 * The internal CA's passphrase: CERTFLOW_CA_PASSPHRASE, or one generated once into `<data>/ca/passphrase` (0600) so a
 * fresh `npm start` works; production sets the variable and keeps the passphrase out of the data folder.
 */
async function caPassphrase(config: CertflowConfig): Promise<string> {
  if (config.caPassphrase !== undefined) return config.caPassphrase;
  const file = path.join(config.dataDir, 'ca', 'passphrase');
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await createFileOnce(file, randomBytes(32).toString('base64url'), 0o600);
  return (await fs.readFile(file, 'utf8')).trim();
}

/**
 * The notification adapters of lifecycles and campaigns: Slack's when a bot token is configured, or else one console
 * adapter serving both. Either keeps its deliveries in the inventory database, so a restarted worker never posts a
 * delivered notification again.
 */
function openNotifiers(
  config: CertflowConfig,
  db: Kysely<InventoryDatabase>,
  log: (line: string) => void,
): {
  readonly slack: SlackNotifier | undefined;
  readonly lifecycles: NotificationPort;
  readonly campaigns: CampaignNotifier;
  readonly discovery: DiscoveryNotifier;
  readonly reports: ReportNotifier;
} {
  if (config.slackBotToken === undefined) {
    const consoleNotifier = new ConsoleNotifier({ db, log });
    const reports = new ConsoleReportNotifier({ db, dataDir: config.dataDir, log });
    return {
      slack: undefined,
      lifecycles: consoleNotifier,
      campaigns: consoleNotifier,
      discovery: consoleNotifier,
      reports,
    };
  }
  const client = createSlackWebClient({
    botToken: config.slackBotToken,
    ...(config.slackApiUrl === undefined ? {} : { slackApiUrl: `${config.slackApiUrl}/` }),
  });
  const slackLog = (event: SlackNotifierEvent) => log(`[slack] ${JSON.stringify(event)}`);
  const slack = new SlackNotifier({
    client,
    deliveries: new SqlSlackDeliveryStore({ db }),
    digestWindowMs: config.slackDigestWindowMs,
    log: slackLog,
  });
  const campaigns = new SlackCampaignNotifier({ client, deliveries: new SqlSlackDeliveryStore({ db }), log: slackLog });
  const discovery = new SlackDiscoveryNotifier({
    client,
    deliveries: new SqlSlackDeliveryStore({ db }),
    log: slackLog,
  });
  const reports = new SlackReportNotifier({ client, deliveries: new SqlSlackDeliveryStore({ db }), log: slackLog });
  return { slack, lifecycles: slack, campaigns, discovery, reports };
}

/**
 * The ticketing adapters of lifecycles and campaigns: Jira's when configured, or else one console adapter serving
 * both. Either keeps its tickets in the inventory database, so a restarted worker never opens a second one.
 */
function openTicketing(
  config: CertflowConfig,
  db: Kysely<InventoryDatabase>,
  log: (line: string) => void,
): {
  readonly jira: JiraTicketing | undefined;
  readonly lifecycles: TicketingPort;
  readonly campaigns: CampaignTicketing;
} {
  if (config.jira === undefined) {
    const consoleTicketing = new ConsoleTicketing({ db, log });
    return { jira: undefined, lifecycles: consoleTicketing, campaigns: consoleTicketing };
  }
  const jira = new JiraTicketing({ config: config.jira.config, store: new SqlJiraTicketStore({ db }) });
  const campaigns = new JiraCampaignTicketing({ config: config.jira.config, store: new SqlJiraTicketStore({ db }) });
  return { jira, lifecycles: jira, campaigns };
}

/** Opens the inventory, key store, internal CA, deployers, adapters and the HTTP server for a worker. */
export async function openCertflowServices(options: OpenServicesOptions): Promise<CertflowServices> {
  const { config, log } = options;
  const { store, db } = await openInventoryDatabase({ url: config.databaseUrl });
  const opened: { close(): Promise<void> }[] = [store];
  try {
    // The worker's configuration is the one source of roles: clients (the CLI) read what it publishes here.
    const roles = new SqlPublishedRoles({ db });
    const { changed: rolesChanged } = await roles.publish(config.taskQueue, {
      securityLeads: config.securityLeads,
      admins: config.admins,
      publishedBy: `certflow worker on ${os.hostname()} (pid ${process.pid})`,
      publishedAt: new Date().toISOString(),
    });
    const keyStore = new FileKeyStore(path.join(config.dataDir, 'keys'));
    // Read again on every lifecycle reload and before every issuance, so a changed policy file re-plans the
    // lifecycles told about it and the CA refuses at once what it would flag.
    const loadPolicy = () => readPolicyFile(config.policyFile, 'CERTFLOW_POLICY_FILE');
    const ca = await openInternalCa({
      folder: internalCaFolder(config),
      passphrase: await caPassphrase(config),
      publicBaseUrl: config.publicUrl,
      policy: loadPolicy,
    });
    // The worker orders and `certflow start` may serve HTTP-01: they share the answers in the inventory database.
    const acmeState = sqlAcmeState(db);
    const issuers = openIssuers(config, { keyStore, state: acmeState, internal: ca });
    // A policy naming an unconfigured issuer would fail every renewal it decides: refuse to start instead.
    const policyIssuer = unconfiguredIssuer('renewal.issuer', (await loadPolicy()).renewal.issuer, config.issuers);
    if (policyIssuer !== null) throw new ConfigError('CERTFLOW_POLICY_FILE', policyIssuer);
    const registry = new TlsEndpointRegistry();
    opened.push({ close: () => registry.closeAll() });
    for (const { host, port } of options.tlsEndpoints ?? []) {
      const endpoint = await startManagedTlsEndpoint({
        host,
        port,
        folder: path.join(config.dataDir, 'endpoints', `${host.replace(/[^A-Za-z0-9.-]/g, '_')}_${port}`),
      });
      registry.add(endpoint);
    }
    const http = await startHttpServer({
      host: options.httpHost ?? '0.0.0.0',
      port: config.httpPort,
      handlers: [
        { prefix: '/ca/', handler: createCaHttpHandler(ca) },
        // ACME's HTTP-01 validation requests (issue 19): the CA must reach this server on port 80 of every name.
        { prefix: HTTP01_PREFIX, handler: createHttp01Handler(acmeState) },
        // What Slack's View details and the Jira ticket's link back open.
        { prefix: CERTIFICATE_PAGE_PREFIX, handler: createCertificatePageHandler({ store }) },
        // What Prometheus scrapes (R-REP-1): counts from the inventory database, so any process serving it agrees.
        createMetricsEndpoint({ db }),
        // What the Temporal Web UI decodes encrypted payloads with (R-KEY-1); off without CERTFLOW_CODEC_TOKEN.
        createCodecEndpoint({
          codec: new PayloadEncryptionCodec(config.payloadKeys),
          token: config.codecToken,
          corsOrigins: config.codecCorsOrigins,
          namespace: config.namespace,
        }),
        ...(options.httpMounts ?? []),
      ],
      log,
    });
    opened.push(http);
    const notifiers = openNotifiers(config, db, log);
    const ticketing = openTicketing(config, db, log);
    const campaignStore = new SqlCampaignStore({ db });
    const campaigns = {
      store: campaignStore,
      notifier: notifiers.campaigns,
      ticketing: ticketing.campaigns,
    };
    const { slack } = notifiers;
    // Digests still collecting go out before the inventory (their delivery store) closes.
    if (slack !== undefined) opened.push({ close: () => slack.flush() });
    const lifecycle: LifecycleActivityDeps = {
      store,
      loadPolicy,
      keyStore,
      issuers,
      deployers: [
        new TlsEndpointDeployer({ keyStore, registry }),
        new FileDeployer({ keyStore, reloadCommand: config.reloadCommand }),
      ],
      notifications: notifiers.lifecycles,
      ticketing: ticketing.lifecycles,
      securityLeads: config.securityLeads,
      admins: config.admins,
      publicUrl: config.publicUrl,
      campaigns: campaignStore,
    };
    return {
      store,
      db,
      ca,
      issuers,
      registry,
      http,
      lifecycle,
      jira: ticketing.jira,
      campaigns,
      discoveryNotifier: notifiers.discovery,
      reportNotifier: notifiers.reports,
      roles,
      rolesChanged,
      async close() {
        for (const resource of opened.reverse()) await resource.close();
      },
    };
  } catch (error) {
    for (const resource of opened.reverse()) await resource.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Issues a first certificate for every managed TLS endpoint that serves none yet (the demo), from the internal CA, and
 * records it in the inventory with the endpoint as its location so its lifecycle starts like any other.
 */
export async function bootstrapEndpointCertificates(
  services: CertflowServices,
  options: { readonly ownerGroup: string | null; readonly lifetimeDays: number; readonly now: Date },
): Promise<string[]> {
  const created: string[] = [];
  for (const { endpoint, address } of services.registry.list()) {
    const { port } = endpoint.address();
    const location: CertificateLocation = { kind: 'endpoint', host: connectHostOf(endpoint), port };
    if (
      await fs.stat(path.join(endpoint.folder, 'cert.pem')).then(
        () => true,
        () => false,
      )
    )
      continue;
    const keyRef = `endpoints/${port}/initial`;
    const { keyStore } = services.lifecycle;
    await keyStore.ensureKeyPair(keyRef, { algorithm: 'EC', curve: 'P-256' });
    const subject = 'CN=localhost, O=certflow demo';
    const issued = await services.ca.issue({
      idempotencyKey: `bootstrap/${address}`,
      csrPem: await keyStore.createCsr(keyRef, { subject, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
      subject,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      validityDays: options.lifetimeDays,
    });
    await selectDeployer(services.lifecycle.deployers, location).install({
      idempotencyKey: `bootstrap/${address}`,
      location,
      certificatePem: issued.certificatePem,
      chainPems: issued.chainPems,
      keyRef,
      fingerprintSha256: issued.fingerprintSha256,
    });
    const parsed = decodeCertificates(new TextEncoder().encode(issued.certificatePem), address).certificates[0];
    if (!parsed) continue;
    const at = options.now.toISOString();
    await services.store.upsertCertificates(
      [{ facts: parsed.facts, der: parsed.der, metadata: { locations: [location], ownerGroup: options.ownerGroup } }],
      at,
    );
    await services.store.assignManagedCertificates([parsed.facts.fingerprintSha256], at);
    created.push(address);
  }
  return created;
}
