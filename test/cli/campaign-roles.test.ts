/**
 * Roles have one source, the worker's configuration (issue 14 item 2): the CLI decides campaign roles from what the
 * worker published to the inventory, warns once that its own CERTFLOW_SECURITY_LEADS / CERTFLOW_ADMINS are ignored,
 * and refuses role-gated actions before any worker has published. Through `main` and the production session wiring
 * (openLifecycleSession) on a SQLite inventory; these refusals come before any call to Temporal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLifecycleSession, type LifecycleConnector } from '../../src/cli/lifecycle-connection';
import { EXIT, main } from '../../src/cli/main';
import { takeOperatorModeLine } from '../support/run-cli';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { SqlPublishedRoles } from '../../src/adapters/database/sql-published-roles';

const LEAD = 'email:sec@example.com';
const TASK_QUEUE = 'certflow';

let dir: string;
let connections: number;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-campaign-roles-'));
  connections = 0;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const databaseUrl = () => `sqlite:${path.join(dir, 'inventory.sqlite')}`;

/** What a certflow worker with these role lists publishes when it starts (src/runtime/services.ts). */
async function workerPublishes(securityLeads: string[], admins: string[] = []): Promise<void> {
  const { store, db } = await openInventoryDatabase({ url: databaseUrl() });
  try {
    await new SqlPublishedRoles({ db }).publish(TASK_QUEUE, {
      securityLeads,
      admins,
      publishedBy: 'certflow worker on test (pid 1)',
      publishedAt: new Date().toISOString(),
    });
  } finally {
    await store.close();
  }
}

/** The production session on a client that is never connected: a refusal must not need Temporal. */
const connector: LifecycleConnector = (config, store, where, db) => {
  connections += 1;
  return Promise.resolve(
    openLifecycleSession(new Client({ namespace: 'default' }), config, store, where, db, () => Promise.resolve()),
  );
};

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {
      CERTFLOW_DATABASE_URL: databaseUrl(),
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      CERTFLOW_TASK_QUEUE: TASK_QUEUE,
      ...env,
    },
    cwd: dir,
    connectLifecycles: connector,
  });
  takeOperatorModeLine(err);
  return { code, out: out.join('\n'), err };
}

describe('campaign roles come from the worker', () => {
  it('R-SEC-2: the CLI environment says security lead, the worker does not: preview and start are refused up front with the fix, and one warning says the CLI variables are ignored', async () => {
    await workerPublishes(['email:someone-else@example.com']);
    const env = { CERTFLOW_ACTOR: LEAD, CERTFLOW_SECURITY_LEADS: LEAD, CERTFLOW_ADMINS: LEAD };
    const preview = await run(['campaign', 'preview', 'name=*.example.com'], env);
    expect(preview.code).toBe(EXIT.failure);
    expect(preview.err.filter((line) => line.includes('warning'))).toEqual([
      expect.stringMatching(
        /^certflow: warning: CERTFLOW_SECURITY_LEADS and CERTFLOW_ADMINS are ignored here: roles come from the certflow worker's configuration/,
      ),
    ]);
    expect(preview.err.at(-1)).toMatch(
      new RegExp(
        `^certflow: you \\(${LEAD}\\) are not a security lead: .*CERTFLOW_SECURITY_LEADS of the certflow worker's configuration and restarts it`,
      ),
    );
    const start = await run(['campaign', 'start', 'name=*.example.com', '--reason', 'CA X compromised', '--yes'], env);
    expect(start.code).toBe(EXIT.failure);
    expect(start.err.at(-1)).toMatch(/are not a security lead/);
    expect(start.out).toBe('');
  });

  it('R-SEC-2: the worker says security lead and the CLI environment sets nothing: the preview runs, without a warning', async () => {
    await workerPublishes([LEAD]);
    const preview = await run(['campaign', 'preview', 'name=*.example.com'], { CERTFLOW_ACTOR: LEAD });
    expect(preview.err).toEqual([]);
    expect(preview.code).toBe(EXIT.ok);
    expect(preview.out).toContain('Selects no certificate');
  });

  it('R-SEC-2: before any worker has published its roles, role-gated actions are refused with "start certflow"', async () => {
    const preview = await run(['campaign', 'preview', 'name=*.example.com'], { CERTFLOW_ACTOR: LEAD });
    expect(preview.code).toBe(EXIT.failure);
    expect(preview.err).toEqual([
      expect.stringMatching(
        /^certflow: no certflow worker has published its roles for task queue "certflow" .* start certflow \(`npm start`, or `certflow worker`\)/,
      ),
    ]);
    expect(connections).toBe(1);
  });
});
