/**
 * How the CLI reaches certificate lifecycles: a Temporal connection at the configured address (what `certflow
 * start` runs when TEMPORAL_ADDRESS is unset) and the client layer on it. Tests inject their own connector.
 */
import { createDiscoverySchedules, type DiscoverySchedules } from '../core/application/discovery-schedules';
import { createMonthlyReports, type MonthlyReports } from '../core/application/monthly-reports';
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { createCampaignClient } from '../core/application/campaign-client';
import type { CampaignOperations } from '../core/application/campaign-operations';
import { createLifecycleClient, type LifecycleClient } from '../core/application/lifecycle-client';
import { SqlCampaignStore } from '../adapters/database/sql-campaign-store';
import type { InventoryStore } from '../core/ports/inventory-store';
import type { InventoryDatabase } from '../adapters/database/kysely-inventory-store';
import { SqlPublishedRoles } from '../adapters/database/sql-published-roles';
import type { CertflowConfig } from '../runtime/config';
import { payloadDataConverter } from '../runtime/payload-codec';
import { TemporalUnreachableError } from './errors';

/** The lifecycle and campaign clients and the connection under them. */
export interface LifecycleSession {
  readonly lifecycles: LifecycleClient;
  readonly campaigns: CampaignOperations;
  /** Scheduled discovery scans (Temporal Schedules); absent in sessions of tests that fake the other clients. */
  readonly discoverySchedules?: DiscoverySchedules;
  /** The monthly report's schedule and manual run; absent in sessions of tests that fake the other clients. */
  readonly monthlyReports?: MonthlyReports;
  close(): Promise<void>;
}

/** Opens a {@link LifecycleSession}; throws TemporalUnreachableError when Temporal does not answer. */
export type LifecycleConnector = (
  config: CertflowConfig,
  store: InventoryStore,
  where: string,
  /** The inventory database, where campaigns are kept. */
  db: Kysely<InventoryDatabase>,
) => Promise<LifecycleSession>;

/** The Temporal frontend the CLI talks to: TEMPORAL_ADDRESS, or the embedded dev server `certflow start` runs. */
export function temporalAddress(config: CertflowConfig): string {
  return config.temporalAddress ?? `127.0.0.1:${config.devServerPort}`;
}

/**
 * Refused connections fail at once here, where the Temporal client would keep retrying until its connect timeout:
 * commands that only optionally talk to Temporal (import, groups) must not wait 5 s when certflow is not running.
 */
async function probe(address: string, timeoutMs: number): Promise<void> {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!match) return;
  const [, host = '', port = ''] = match;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port), timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * The lifecycle and campaign clients on a Temporal client. Campaign roles are the ones the worker published to the
 * inventory (its configuration), never this process's own CERTFLOW_SECURITY_LEADS or CERTFLOW_ADMINS.
 */
export function openLifecycleSession(
  client: Client,
  config: CertflowConfig,
  store: InventoryStore,
  where: string,
  db: Kysely<InventoryDatabase>,
  close: () => Promise<void>,
): LifecycleSession {
  return {
    lifecycles: createLifecycleClient({ client, taskQueue: config.taskQueue, store, where }),
    campaigns: createCampaignClient({
      client,
      taskQueue: config.taskQueue,
      store,
      campaigns: new SqlCampaignStore({ db }),
      roles: new SqlPublishedRoles({ db }).readerFor(config.taskQueue),
      defaultChannelId: config.campaignChannelId ?? null,
      where,
    }),
    discoverySchedules: createDiscoverySchedules({ client, taskQueue: config.taskQueue, audit: store, where }),
    monthlyReports: createMonthlyReports({ client, taskQueue: config.taskQueue }),
    close,
  };
}

/** Connects to the configured Temporal server and builds the lifecycle and campaign clients on it. */
export const connectLifecycles: LifecycleConnector = async (config, store, where, db) => {
  const address = temporalAddress(config);
  let connection: Connection;
  try {
    await probe(address, 2000);
    connection = await Connection.connect({ address, connectTimeout: '5s' });
  } catch (error) {
    throw new TemporalUnreachableError(address, error);
  }
  const client = new Client({
    connection,
    namespace: config.namespace,
    dataConverter: payloadDataConverter(config.payloadKeys),
  });
  return openLifecycleSession(client, config, store, where, db, () => connection.close());
};
