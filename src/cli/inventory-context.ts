import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Policy } from '../core/domain/policy/policy';
import { openInventoryDatabase } from '../adapters/database/database';
import type { ImportActor } from '../core/application/import-certificates';
import type { InventoryStore } from '../core/ports/inventory-store';
import type { InventoryDatabase } from '../adapters/database/kysely-inventory-store';
import { readPolicyFile, type CertflowConfig } from '../runtime/config';

/** What the inventory commands work with: the store, the effective policy and who is acting. */
export interface InventoryContext extends ImportActor {
  readonly store: InventoryStore;
  /** The store's database, for tables kept beside the inventory (campaigns); closed with the store. */
  readonly db: Kysely<InventoryDatabase>;
  readonly policy: Policy;
  /** The policy file in force, or null for NIST's defaults. */
  readonly policySource: string | null;
}

/**
 * Who a command-line user is, for the audit log and lifecycle requests: CERTFLOW_ACTOR (a principal such as
 * `email:alice@example.com`, already validated by loadConfig) or `user:<login>`, at `cli@<host>`.
 */
export function cliActor(env: NodeJS.ProcessEnv, configuredActor?: string): ImportActor {
  const where = `cli@${os.hostname()}`;
  if (configuredActor) return { actor: configuredActor, where };
  let login = env.USER ?? env.LOGNAME;
  if (!login) {
    try {
      login = os.userInfo().username;
    } catch {
      login = 'unknown';
    }
  }
  return { actor: `user:${login}`, where };
}

/** Opens the configured inventory and policy; `policyFile` overrides CERTFLOW_POLICY_FILE. */
export async function openInventoryContext(
  config: CertflowConfig,
  env: NodeJS.ProcessEnv,
  policyFile?: string,
): Promise<InventoryContext> {
  const source = policyFile ?? config.policyFile ?? null;
  const policy = await readPolicyFile(source ?? undefined, policyFile ? '--policy' : 'CERTFLOW_POLICY_FILE');
  const { store, db } = await openInventoryDatabase({ url: config.databaseUrl });
  return { store, db, policy, policySource: source, ...cliActor(env, config.actor) };
}
