/**
 * The lifecycle's certificate activities over the issuer registry (issue 19, R-REN-1): what loadLifecycleContext
 * gathers for chooseIssuer, issuance through the chosen issuer (or the activity's own choice for histories recorded
 * before the workflow chose), revocation at the issuer whose chain issued the certificate, and which CA failures are
 * permanent (the owner must act) and which are retried.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInternalCa, type InternalCa } from '../../../src/adapters/ca/internal-ca';
import { openInventoryStore } from '../../../src/adapters/database/database';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { createLifecycleActivities } from '../../../src/core/activities/lifecycle';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import { summarizeCertificate } from '../../../src/core/domain/lifecycle/renewal-plan';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { certificateAuthorities } from '../../../src/core/ports/certificate-authorities';
import {
  CaRejectedError,
  CaUnavailableError,
  type CertificateAuthorityPort,
  type RevokeRequest,
} from '../../../src/core/ports/certificate-authority';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { RecordingNotifier } from '../../support/fakes/recording-notifier';
import { RecordingTicketing } from '../../support/fakes/recording-ticketing';
import { recordManagedInternalCertificate } from '../../support/managed-internal-certificate';

const GROUP: OwnerGroup = {
  id: 'web',
  name: 'Web',
  contacts: [{ email: 'owner@example.com' }],
  approvers: [{ email: 'ann@example.com' }],
  managementContact: null,
  incidentResponseContact: null,
  slack: {},
  jira: {},
  reminderDays: null,
  autoRenew: false,
  issuer: 'acme:other',
};

describe('lifecycle activities over the issuer registry (R-REN-1)', () => {
  let folder: string;
  let store: InventoryStore;
  let ca: InternalCa;
  let keyStore: FileKeyStore;
  /** What the ACME stand-in does on issue: the internal CA's certificate, or a failure a test sets. */
  let acmeFailure: Error | null;
  const acmeIssued: string[] = [];
  const acmeRevoked: RevokeRequest[] = [];
  let activities: ReturnType<typeof createLifecycleActivities>;
  const mock = new MockActivityEnvironment({ workflowExecution: { workflowId: 'certflow-issuers', runId: 'run-1' } });
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    mock.run<A, R, typeof fn>(fn, ...args);

  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-issuers-'));
    store = await openInventoryStore({ url: ':memory:' });
    ca = await openInternalCa({ folder: path.join(folder, 'ca'), passphrase: 'test', publicBaseUrl: 'http://ca.test' });
    keyStore = new FileKeyStore(path.join(folder, 'keys'));
    acmeFailure = null;
    acmeIssued.length = 0;
    acmeRevoked.length = 0;
    const acme: CertificateAuthorityPort = {
      name: 'acme:other',
      issue: async (request) => {
        if (acmeFailure) throw acmeFailure;
        acmeIssued.push(request.idempotencyKey);
        return await ca.issue(request);
      },
      revoke: (request) => {
        acmeRevoked.push(request);
        return Promise.resolve({
          serialNumber: request.serialNumber,
          revokedAt: new Date().toISOString(),
          reason: request.reason,
          newlyRevoked: true,
          publishedAt: null,
        });
      },
      issues: (issuerDn) => Promise.resolve(issuerDn === 'CN=Other ACME CA'),
    };
    await store.upsertOwnerGroup(GROUP);
    activities = createLifecycleActivities({
      store,
      loadPolicy: () => Promise.resolve(DEFAULT_POLICY),
      keyStore,
      issuers: certificateAuthorities([ca, acme]),
      deployers: [],
      notifications: new RecordingNotifier(),
      ticketing: new RecordingTicketing(),
      securityLeads: [],
      admins: [],
      publicUrl: null,
    });
  });

  afterEach(async () => {
    await store.close();
    await fs.rm(folder, { recursive: true, force: true });
  });

  /** A certificate of group web from the internal CA, as a managed certificate. */
  async function recordCertificate(): Promise<string> {
    return await recordManagedInternalCertificate({ ca, keyStore, store }, { ownerGroup: 'web' });
  }

  async function replacing(id: string) {
    const managed = (await store.getManagedCertificate(id))!;
    return summarizeCertificate(id, (await store.getCertificate(managed.currentFingerprint))!);
  }

  const issueInput = async (id: string, key: string) => ({
    idempotencyKey: key,
    managedCertificateId: id,
    replacing: await replacing(id),
    keyRef: `${id}/${key}`,
    keySpec: { algorithm: 'EC' as const, curve: 'P-256' as const },
    validityDays: 30,
    actor: 'system',
  });

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  it("R-REN-1: the context gathers the group's and the policy's issuer, the current version's issuer and the configured names", async () => {
    const id = await recordCertificate();
    const context = await run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    expect(context.issuerSettings).toEqual({
      groupIssuer: 'acme:other',
      policyIssuer: null,
      currentIssuer: 'internal',
      defaultIssuer: 'internal',
      configured: ['internal', 'acme:other'],
    });
  });

  it("R-REN-1: issues through the workflow's chosen issuer, and audits which one and why", async () => {
    const id = await recordCertificate();
    const chosen = { kind: 'chosen' as const, issuer: 'acme:other', source: 'campaign' as const };
    const issued = await run(activities.issueReplacementCertificate, {
      ...(await issueInput(id, 'i1')),
      issuer: chosen,
    });
    expect(acmeIssued).toEqual(['i1']);
    const audit = await store.queryAudit(
      { subject: issued.certificate.fingerprintSha256, action: 'certificate.issued' },
      { limit: 1 },
    );
    expect(audit.items[0]?.details).toMatchObject({ ca: 'acme:other', issuerChosenBy: 'campaign' });
  });

  it('R-REN-1: a renewal scheduled before the workflow chose (an older history) is issued where the settings say', async () => {
    const id = await recordCertificate();
    await run(activities.issueReplacementCertificate, await issueInput(id, 'i2'));
    expect(acmeIssued).toEqual(['i2']);
  });

  it('R-REN-1: a setting naming an unconfigured issuer fails for good with the fix', async () => {
    const id = await recordCertificate();
    const failure = await failureOf(
      run(activities.issueReplacementCertificate, {
        ...(await issueInput(id, 'i3')),
        issuer: { kind: 'unknown-issuer', issuer: 'acme:gone', source: 'owner-group', fix: 'add it or change it' },
      }),
    );
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('cannot renew: add it or change it');
  });

  it.each([
    [
      'a wrong EAB key',
      new CaRejectedError('acme:other refused the request (unauthorized: bad MAC); check eab.keyId and eab.hmacKey'),
    ],
    [
      'a rejected order',
      new CaRejectedError('acme:other refused the order: www.example.com: the http-01 challenge failed'),
    ],
    ['CAA forbids the CA', new CaRejectedError('acme:other (CAA identity x) may not issue for www.example.com')],
  ])("R-REN-1: %s fails for good with the CA's reason: the owner must act", async (_case, error) => {
    const id = await recordCertificate();
    acmeFailure = error;
    const failure = await failureOf(run(activities.issueReplacementCertificate, await issueInput(id, 'i4')));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(error.message);
  });

  it.each([
    ['an unreachable directory', new CaUnavailableError('acme:other failed: connect ECONNREFUSED')],
    ['a CA that times out', new CaUnavailableError('acme:other did not answer within 30 s')],
  ])("R-REN-1: %s is retried by the lifecycle's issuing retry policy", async (_case, error) => {
    const id = await recordCertificate();
    acmeFailure = error;
    const thrown = await run(activities.issueReplacementCertificate, await issueInput(id, 'i6')).catch(
      (caught: unknown) => caught,
    );
    expect(thrown).toBe(error);
  });

  it('R-REN-1: a rate-limited CA is retried when it says (Retry-After)', async () => {
    const id = await recordCertificate();
    acmeFailure = new CaUnavailableError('acme:other refused the request (rateLimited)', 120);
    const failure = await failureOf(run(activities.issueReplacementCertificate, await issueInput(id, 'i5')));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe('120s');
  });

  it('R-REV-1: revocation goes to the configured issuer whose chain issued the certificate, with the reason', async () => {
    const id = await recordCertificate();
    const revoked = await run(activities.revokeCertificate, {
      idempotencyKey: 'r1',
      fingerprintSha256: (await replacing(id)).fingerprintSha256,
      serialNumber: '0a',
      issuer: 'CN=Other ACME CA',
      reason: 'cACompromise',
      keyRef: null,
      actor: 'system',
    });
    expect(revoked.outcome).toBe('revoked');
    expect(acmeRevoked).toMatchObject([{ serialNumber: '0a', issuer: 'CN=Other ACME CA', reason: 'cACompromise' }]);
    const foreign = await run(activities.revokeCertificate, {
      idempotencyKey: 'r2',
      fingerprintSha256: 'cd'.repeat(32),
      serialNumber: '0b',
      issuer: 'CN=Some Public CA',
      reason: 'superseded',
      keyRef: null,
      actor: 'system',
    });
    expect(foreign.outcome).toBe('not-issued-by-certflow');
  });
});
