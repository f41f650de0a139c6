/**
 * The worker's {@link DiscoveryScans}: scheduled scans run the discovery use case with the TLS scanner and the
 * inventory's discovery store, and reach lifecycles and campaigns through their clients, as campaign activities
 * reach lifecycles through the lifecycle client.
 */
import type { Kysely } from 'kysely';
import { SqlDiscoveryStore } from '../adapters/database/sql-discovery-store';
import type { InventoryDatabase } from '../adapters/database/kysely-inventory-store';
import { createTlsScanner } from '../adapters/network/tls-scanner';
import { loadTrustStore } from '../adapters/network/trust-store';
import type { CampaignOperations } from '../core/application/campaign-operations';
import { runScanDefinition } from '../core/application/discovery-schedules';
import type { LifecycleClient } from '../core/application/lifecycle-client';
import type { Policy } from '../core/domain/policy/policy';
import type { DiscoveryScans } from '../core/ports/discovery-scans';
import type { InventoryStore } from '../core/ports/inventory-store';
import { LifecycleNotFoundError } from '../core/ports/lifecycle-port';

/** What the worker's scans use. */
export interface DiscoveryScansOptions {
  readonly store: InventoryStore;
  readonly db: Kysely<InventoryDatabase>;
  readonly loadPolicy: () => Promise<Policy>;
  readonly lifecycles: LifecycleClient;
  readonly campaigns: Pick<CampaignOperations, 'inventoryChanged'>;
}

/** Scheduled scans in the worker. */
export function createDiscoveryScans(options: DiscoveryScansOptions): DiscoveryScans {
  const discovery = new SqlDiscoveryStore({ db: options.db });
  return {
    async run(input) {
      // Read at every run, so a renewed bundle on the worker's disk is used without re-creating the schedule.
      const trustStore = input.definition.trustStore === null ? undefined : loadTrustStore(input.definition.trustStore);
      return await runScanDefinition({
        definition: input.definition,
        scanner: createTlsScanner(trustStore === undefined ? {} : { trustStore }),
        store: options.store,
        discovery,
        policy: await options.loadPolicy(),
        actor: input.actor,
        where: input.where,
        onProgress: input.onProgress,
        whenReachable: async (work) => ({
          done: await work({ lifecycles: options.lifecycles, campaigns: options.campaigns }),
        }),
      });
    },

    async openTicket(managedCertificateId) {
      try {
        const view = await options.lifecycles.status(managedCertificateId);
        return { ticket: view.ticket, certificate: view.certificate };
      } catch (error) {
        if (error instanceof LifecycleNotFoundError) return { ticket: null, certificate: null };
        throw error;
      }
    },
  };
}
