/**
 * Issue 17, "a real Temporal cluster, without Docker": the topology of `npm run cluster` (scripts/cluster.js) on a
 * test PostgreSQL — the Temporal server 1.29.1 built with go install on postgres12 persistence and visibility, the
 * inventory on the same server, two `certflow worker` processes. An owner's renewal (asked and approved with the CLI)
 * and a 20-certificate campaign run while one worker is killed with SIGKILL; everything completes exactly once on the surviving worker.
 * The first run builds the server (about 10 minutes on 2 busy cores); later runs reuse .tools/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlCampaignStore } from '../../src/adapters/database/sql-campaign-store';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import type { CampaignProgress } from '../../src/core/domain/campaigns/model';
import { campaignWorkflowId } from '../../src/core/workflows/definitions';
import { DEMO_GROUP_ID, DEMO_USERS, ensureDemoOwnerGroup } from '../../src/adapters/slack/stand-in/demo-workspace';
import { decodeCertificates } from '../../src/core/domain/certificates/decode-certificates';
import { findPostgresBinDir } from '../../scripts/provision-postgres';
import { startTemporalCluster } from '../../scripts/cluster';
import { compromisedCertificateFiles, importAndStartCompromiseCampaign } from '../support/compromised-certificates';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { freePort } from '../support/ports';
import { buildDist, runCertflow, runCertflowToEnd, type CertflowProcess } from '../support/processes';
import { until } from '../support/until';

const LEAD = 'email:sec@example.com';
const OWNER = `email:${DEMO_USERS.owner.email}`;
const APPROVER = `email:${DEMO_USERS.approver.email}`;
const CERTIFICATES = 20;
const KILL_AFTER_ISSUED = 6;
const FINISHED_OR_ISSUED = new Set(['issued', 'installed', 'verified', 'old-revoked']);
const PROVISION_MS = 40 * 60_000;

/** Why this machine cannot run the cluster, or null when it can (CI has both). */
function missingTools(): string | null {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    return 'the Go toolchain is not installed (apt-get install golang-go), so the Temporal server cannot be built';
  }
  if (findPostgresBinDir() === null && !process.env.DATABASE_URL && process.getuid?.() !== 0) {
    return 'the PostgreSQL server binaries are not installed (apt-get install postgresql) and DATABASE_URL is unset';
  }
  return null;
}

const missing = missingTools();
if (missing !== null) process.stderr.write(`[certflow] skipping test/e2e/cluster.test.ts: ${missing}\n`);

describe.skipIf(missing !== null)('the real Temporal cluster of npm run cluster (issue 17)', () => {
  let postgres: TestPostgres;
  let cluster: Awaited<ReturnType<typeof startTemporalCluster>>;
  const workers: CertflowProcess[] = [];
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-cluster-'));

  beforeAll(async () => {
    buildDist();
    postgres = await startTestPostgres();
    const databases = {
      temporal: await postgres.createDatabase(),
      visibility: await postgres.createDatabase(),
      inventory: await postgres.createDatabase(),
    };
    const log = (line: string) => process.stderr.write(`[cluster] ${line}\n`);
    cluster = await startTemporalCluster({ folder, databases, log });
  }, PROVISION_MS);
  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
    }
    await cluster?.stop();
    await postgres?.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it(
    'R-RA-1, R-CAM-3, R-CAM-4: an owner renewal and a 20-certificate campaign on two workers complete, each certificate replaced exactly once, though one worker is SIGKILLed',
    async () => {
      const httpPorts = [await freePort(), await freePort()];
      const publicUrl = `http://127.0.0.1:${httpPorts[0]}`;
      const workerEnv = (index: number): NodeJS.ProcessEnv => ({
        ...cluster.workerEnv(index, httpPorts[index - 1], publicUrl),
        CERTFLOW_LOG_LEVEL: 'WARN',
        CERTFLOW_SECURITY_LEADS: LEAD,
        CERTFLOW_SLACK: 'off',
        CERTFLOW_JIRA: 'off',
      });
      for (const index of [1, 2]) {
        const worker = runCertflow(['worker'], workerEnv(index));
        workers.push(worker);
        await worker.waitForLine(/^Ctrl-C stops the worker\.$/);
      }
      const [first, second] = workers as [CertflowProcess, CertflowProcess];
      // The CLI's environment sets no role: roles come from what the workers publish.
      const cliEnv = { ...workerEnv(1), CERTFLOW_SECURITY_LEADS: '', CERTFLOW_ACTOR: LEAD };
      const { store, db } = await openInventoryDatabase({ url: cluster.databases.inventory });
      const connection = await Connection.connect({ address: cluster.address });
      try {
        await ensureDemoOwnerGroup(store);
        const campaigns = new SqlCampaignStore({ db });
        const { files, issuerDn } = await compromisedCertificateFiles(folder, CERTIFICATES);

        // The renewal: a certificate of another CA, outside the campaign, renewed by its owner and approved.
        const [ownFile = ''] = (
          await compromisedCertificateFiles(path.join(folder, 'own'), 1, {
            organization: 'Own Corp',
            hostPrefix: 'own',
          })
        ).files;
        const ownImport = await runCertflowToEnd(['import', ownFile, '--owner', DEMO_GROUP_ID], cliEnv);
        expect(ownImport.code, ownImport.out).toBe(0);
        const ownFingerprint = decodeCertificates(fs.readFileSync(ownFile), ownFile).certificates[0]?.facts
          .fingerprintSha256;
        const own = await store.findManagedCertificateByFingerprint(ownFingerprint ?? '');
        const asked = await runCertflowToEnd(['renew', own?.id ?? '', '--reason', 'key rotation', '--json'], {
          ...cliEnv,
          CERTFLOW_ACTOR: OWNER,
        });
        expect(asked.code, asked.out).toBe(0);
        const request = JSON.parse(asked.stdout) as { id: string };
        const approved = await runCertflowToEnd(['approve', request.id, '--json'], {
          ...cliEnv,
          CERTFLOW_ACTOR: APPROVER,
        });
        expect(approved.code, approved.out).toBe(0);

        // The campaign starts once the owner's renewal is approved: started earlier, it could finish before the kill
        // while the CLI steps above ran.
        const campaignId = await importAndStartCompromiseCampaign(files, issuerDn, cliEnv);
        const along = await until(
          async () => {
            const members = await campaigns.listMembers(campaignId);
            const issued = members.filter((member) => FINISHED_OR_ISSUED.has(member.state)).length;
            return issued >= KILL_AFTER_ISSUED ? issued : undefined;
          },
          'members issued before the kill',
          600_000,
        );
        first.child.kill('SIGKILL');
        expect(along).toBeLessThan(CERTIFICATES);
        expect(await first.exited).toBe('SIGKILL');

        const client = new Client({ connection, namespace: cluster.namespace });
        const end = (await client.workflow.getHandle(campaignWorkflowId(campaignId)).result()) as CampaignProgress;
        expect(end.status).toBe('completed');
        expect(end.counts['old-revoked'], JSON.stringify(end.counts)).toBe(CERTIFICATES);
        const rows = async (action: string) => (await store.queryAudit({ action }, { limit: 1000 })).items;
        await until(
          async () => ((await rows('certificate.verified')).length > CERTIFICATES ? true : undefined),
          'the owner renewal verified',
          300_000,
        );
        const renewed = await store.getManagedCertificate(own?.id ?? '');
        expect(renewed?.currentFingerprint).not.toBe(ownFingerprint);
        expect(second.child.exitCode).toBeNull();

        const members = await campaigns.listMembers(campaignId);
        expect(members).toHaveLength(CERTIFICATES);
        for (const member of members) {
          const managed = await store.getManagedCertificate(member.managedCertificateId);
          expect(managed?.currentFingerprint).not.toBe(member.fingerprintSha256);
        }
        for (const action of ['certificate.issued', 'certificate.installed', 'certificate.verified']) {
          const subjects = (await rows(action)).map((row) => row.subject);
          expect(subjects, action).toHaveLength(CERTIFICATES + 1);
          expect(new Set(subjects).size, action).toBe(CERTIFICATES + 1);
        }
        const requested = (await rows('renewal.requested')).filter((row) => row.details.campaignId === campaignId);
        expect(requested).toHaveLength(CERTIFICATES);
        const keys = (await rows('ticket.opened')).map((row) => String(row.details.ticket));
        expect(new Set(keys).size, `ticket keys ${keys.join(', ')}`).toBe(keys.length);
        expect(await rows('campaign.completed')).toHaveLength(1);
      } finally {
        await connection.close();
        await store.close();
      }
    },
    PROVISION_MS,
  );
});
