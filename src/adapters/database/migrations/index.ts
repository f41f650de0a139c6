/**
 * The inventory's migrations, listed in code rather than found by scanning a folder: the build output is CommonJS
 * in dist/, where a folder scan would meet .js, .d.ts and .map files. Names sort in the order they must run.
 */
import type { Migration } from 'kysely';
import { inventorySchemaMigration } from './001-inventory-schema';
import { lifecycleMigration } from './002-lifecycle';
import { slackDeliveriesMigration } from './003-slack-deliveries';
import { jiraTicketsMigration } from './004-jira-tickets';
import { managedTicketIndexMigration } from './005-managed-ticket-index';
import { campaignsMigration } from './006-campaigns';
import { consoleAdaptersMigration } from './007-console-adapters';
import { publishedRolesMigration } from './008-published-roles';
import { slackCertificateMessagesMigration } from './009-slack-certificate-messages';
import { issuerHashIndexMigration } from './010-issuer-hash-index';
import { metadataValueIndexMigration } from './011-metadata-value-index';
import { reparseCertificatesMigration } from './012-reparse-certificates';
import { endpointDiscoveryMigration } from './014-endpoint-discovery';
import { acmeStateMigration } from './016-acme-state';
import { apiTokensMigration } from './017-api-tokens';
import { metricsIndexesMigration } from './019-metrics-indexes';
import { ownerGroupIssuerMigration } from './021-owner-group-issuer';
import { caaResultsMigration } from './022-caa-results';
import { webSessionsMigration } from './025-web-sessions';
import { valuesByFirstSeenMigration } from './026-values-by-first-seen';

/** The two databases the inventory runs on. */
export type InventoryDialect = 'sqlite' | 'postgres';

/** Every inventory migration by name, for Kysely's `Migrator`. Never rename or edit one that has shipped. */
export function inventoryMigrations(dialect: InventoryDialect): Record<string, Migration> {
  return {
    '001-inventory-schema': inventorySchemaMigration(dialect),
    '002-lifecycle': lifecycleMigration(),
    '003-slack-deliveries': slackDeliveriesMigration(),
    '004-jira-tickets': jiraTicketsMigration(),
    '005-managed-ticket-index': managedTicketIndexMigration(),
    '006-campaigns': campaignsMigration(),
    '007-console-adapters': consoleAdaptersMigration(dialect),
    '008-published-roles': publishedRolesMigration(),
    '009-slack-certificate-messages': slackCertificateMessagesMigration(),
    '010-issuer-hash-index': issuerHashIndexMigration(),
    '011-metadata-value-index': metadataValueIndexMigration(),
    '012-reparse-certificates': reparseCertificatesMigration(),
    '014-endpoint-discovery': endpointDiscoveryMigration(),
    '016-acme-state': acmeStateMigration(),
    '017-api-tokens': apiTokensMigration(),
    '019-metrics-indexes': metricsIndexesMigration(),
    '021-owner-group-issuer': ownerGroupIssuerMigration(),
    '022-caa-results': caaResultsMigration(),
    '025-web-sessions': webSessionsMigration(),
    '026-values-by-first-seen': valuesByFirstSeenMigration(dialect),
  };
}
