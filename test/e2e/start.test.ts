import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPortFree } from '../../worker/dev-server';
import { freePort } from '../support/ports';
import { buildDist, type CertflowProcess, ownStartEnv, processesMentioning, runCertflow } from '../support/processes';

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
    expect(banner).toContain(`CA and CRL        http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/ca/internal/crl`);
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
});
