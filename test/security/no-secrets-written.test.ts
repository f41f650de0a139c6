/**
 * R-KEY-1 and R-SEC-1 over a whole run: the real `certflow start` with the Slack stand-in, a known bot token,
 * signing secret, CA passphrase and codec token, renews an endpoint approved with a Slack button. Afterwards nothing
 * the run wrote — its log lines, the lifecycle's workflow history (exported in clear: no payload keys here, so a
 * leak would show), every Slack message, ephemeral and view, and the data folder's files but the key material's own
 * — holds a private key, the passphrase or a token.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/adapters/slack/views/block-ids';
import type { SlackStandIn } from '../../src/adapters/slack/stand-in/slack-stand-in';
import { resolveTemporalServer } from '../../src/runtime/temporal-tools';
import { REPO_ROOT } from '../support/temporal';
import { until } from '../support/until';
import { type CertflowProcess, runCertflowToEnd } from '../support/processes';
import { type SlackStart, startCertflowWithSlack } from '../support/slack-start';

const BOT_TOKEN = 'xoxb-secret-scan-0001';
const SIGNING_SECRET = 'signing-secret-scan-4f1e';
const PASSPHRASE = 'ca-passphrase-scan-9c27d';
const CODEC_TOKEN = 'codec-token-scan-51ab7e';
const USERS = ['U0OWNER', 'U0BOB'];

/**
 * Files holding key material on purpose: the key store, the CA's encrypted keys, and a deployed key where its server
 * reads it with the deployer's rollback copy beside it.
 */
const KEY_MATERIAL =
  /^(keys\/|ca\/internal\/authority\/.*\.key\.pem$|endpoints\/[^/]+\/key\.pem(\.certflow-previous)?$)/;

describe('R-KEY-1, R-SEC-1: no private key, passphrase or token in anything a run wrote', () => {
  let standIn: SlackStandIn;
  let certflow: CertflowProcess;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let started: SlackStart | undefined;

  beforeAll(async () => {
    started = await startCertflowWithSlack({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      users: [
        { id: 'U0OWNER', name: 'owner', email: 'owner@example.com' },
        { id: 'U0BOB', name: 'bob', email: 'bob@example.com' },
      ],
      env: { CERTFLOW_LOG_LEVEL: 'DEBUG', CERTFLOW_CA_PASSPHRASE: PASSPHRASE, CERTFLOW_CODEC_TOKEN: CODEC_TOKEN },
    });
    ({ standIn, certflow, env, dataDir } = started);
  });
  afterAll(async () => {
    await started?.close();
  });

  it(
    'R-KEY-1, R-SEC-1: logs, history, chat and the data folder hold no key, passphrase or token after a renewal',
    { timeout: 180_000 },
    async () => {
      const printed: string[] = [];
      const listed = await runCertflowToEnd(['list', '--json'], env);
      printed.push(listed.out);
      const id = (JSON.parse(listed.stdout) as { items: { id: string }[] }).items[0]!.id;
      const renew = await runCertflowToEnd(['renew', id, '--reason', 'secret scan', '--json'], {
        ...env,
        CERTFLOW_ACTOR: 'email:owner@example.com',
      });
      expect(renew.code, renew.out).toBe(0);
      printed.push(renew.out);
      const approverDm = await until(() => standIn.dmChannel('U0BOB'), 'the DM to the approver');
      const approval = await until(
        () => standIn.messages(approverDm).find((m) => JSON.stringify(m.blocks).includes(ACTION_IDS.approveRequest)),
        'the approval request',
      );
      const appUrl = `http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/slack/events`;
      await standIn
        .as('U0BOB', { appUrl })
        .click({ channel: approverDm, ts: approval.ts, actionId: ACTION_IDS.approveRequest });
      const status = await until(
        async () => {
          const result = await runCertflowToEnd(['lifecycle', 'status', id, '--json'], env);
          const view = JSON.parse(result.stdout) as { lifecycle: { cycle: number; workflowId: string } };
          return view.lifecycle.cycle === 2 ? { view, out: result.out } : undefined;
        },
        'the renewal',
        120_000,
      );
      printed.push(status.out);

      // The lifecycle's history, exported as an operator would.
      const cli = resolveTemporalServer('devServer', process.env, REPO_ROOT);
      if (cli.type !== 'existing-path')
        throw new Error('the Temporal CLI is not provisioned (npm test runs bootstrap)');
      const { stdout: history } = await promisify(execFile)(
        cli.path,
        [
          'workflow',
          'show',
          '--workflow-id',
          status.view.lifecycle.workflowId,
          '--address',
          `127.0.0.1:${env.TEMPORAL_PORT}`,
          '--output',
          'json',
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      // Payloads are base64 in the export: decode them so text inside them is searched too.
      const payloads = [...history.matchAll(/"data": "([A-Za-z0-9+/=]*)"/g)].map(([, data]) =>
        Buffer.from(data ?? '', 'base64').toString('utf8'),
      );

      const chat = JSON.stringify({
        channel: standIn.messages('C0DEMO'),
        dms: USERS.map((user) => standIn.dmChannel(user)).flatMap((dm) => (dm ? standIn.messages(dm) : [])),
        ephemeral: USERS.map((user) => standIn.ephemeral(user)),
        views: USERS.map((user) => standIn.views(user)),
      });
      const dataFiles = fs
        .readdirSync(dataDir, { recursive: true, encoding: 'utf8' })
        .filter((entry) => fs.statSync(path.join(dataDir, entry)).isFile() && !KEY_MATERIAL.test(entry));
      const written: Record<string, string> = {
        'certflow start output': [...certflow.stdout, ...certflow.stderr].join('\n'),
        'CLI output': printed.join('\n'),
        'workflow history': `${history}\n${payloads.join('\n')}`,
        'Slack messages': chat,
        ...Object.fromEntries(
          dataFiles.map((entry) => [`data/${entry}`, fs.readFileSync(path.join(dataDir, entry), 'latin1')]),
        ),
      };

      // Every line of base64 in every key file: a key leaked in any encoding but a re-wrap would share one.
      const keyFiles = fs
        .readdirSync(dataDir, { recursive: true, encoding: 'utf8' })
        .filter((entry) => /\.key\.pem$|(^|\/)key\.pem$/.test(entry));
      expect(keyFiles.length).toBeGreaterThanOrEqual(3);
      const keyLines = keyFiles.flatMap((entry) =>
        fs
          .readFileSync(path.join(dataDir, entry), 'utf8')
          .split('\n')
          .filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line))
          .map((line) => ({ what: `a line of ${entry}`, text: line })),
      );
      const secrets = [
        ...keyLines,
        { what: 'the bot token', text: BOT_TOKEN },
        { what: 'the signing secret', text: SIGNING_SECRET },
        { what: 'the CA passphrase', text: PASSPHRASE },
        { what: 'the codec token', text: CODEC_TOKEN },
        { what: 'a PEM private key', text: 'PRIVATE KEY-----' },
      ];
      const leaks = Object.entries(written).flatMap(([where, text]) =>
        secrets.filter((secret) => text.includes(secret.text)).map((secret) => `${secret.what} in ${where}`),
      );
      expect(leaks).toEqual([]);
      // And the key material outside the key store is for its owner's eyes only.
      const keyMaterialModes = fs
        .readdirSync(dataDir, { recursive: true, encoding: 'utf8' })
        .filter((entry) => KEY_MATERIAL.test(entry) && fs.statSync(path.join(dataDir, entry)).isFile())
        .map((entry) => `${entry} ${(fs.statSync(path.join(dataDir, entry)).mode & 0o777).toString(8)}`);
      expect(keyMaterialModes.filter((line) => !line.endsWith(' 600'))).toEqual([]);
      // The scan saw the run: the history and the chat are there to be searched.
      expect(written['workflow history']).toContain('certificateLifecycleWorkflow');
      expect(chat).toContain('Approved');
    },
  );
});
