/**
 * Issue 14 item 4, end to end: a campaign over 20 file-deployed certificates on real `certflow worker` processes
 * against a real Temporal dev server; the worker is killed with SIGKILL mid-campaign and a new one started. The
 * campaign completes, every certificate is replaced exactly once, the audit log is complete and no ticket key is
 * shared by two certificates, with each kind of Slack and Jira adapter: off (console adapters, kept in the inventory
 * database) and real (the Slack notifier and the Jira adapter against stand-ins this test runs, which outlive the
 * killed worker).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignProgress } from '../../src/core/domain/campaigns/model';
import { SqlCampaignStore } from '../../src/adapters/database/sql-campaign-store';
import { DEMO_JIRA_PROJECT, startDemoJira, type DemoJira } from '../../src/adapters/jira/stand-in/demo-jira';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { ensureDemoOwnerGroup, startDemoSlack, type DemoSlack } from '../../src/adapters/slack/stand-in/demo-workspace';
import { campaignWorkflowId } from '../../src/core/workflows/definitions';
import { compromisedCertificateFiles, importAndStartCompromiseCampaign } from '../support/compromised-certificates';
import { freePort } from '../support/ports';
import { standInWorkerEnv } from '../support/stand-in-env';
import { buildDist, runCertflow, type CertflowProcess } from '../support/processes';
import { createDevServerEnv, uniqueTaskQueue } from '../support/temporal';

const LEAD = 'email:sec@example.com';
const CERTIFICATES = 20;
/** Members past issuance when the worker is killed: mid-campaign, with renewals under way. */
const KILL_AFTER_ISSUED = 6;
const FINISHED_OR_ISSUED = new Set(['issued', 'installed', 'verified', 'old-revoked']);

/** Waits on a condition read from the inventory (or the processes), never on a guessed time. */
async function until<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (what === '') throw new Error('unreachable');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * `off`: console adapters (CERTFLOW_SLACK=off, CERTFLOW_JIRA=off); `real`: the Slack notifier and the Jira adapter
 * against stand-ins this test runs; `stand-ins`: `certflow start` (with TEMPORAL_ADDRESS, so no embedded dev server)
 * running its own Slack and Jira stand-ins, as `npm start` does, killed and started again with them.
 */
type Mode = 'off' | 'real' | 'stand-ins';

describe('a campaign survives its worker being killed with SIGKILL (issue 14 item 4)', () => {
  let env: TestWorkflowEnvironment;
  let slack: DemoSlack | undefined;
  let jira: DemoJira | undefined;
  const workers: CertflowProcess[] = [];
  const folders: string[] = [];

  beforeAll(async () => {
    buildDist();
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
    }
    await slack?.standIn.close();
    await jira?.standIn.close();
    await env?.teardown();
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  /** The environment of a `certflow worker` (and the CLI) with this mode's Slack and Jira. */
  async function settings(mode: Mode, folder: string): Promise<NodeJS.ProcessEnv> {
    const base: NodeJS.ProcessEnv = {
      TEMPORAL_ADDRESS: env.address,
      CERTFLOW_DATA_DIR: path.join(folder, 'data'),
      CERTFLOW_DATABASE_URL: `sqlite:${path.join(folder, 'data', 'inventory.sqlite')}`,
      CERTFLOW_HTTP_PORT: String(await freePort()),
      CERTFLOW_TASK_QUEUE: uniqueTaskQueue(`sigkill-${mode}`),
      CERTFLOW_LOG_LEVEL: 'WARN',
      CERTFLOW_SECURITY_LEADS: LEAD,
      CERTFLOW_SLACK: 'off',
      CERTFLOW_JIRA: 'off',
    };
    if (mode === 'off') return base;
    if (mode === 'stand-ins') {
      // The same ports after the restart, as a person restarting `npm start` gets.
      const { CERTFLOW_SLACK: _slack, CERTFLOW_JIRA: _jira, ...rest } = base;
      return {
        ...rest,
        CERTFLOW_SLACK_STAND_IN_PORT: String(await freePort()),
        CERTFLOW_JIRA_STAND_IN_PORT: String(await freePort()),
      };
    }
    slack ??= await startDemoSlack({ port: 0, appUrl: 'http://127.0.0.1:1/slack/events' });
    jira ??= await startDemoJira({ port: 0 });
    return { ...base, ...standInWorkerEnv(slack, jira) };
  }

  async function startWorker(mode: Mode, workerEnv: NodeJS.ProcessEnv): Promise<CertflowProcess> {
    const worker = runCertflow([mode === 'stand-ins' ? 'start' : 'worker'], workerEnv);
    workers.push(worker);
    await worker.waitForLine(/^Ctrl-C stops the worker\.$/);
    return worker;
  }

  it.each<Mode>(['off', 'real', 'stand-ins'])(
    'R-CAM-2, R-CAM-3, R-CAM-4: %s adapters: the campaign completes, each certificate replaced once, audit complete, no ticket key shared',
    async (mode) => {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), `certflow-sigkill-${mode}-`));
      folders.push(folder);
      const workerEnv = await settings(mode, folder);
      const { files, issuerDn } = await compromisedCertificateFiles(folder, CERTIFICATES);
      // The CLI's environment sets no role: roles come from what the worker publishes.
      const cliEnv = { ...workerEnv, CERTFLOW_SECURITY_LEADS: '', CERTFLOW_ACTOR: LEAD };

      const { store, db } = await openInventoryDatabase({ url: workerEnv.CERTFLOW_DATABASE_URL ?? '' });
      try {
        await ensureDemoOwnerGroup(store);
        const campaigns = new SqlCampaignStore({ db });
        const first = await startWorker(mode, workerEnv);
        const campaign = { id: await importAndStartCompromiseCampaign(files, issuerDn, cliEnv) };

        // Kill -9 once a few members are past issuance and others are still under way.
        const along = await until(async () => {
          const members = await campaigns.listMembers(campaign.id);
          const issued = members.filter((member) => FINISHED_OR_ISSUED.has(member.state)).length;
          return issued >= KILL_AFTER_ISSUED ? issued : undefined;
        }, 'members issued before the kill');
        first.child.kill('SIGKILL');
        expect(along).toBeLessThan(CERTIFICATES);
        expect(await first.exited).toBe('SIGKILL');
        await startWorker(mode, workerEnv);

        const end = (await env.client.workflow.getHandle(campaignWorkflowId(campaign.id)).result()) as CampaignProgress;
        expect(end.status).toBe('completed');
        expect(end.counts['old-revoked']).toBe(CERTIFICATES);

        const members = await campaigns.listMembers(campaign.id);
        expect(members).toHaveLength(CERTIFICATES);
        for (const member of members) {
          const managed = await store.getManagedCertificate(member.managedCertificateId);
          expect(managed?.currentFingerprint).not.toBe(member.fingerprintSha256);
        }
        // Exactly once: one issuance, one install, one verification, one revocation and one change ticket per
        // certificate (the audit log keeps one row per idempotency key, so a repeat would be a second key).
        const rows = async (action: string) => (await store.queryAudit({ action }, { limit: 1000 })).items;
        const selected = new Set(members.map((member) => member.fingerprintSha256));
        // The old CA is not certflow's: each replaced certificate's revocation is handed to people, once.
        const revoked = [...(await rows('certificate.revoked')), ...(await rows('certificate.revocation-manual'))];
        expect(revoked.map((row) => row.subject).sort()).toEqual([...selected].sort());
        for (const action of ['certificate.issued', 'certificate.installed', 'certificate.verified']) {
          const subjects = (await rows(action)).map((row) => row.subject);
          expect(subjects, action).toHaveLength(CERTIFICATES);
          expect(new Set(subjects).size, action).toBe(CERTIFICATES);
        }
        const requested = (await rows('renewal.requested')).filter((row) => row.details.campaignId === campaign.id);
        expect(requested).toHaveLength(CERTIFICATES);
        const tickets = await rows('ticket.opened');
        const keys = tickets.map((row) => String(row.details.ticket));
        expect(new Set(keys).size, `ticket keys ${keys.join(', ')}`).toBe(keys.length);
        // The mode's adapter opened them: the console's LOCAL-n, or the Jira (stand-in) project's keys.
        const keyPattern = mode === 'off' ? /^LOCAL-\d+$/ : new RegExp(`^${DEMO_JIRA_PROJECT.key}-\\d+$`);
        expect(keys.filter((key) => !keyPattern.test(key))).toEqual([]);
        expect(new Set(tickets.map((row) => row.subject)).size).toBe(keys.length);
        expect(await rows('campaign.completed')).toHaveLength(1);
      } finally {
        await store.close();
      }
    },
    900_000,
  );
});
