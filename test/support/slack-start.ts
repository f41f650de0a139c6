import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from '../../src/adapters/slack/stand-in/slack-stand-in';
import type { StandInUser } from '../../src/adapters/slack/stand-in/stand-in-state';
import { freePort } from './ports';
import { buildDist, type CertflowProcess, ownStartEnv, runCertflow, runCertflowToEnd } from './processes';

/** A `certflow start` talking to a Slack stand-in, with the demo group (owner, approver bob, channel C0DEMO). */
export interface SlackStart {
  standIn: SlackStandIn;
  certflow: CertflowProcess;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** Stops certflow (SIGINT) and the stand-in and removes the data folder. */
  close(): Promise<void>;
}

/**
 * Starts the Slack stand-in with `users` (owner@example.com as U0OWNER and bob@example.com as U0BOB among them),
 * creates group demo (owner contact, bob approver, channel C0DEMO) and runs `certflow start` with one TLS endpoint,
 * resolving once its lifecycles started. `env` adds to or overrides the start's environment.
 */
export async function startCertflowWithSlack(options: {
  botToken: string;
  signingSecret: string;
  users: StandInUser[];
  env?: NodeJS.ProcessEnv;
}): Promise<SlackStart> {
  buildDist();
  const standIn = await startSlackStandIn({
    botToken: options.botToken,
    signingSecret: options.signingSecret,
    users: options.users,
    channels: [{ id: 'C0DEMO', name: 'demo' }],
  });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-start-slack-'));
  const env = {
    ...(await ownStartEnv(dataDir)),
    CERTFLOW_TLS_ENDPOINTS: `127.0.0.1:${await freePort()}`,
    SLACK_BOT_TOKEN: options.botToken,
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_API_URL: standIn.apiUrl,
    ...options.env,
  };
  const group = await runCertflowToEnd(
    [
      ...['groups', 'create', 'demo', '--name', 'Demo', '--contact', 'owner@example.com'],
      ...['--approver', 'bob@example.com', '--slack-channel', 'C0DEMO'],
    ],
    env,
  );
  expect(group.code, group.out).toBe(0);
  const certflow = runCertflow(['start'], env);
  await certflow.waitForLine(/^lifecycles: /);
  return {
    standIn,
    certflow,
    env,
    dataDir,
    async close() {
      if (certflow.child.exitCode === null) {
        certflow.child.kill('SIGINT');
        await certflow.exited;
      }
      await standIn.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
