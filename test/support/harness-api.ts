import path from 'node:path';
import { createApiMount } from '../../src/adapters/api/api-app';
import { issueApiToken } from '../../src/adapters/api/api-token-secrets';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { SqlApiTokenStore } from '../../src/adapters/database/sql-api-token-store';
import { startHttpServer, type RunningHttpServer } from '../../src/adapters/shared/http';
import { createLifecycleClient } from '../../src/core/application/lifecycle-client';
import type { LifecycleHarness } from './lifecycle-harness';

/** certflow's HTTP API serving a lifecycle harness, and a token for each person it was asked for. */
export interface HarnessApi {
  readonly server: RunningHttpServer;
  /** Each person's token secret, by the name the token was given. */
  readonly secrets: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Serves the API on a loopback port over the harness's lifecycles and inventory, with its own handle on the SQLite
 * file as certflow start opens the inventory beside the worker, and issues a token named after each of `people`.
 */
export async function serveApiOnHarness(
  h: LifecycleHarness,
  people: Readonly<Record<string, { readonly id: string }>>,
): Promise<HarnessApi> {
  const { db } = await openInventoryDatabase({ url: `sqlite:${path.join(h.folder, 'inventory.sqlite')}` });
  const tokens = new SqlApiTokenStore({ db });
  const secrets: Record<string, string> = {};
  for (const [name, person] of Object.entries(people)) {
    secrets[name] = (await issueApiToken(tokens, { name, actor: person.id, expiresAt: null, now: new Date() })).secret;
  }
  const lifecycles = createLifecycleClient({
    client: h.env.client,
    taskQueue: h.taskQueue,
    store: h.store,
    searchAttributes: false,
  });
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [createApiMount({ store: h.store, tokens, lifecycles: () => lifecycles, log: () => undefined })],
  });
  return {
    server,
    secrets,
    async close() {
      await server.close();
      await db.destroy();
    },
  };
}
