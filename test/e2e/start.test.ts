import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPortFree } from '../../src/runtime/dev-server';
import { freePort } from '../support/ports';
import { buildDist, type CertflowProcess, ownStartEnv, processesMentioning, runCertflow } from '../support/processes';
import { REPO_ROOT } from '../support/temporal';

/** One command of a README shell block: its environment assignments and its words, comments and `\\` joins gone. */
interface ReadmeCommand {
  readonly env: Record<string, string>;
  readonly words: readonly string[];
}

/** Splits a shell line into words: double and single quotes group, `#` outside quotes starts a comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (const char of line) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (char === '#' && word === null) {
      break;
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The certflow commands of the README's shell block under `heading`, in order, `npx certflow` dropped. */
function readmeCertflowCommands(heading: string): ReadmeCommand[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return (
    block
      .replace(/\\\n\s*/g, ' ')
      // A placeholder (`<request id printed by renew>`) is one word.
      .replace(/<([a-z ]+)>/g, (_, inner: string) => `<${inner.replace(/ /g, '-')}>`)
      .split('\n')
      .flatMap((line) => line.split('&&'))
      .map(shellWords)
      .flatMap((words) => {
        const env: Record<string, string> = {};
        let rest = words;
        while (rest[0] !== undefined && /^[A-Z_]+=/.test(rest[0])) {
          const [name = '', ...value] = rest[0].split('=');
          env[name] = value.join('=');
          rest = rest.slice(1);
        }
        return rest[0] === 'npx' && rest[1] === 'certflow' ? [{ env, words: rest.slice(2) }] : [];
      })
  );
}

describe('npm start: embedded dev server + worker, end to end', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let certflow: CertflowProcess;
  let canaryWorkflowId: string;

  beforeAll(async () => {
    buildDist();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-start-'));
    env = {
      ...(await ownStartEnv(dataDir)),
      CERTFLOW_TLS_ENDPOINTS: `127.0.0.1:${await freePort()}`,
      CERTFLOW_SECURITY_LEADS: 'email:sec@example.com',
    };
    certflow = runCertflow(['start'], env);
    await certflow.waitForLine(/^Ctrl-C stops the worker and the dev server\.$/);
  });

  afterAll(async () => {
    if (certflow.child.exitCode === null) {
      certflow.child.kill('SIGKILL');
      await certflow.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints where everything is', () => {
    const banner = certflow.stdout.join('\n');
    expect(banner).toContain(`Temporal gRPC     127.0.0.1:${env.TEMPORAL_PORT} (namespace default)`);
    expect(banner).toContain(`Temporal Web UI   http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
    expect(banner).toContain(`Temporal history  ${path.join(dataDir, 'temporal.sqlite')}`);
    expect(banner).toContain('Task queue        certflow');
    expect(banner).toContain(
      `CA and CRL        http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/ca/internal/crl ` +
        `(listening on 0.0.0.0:${env.CERTFLOW_HTTP_PORT}, every interface)`,
    );
    expect(banner).toContain(`TLS endpoint      ${env.CERTFLOW_TLS_ENDPOINTS}`);
    expect(banner).toMatch(/^ {2}Slack stand-in {4}http:\/\/127\.0\.0\.1:\d+\/ \(open it in a browser/m);
    expect(banner).toMatch(/^ {2}Jira stand-in {5}http:\/\/127\.0\.0\.1:\d+\/ \(change tickets/m);
  });

  it('R-MON-1, R-REN-1: gives its TLS endpoint a first certificate from the internal CA and starts its lifecycle; publishes the CRL', async () => {
    await certflow.waitForLine(/^lifecycles: /);
    expect(certflow.stdout).toContain(`issued a first certificate for the TLS endpoint ${env.CERTFLOW_TLS_ENDPOINTS}`);
    expect(certflow.stdout).toContain('lifecycles: 1 started, 0 already running');
    const crl = await fetch(`http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/ca/internal/crl.pem`);
    expect(crl.status).toBe(200);
    expect(await crl.text()).toMatch(/^-----BEGIN X509 CRL-----/);
  });

  it("the README's renewal from start to finish works in order after npm start made the demo group", async () => {
    await certflow.waitForLine(/^lifecycles: /);
    expect(certflow.stdout).toContain("created owner group demo for the Slack stand-in's demo users and channel");
    const commands = readmeCertflowCommands('#### A renewal from start to finish');
    expect(commands.map((command) => command.words[0])).toEqual(['groups', 'list', 'renew', 'approve', 'lifecycle']);
    let id = '<id>';
    let request = '<request-id-printed-by-renew>';
    const outputs: string[] = [];
    for (const command of commands) {
      const words = command.words.map((word) =>
        word === '<id>' ? id : word === '<request-id-printed-by-renew>' ? request : word,
      );
      const run = runCertflow(words, { ...env, ...command.env });
      const code = await run.exited;
      const out = [...run.stdout, ...run.stderr].join('\n');
      expect(code, `certflow ${words.join(' ')}:\n${out}`).toBe(0);
      outputs.push(out);
      if (words[0] === 'list') id = /^([0-9a-f]{16}) +localhost /m.exec(out)?.[1] ?? id;
      if (words[0] === 'renew') request = /request ([0-9a-f]{16}\.\d+\.\d+)/.exec(out)?.[1] ?? request;
    }
    expect(outputs[0]).toMatch(/^group demo exists already; left as it is/);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(request).toMatch(new RegExp(`^${id}\\.1\\.\\d+$`));
    // The renewal runs after the approval: the README's status command, again until its plan shows cycle 2.
    const status = commands.at(-1)!;
    let shown = outputs.at(-1) ?? '';
    while (!/, cycle 2\n/.test(shown) || !/renewal\.completed/.test(shown)) {
      const run = runCertflow(
        status.words.map((word) => (word === '<id>' ? id : word)),
        env,
      );
      expect(await run.exited).toBe(0);
      shown = run.stdout.join('\n') + '\n';
    }
    expect(shown).toMatch(/revocation +serial [0-9a-f]+ \(superseded\) due /);
    const crl = await fetch(`http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/ca/internal/crl.pem`);
    expect(await crl.text()).toMatch(/^-----BEGIN X509 CRL-----/);
  });

  it('R-MON-1: a timer canary started from the CLI completes on the real worker and dev server', async () => {
    const canary = runCertflow(['canary', '--sleep', '1s', '--label', 'e2e', '--json'], env);
    expect(await canary.exited).toBe(0);
    const report = JSON.parse(canary.stdout.join('\n')) as Record<string, unknown>;
    expect(report.label).toBe('e2e');
    expect(Date.parse(report.dueAt as string) - Date.parse(report.startedAt as string)).toBe(1_000);
    expect(Date.parse(report.firedAt as string)).toBeGreaterThanOrEqual(Date.parse(report.dueAt as string));
    expect(report.observedBy).toMatch(/^certflow-worker@/);
    expect(report.url).toBe(
      `http://127.0.0.1:${env.TEMPORAL_UI_PORT}/namespaces/default/workflows/${report.workflowId as string}`,
    );
    canaryWorkflowId = report.workflowId as string;
  });

  it('R-CAM-1, R-CAM-2, R-SEC-2: a security lead replaces the endpoint certificate with a campaign from the CLI; anyone else is refused', async () => {
    await certflow.waitForLine(/^lifecycles: /);
    const stranger = runCertflow(['campaign', 'preview', 'name=localhost'], {
      ...env,
      CERTFLOW_ACTOR: 'email:mallory@example.com',
    });
    expect(await stranger.exited).toBe(1);
    expect(stranger.stderr.join('\n')).toMatch(/not a security lead/);
    const lead = { ...env, CERTFLOW_ACTOR: 'email:sec@example.com' };
    const start = runCertflow(
      ['campaign', 'start', 'name=localhost', '--reason', 'e2e: key generation bug', '--kind', 'key-generation-bug'],
      lead,
    );
    expect(await start.exited).toBe(2);
    expect(start.stderr.join('\n')).toMatch(/--yes/);
    const started = runCertflow(
      ['campaign', 'start', 'name=localhost', '--reason', 'e2e: key generation bug', '--yes', '--json'],
      lead,
    );
    expect(await started.exited).toBe(0);
    const { campaign } = JSON.parse(started.stdout.join('\n')) as { campaign: { id: string } };
    let status: { status: string; counts: Record<string, number> } | undefined;
    // Each poll is a whole CLI run (about a second): waits for the campaign's state, not for a guessed time.
    for (let poll = 0; poll < 60 && status?.status !== 'completed'; poll += 1) {
      const run = runCertflow(['campaign', 'status', campaign.id, '--json'], lead);
      expect(await run.exited).toBe(0);
      status = JSON.parse(run.stdout.join('\n')) as typeof status;
    }
    expect(status?.status).toBe('completed');
    expect(status?.counts['old-revoked']).toBe(1);
    const report = runCertflow(['campaign', 'report', campaign.id, '--format', 'csv'], lead);
    expect(await report.exited).toBe(0);
    expect(report.stdout.join('\n')).toMatch(/old-revoked/);
  });

  it('serves the Temporal Web UI', async () => {
    const response = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`);
    expect(response.status).toBe(200);
  });

  it('refuses to start twice on the same ports, saying why', async () => {
    const second = runCertflow(['start'], { ...env, CERTFLOW_DATA_DIR: path.join(dataDir, 'other') });
    expect(await second.exited).toBe(1);
    expect(second.stderr.join('\n')).toMatch(
      new RegExp(
        `^certflow: port ${env.TEMPORAL_PORT} \\(TEMPORAL_PORT\\) is already in use: is certflow already running\\?`,
      ),
    );
  });

  it('refuses a second instance on the same data folder, even on other ports', async () => {
    const second = runCertflow(['start'], {
      ...env,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    });
    expect(await second.exited).toBe(1);
    expect(second.stderr.join('\n')).toMatch(
      new RegExp(`^certflow: the data folder ${dataDir} is in use by certflow \\(pid ${certflow.child.pid}\\)`),
    );
  });

  it('stops the worker and the dev server on Ctrl-C, leaving no process behind', async () => {
    certflow.child.kill('SIGINT');
    expect(await certflow.exited).toBe(0);
    expect(certflow.stdout).toContain('certflow stopped');
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'certflow.lock'))).toBe(false);
    await assertPortFree(Number(env.TEMPORAL_PORT), 'TEMPORAL_PORT');
    await assertPortFree(Number(env.TEMPORAL_UI_PORT), 'TEMPORAL_UI_PORT');
  });

  it('keeps workflow history in the SQLite file across restarts', async () => {
    certflow = runCertflow(['start'], env);
    await certflow.waitForLine(/^Ctrl-C stops the worker and the dev server\.$/);
    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    try {
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(canaryWorkflowId).describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.type).toBe('timerCanaryWorkflow');
    } finally {
      await connection.close();
    }
    certflow.child.kill('SIGTERM');
    expect(await certflow.exited).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);
  });

  it("R-SEC-2: a security lead added to the worker's configuration is one for lifecycles already running (issue 14.2)", async () => {
    const changed = { ...env, CERTFLOW_SECURITY_LEADS: 'email:lead2@example.com' };
    certflow = runCertflow(['start'], changed);
    // Lifecycles read their roster when they start: a restart with other role lists tells them to read it again.
    await certflow.waitForLine(/^roles changed: [1-9]\d* running lifecycle\(s\) told to re-read them$/);
    const lead = { ...changed, CERTFLOW_ACTOR: 'email:lead2@example.com' };
    const started = runCertflow(
      ['campaign', 'start', 'name=localhost', '--reason', 'e2e: new lead', '--yes', '--json'],
      lead,
    );
    expect(await started.exited).toBe(0);
    const { campaign } = JSON.parse(started.stdout.join('\n')) as { campaign: { id: string } };
    let status: { status: string; failureReasons?: unknown } | undefined;
    for (let poll = 0; poll < 60 && (status === undefined || status.status === 'running'); poll += 1) {
      const run = runCertflow(['campaign', 'status', campaign.id, '--json'], lead);
      expect(await run.exited).toBe(0);
      status = JSON.parse(run.stdout.join('\n')) as typeof status;
    }
    // Before, the lifecycle kept the roster of its first start and refused the new lead's pre-approval.
    expect(status).toMatchObject({ status: 'completed' });
    certflow.child.kill('SIGTERM');
    expect(await certflow.exited).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});
