import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from '../../src/adapters/slack/stand-in/slack-stand-in';
import { buildDist, type CertflowProcess, ownStartEnv, runCertflow } from '../support/processes';

const BOT_TOKEN = 'xoxb-e2e-socket-0001';
const APP_TOKEN = 'xapp-1-e2e-socket-0001';

describe('certflow start with Slack in Socket Mode (the stand-in)', () => {
  let standIn: SlackStandIn;
  let certflow: CertflowProcess;
  let dataDir: string;
  let httpPort: number;

  beforeAll(async () => {
    buildDist();
    standIn = await startSlackStandIn({ botToken: BOT_TOKEN, appToken: APP_TOKEN, signingSecret: 'unused' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-start-socket-'));
    const env = await ownStartEnv(dataDir);
    httpPort = Number(env.CERTFLOW_HTTP_PORT);
    certflow = runCertflow(['start'], {
      ...env,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: standIn.apiUrl,
    });
    await certflow.waitForLine(/^lifecycles: /);
  });

  afterAll(async () => {
    if (certflow?.child.exitCode === null) {
      certflow.child.kill('SIGKILL');
      await certflow.exited;
    }
    await standIn?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('connects without a signing secret, mounts nothing at /slack/events, and closes the socket when stopped', async () => {
    expect(certflow.stdout).toContain('Slack app connected to Slack over Socket Mode');
    expect(standIn.socketMode.connected).toBe(true);
    const events = await fetch(`http://127.0.0.1:${httpPort}/slack/events`, { method: 'POST', body: '{}' });
    expect(events.status).toBe(404);

    certflow.child.kill('SIGTERM');
    expect(await certflow.exited).toBe(0);
    await standIn.socketMode.disconnected();
    expect(standIn.socketMode.connected).toBe(false);
  });
});
