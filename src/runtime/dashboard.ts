/**
 * Builds the web dashboard (issue 20) on the services of a running certflow: its sessions in the inventory
 * database, sign-in checked as the HTTP API checks bearer tokens, reads through the inventory's ports and actions
 * through the lifecycle and campaign clients, with roles from this server's configuration (R-SEC-2).
 */
import { authenticateBearer } from '../adapters/api/api-token-secrets';
import { SqlApiTokenStore } from '../adapters/database/sql-api-token-store';
import { SqlDiscoveryStore } from '../adapters/database/sql-discovery-store';
import { SqlExpiringCertificates } from '../adapters/database/sql-expiring-certificates';
import { SqlWebSessionStore } from '../adapters/database/sql-web-session-store';
import type { HttpMount } from '../adapters/shared/http';
import { createDashboardMounts } from '../adapters/web/dashboard-handler';
import { WebSessions } from '../adapters/web/web-sessions';
import type { CampaignOperations } from '../core/application/campaign-operations';
import type { LifecycleClient } from '../core/application/lifecycle-client';
import type { CertflowConfig } from './config';
import type { CertflowServices } from './services';

/** The prefixes the dashboard is mounted at: everything not otherwise mounted, and the certificate pages. */
export const DASHBOARD_PREFIXES = ['/', '/certificates/'] as const;

/** The dashboard's mounts, in the order of {@link DASHBOARD_PREFIXES}. */
export function createDashboard(input: {
  readonly config: CertflowConfig;
  readonly services: CertflowServices;
  readonly lifecycles: LifecycleClient;
  readonly campaigns: CampaignOperations;
}): HttpMount[] {
  const { config, services } = input;
  const tokens = new SqlApiTokenStore({ db: services.db });
  return createDashboardMounts({
    readers: {
      store: services.store,
      expiring: new SqlExpiringCertificates({ db: services.db }),
      campaigns: services.campaigns.store,
      findings: new SqlDiscoveryStore({ db: services.db }),
    },
    sessions: new WebSessions({
      sessions: new SqlWebSessionStore({ db: services.db }),
      tokens,
      authenticateToken: (secret, now) => authenticateBearer(tokens, `Bearer ${secret}`, now),
      secure: config.publicUrl.startsWith('https:'),
    }),
    lifecycles: () => input.lifecycles,
    campaigns: () => input.campaigns,
    roles: () => ({ securityLeads: config.securityLeads, admins: config.admins }),
  });
}
