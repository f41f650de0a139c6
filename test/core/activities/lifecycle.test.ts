import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLifecycleActivities, type LifecycleActivityDeps } from '../../../src/core/activities/lifecycle';
import type { OwnerGroup } from '../../../src/core/domain/inventory/model';
import type { CertificateSummary } from '../../../src/core/domain/lifecycle/model';
import { summarizeCertificate } from '../../../src/core/domain/lifecycle/renewal-plan';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import { openInternalCa, type InternalCa } from '../../../src/adapters/ca/internal-ca';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { RecordingNotifier } from '../../support/fakes/recording-notifier';
import { RecordingTicketing } from '../../support/fakes/recording-ticketing';
import { TicketRejectedError } from '../../../src/core/ports/ticketing-port';
import { certificateAuthorities } from '../../../src/core/ports/certificate-authorities';
import { recordManagedInternalCertificate } from '../../support/managed-internal-certificate';

const WORKFLOW_ID = 'certflow-lifecycle-test';
const GROUP: OwnerGroup = {
  id: 'web',
  name: 'Web',
  contacts: [{ email: 'owner@example.com' }],
  approvers: [{ email: 'ann@example.com' }],
  managementContact: { email: 'boss@example.com' },
  incidentResponseContact: null,
  slack: { channelId: 'C0WEB' },
  jira: {},
  reminderDays: null,
  autoRenew: false,
};

/** The first renewal's issuance of managed certificate `id`, as the lifecycle asks for it. */
function issuance(id: string, replacing: CertificateSummary) {
  return {
    idempotencyKey: `${WORKFLOW_ID}/c1/issue/${id}.1.1`,
    managedCertificateId: id,
    replacing,
    keyRef: `${id}/c2-1`,
    keySpec: { algorithm: 'EC' as const, curve: 'P-256' as const },
    validityDays: 90,
    actor: 'email:ann@example.com',
  };
}

describe('lifecycle activities (MockActivityEnvironment, real store, CA and key store)', () => {
  let folder: string;
  let store: InventoryStore;
  let ca: InternalCa;
  let keyStore: FileKeyStore;
  let notifier: RecordingNotifier;
  let activities: ReturnType<typeof createLifecycleActivities>;
  let deps: LifecycleActivityDeps;
  const mock = new MockActivityEnvironment({ workflowExecution: { workflowId: WORKFLOW_ID, runId: 'run-1' } });
  /** Runs an activity in the mock activity context, keeping its types. */
  const env = {
    run: <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
      mock.run<A, R, typeof fn>(fn, ...args),
  };

  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'certflow-activities-'));
    store = await openInventoryStore({ url: ':memory:' });
    ca = await openInternalCa({ folder: path.join(folder, 'ca'), passphrase: 'test', publicBaseUrl: 'http://ca.test' });
    keyStore = new FileKeyStore(path.join(folder, 'keys'));
    notifier = new RecordingNotifier();
    await store.upsertOwnerGroup(GROUP);
    deps = {
      store,
      loadPolicy: () => Promise.resolve(DEFAULT_POLICY),
      keyStore,
      issuers: certificateAuthorities([ca]),
      deployers: [],
      notifications: notifier,
      ticketing: new RecordingTicketing(),
      securityLeads: ['email:sec@example.com'],
      admins: [],
      publicUrl: 'https://certflow.test',
    };
    activities = createLifecycleActivities(deps);
  });

  afterEach(async () => {
    await store.close();
    await fs.rm(folder, { recursive: true, force: true });
  });

  /** Issues a certificate from the test CA and records it as a managed certificate of group web. */
  async function recordCertificate(): Promise<string> {
    return await recordManagedInternalCertificate(
      { ca, keyStore, store },
      { ownerGroup: 'web', contacts: ['U0CONTACT'] },
    );
  }

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  it('R-OWN-1, R-SEC-2: the context carries the group, the roster and the policy schedule', async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    expect(context.group?.id).toBe('web');
    expect(context.roster).toMatchObject({
      ownerGroup: 'web',
      approvers: ['email:ann@example.com'],
      securityLeads: ['email:sec@example.com'],
    });
    expect(context.roster.owners).toEqual(['email:ann@example.com', 'email:owner@example.com', 'slack:U0CONTACT']);
    expect(context.schedule.reminderDays).toEqual([90, 60, 30]);
    expect(context.link).toBe(`https://certflow.test/certificates/${id}`);
  });

  it('an unknown managed certificate is a non-retryable failure that says how to fix it', async () => {
    const failure = await failureOf(
      env.run(activities.loadLifecycleContext, { managedCertificateId: 'ffffffffffffffff', fingerprint: null }),
    );
    expect(failure).toMatchObject({ type: 'UnknownManagedCertificate', nonRetryable: true });
    expect(failure.message).toMatch(/import it, then run certflow lifecycle sync$/);
  });

  it('R-MON-1, R-MON-3: notifications go to the people of the audience role, once per key, and are audited once', async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const base = {
      idempotencyKey: `${WORKFLOW_ID}/c1/reminder-90`,
      dueAt: new Date().toISOString(),
      certificate: context.certificate,
      group: context.group,
      ticket: null,
      link: null,
      kind: 'reminder' as const,
      daysLeft: 89,
      renewalDeadline: context.certificate.notAfter,
      actor: `workflow:${WORKFLOW_ID}`,
    };
    await env.run(activities.sendLifecycleNotification, { ...base, audienceRole: 'owners' });
    await env.run(activities.sendLifecycleNotification, { ...base, audienceRole: 'owners' });
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]!.audience).toEqual({
      people: [{ email: 'owner@example.com' }, { slackUserId: 'U0CONTACT' }],
      channelId: 'C0WEB',
    });
    await env.run(activities.sendLifecycleNotification, {
      ...base,
      idempotencyKey: `${WORKFLOW_ID}/c1/escalation-30`,
      audienceRole: 'escalation',
    });
    expect(notifier.sent[1]!.audience.people).toEqual([{ email: 'boss@example.com' }]);
    const audit = await store.queryAudit({ action: 'notification.' }, { limit: 10 });
    expect(audit.items.map((entry) => [entry.action, entry.where])).toEqual([
      ['notification.reminder', WORKFLOW_ID],
      ['notification.reminder', WORKFLOW_ID],
    ]);
  });

  it('R-MON-1, R-MON-3: the schedule’s escalation also sends the owners the reminder planned with it, once per key', async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const escalation = {
      idempotencyKey: `${WORKFLOW_ID}/c1/escalation-30`,
      dueAt: new Date(Date.parse(context.certificate.notAfter) - 30 * 86_400_000).toISOString(),
      certificate: context.certificate,
      group: context.group,
      ticket: null,
      link: null,
      kind: 'escalation' as const,
      cause: 'not-renewed' as const,
      reason: 'not renewed and replaced 30 days before expiry',
      daysLeft: 30,
      audienceRole: 'escalation' as const,
      actor: `workflow:${WORKFLOW_ID}`,
    };
    await env.run(activities.sendLifecycleNotification, escalation);
    await env.run(activities.sendLifecycleNotification, escalation);
    expect(notifier.sent.map((n) => [n.kind, n.idempotencyKey, n.audience.people])).toEqual([
      [
        'reminder',
        `${escalation.idempotencyKey}/owners`,
        [{ email: 'owner@example.com' }, { slackUserId: 'U0CONTACT' }],
      ],
      ['escalation', escalation.idempotencyKey, [{ email: 'boss@example.com' }]],
    ]);
    expect(notifier.sent[0]).toMatchObject({
      daysLeft: 30,
      renewalDeadline: new Date(Date.parse(context.certificate.notAfter) - 30 * 86_400_000).toISOString(),
    });
    const audit = await store.queryAudit({ action: 'notification.' }, { limit: 10 });
    expect(audit.items.map((entry) => [entry.action, entry.details.audience])).toEqual([
      ['notification.reminder', 'owners'],
      ['notification.escalation', 'escalation'],
    ]);
  });

  it.each<['approval-overdue' | 'renewal-failed']>([['approval-overdue'], ['renewal-failed']])(
    'R-MON-3: an escalation for %s is for management only',
    async (cause) => {
      const id = await recordCertificate();
      const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
      await env.run(activities.sendLifecycleNotification, {
        idempotencyKey: `${WORKFLOW_ID}/c1/escalation`,
        dueAt: new Date(Date.parse(context.certificate.notAfter) - 30 * 86_400_000).toISOString(),
        certificate: context.certificate,
        group: context.group,
        ticket: null,
        link: null,
        kind: 'escalation',
        cause,
        reason: cause,
        daysLeft: 30,
        audienceRole: 'escalation',
        actor: `workflow:${WORKFLOW_ID}`,
      });
      expect(notifier.sent.map((n) => n.kind)).toEqual(['escalation']);
    },
  );

  it('R-MON-1: no owner reminder beside the escalation while a request is under way, or when none is planned there', async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const escalation = (key: string) => ({
      idempotencyKey: `${WORKFLOW_ID}/c1/${key}`,
      dueAt: new Date().toISOString(),
      certificate: context.certificate,
      group: context.group,
      ticket: null,
      link: null,
      kind: 'escalation' as const,
      cause: 'not-renewed' as const,
      reason: 'not renewed',
      daysLeft: 30,
      audienceRole: 'escalation' as const,
      actor: `workflow:${WORKFLOW_ID}`,
    });
    await store.updateManagedLifecycle(id, { phase: 'awaiting-approval', detail: null }, new Date().toISOString());
    await env.run(activities.sendLifecycleNotification, escalation('escalation-a'));
    await store.updateManagedLifecycle(id, { phase: 'monitoring', detail: null }, new Date().toISOString());
    const groupDays = {
      ...DEFAULT_POLICY,
      schedule: { ...DEFAULT_POLICY.schedule, groups: { web: { reminderDays: [45, 14, 7] } } },
    };
    activities = createLifecycleActivities({ ...deps, loadPolicy: () => Promise.resolve(groupDays) });
    await env.run(activities.sendLifecycleNotification, escalation('escalation-b'));
    expect(notifier.sent.map((n) => n.kind)).toEqual(['escalation', 'escalation']);
  });

  it('R-OWN-1: the owners’ and approvers’ DMs also go to the members of the group’s Slack user groups', async () => {
    await store.upsertOwnerGroup({
      ...GROUP,
      slack: { ...GROUP.slack, userGroupId: 'S0OWNERS', approverUserGroupId: 'S0APPROVERS' },
    });
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const base = {
      dueAt: new Date().toISOString(),
      certificate: context.certificate,
      group: context.group,
      ticket: null,
      link: null,
      kind: 'reminder' as const,
      daysLeft: 60,
      renewalDeadline: context.certificate.notAfter,
      actor: `workflow:${WORKFLOW_ID}`,
    };
    await env.run(activities.sendLifecycleNotification, {
      ...base,
      idempotencyKey: 'k-owners',
      audienceRole: 'owners',
    });
    await env.run(activities.sendLifecycleNotification, {
      ...base,
      idempotencyKey: 'k-approvers',
      audienceRole: 'approvers',
    });
    await env.run(activities.sendLifecycleNotification, {
      ...base,
      idempotencyKey: 'k-escalation',
      audienceRole: 'escalation',
    });
    expect(notifier.sent.map((n) => n.audience.userGroupIds)).toEqual([['S0OWNERS'], ['S0APPROVERS'], undefined]);
    const audit = await store.queryAudit({ action: 'notification.' }, { limit: 10 });
    expect(audit.items.map((entry) => entry.details.userGroups)).toEqual([['S0OWNERS'], ['S0APPROVERS'], undefined]);
  });

  it('R-LOG-1: a ticket step the ticketing system refuses for good is audited as refused and does not fail the lifecycle', async () => {
    const refusing = createLifecycleActivities({
      ...deps,
      ticketing: {
        ensureChangeTicket: () => Promise.reject(new Error('not used here')),
        comment: () => Promise.resolve(),
        transition: () =>
          Promise.reject(
            new TicketRejectedError(
              'Jira offers no transition "In Progress" from Awaiting approval; set jira.transitions',
            ),
          ),
        escalate: () => Promise.reject(new Error('Jira is not reachable')),
      },
    });
    const step = {
      ticket: { key: 'CHG-7', url: 'https://jira.test/browse/CHG-7' },
      idempotencyKey: `${WORKFLOW_ID}/c1/transition/in-progress`,
      actor: `workflow:${WORKFLOW_ID}`,
      subject: 'f'.repeat(64),
    };
    expect(await env.run(refusing.transitionTicket, { ...step, to: 'in-progress' })).toEqual({
      applied: false,
      problem: 'Jira offers no transition "In Progress" from Awaiting approval; set jira.transitions',
    });
    expect(await env.run(refusing.commentOnTicket, { ...step, step: 'approved', body: 'ok' })).toEqual({
      applied: true,
      problem: null,
    });
    // A passing outage is not a refusal: the activity fails and Temporal retries it.
    await expect(
      env.run(refusing.escalateTicket, { ...step, level: 'escalation', reason: 'late', group: null }),
    ).rejects.toThrow('Jira is not reachable');
    const audit = await store.queryAudit({ action: 'ticket.' }, { limit: 10 });
    expect(audit.items.map((entry) => [entry.action, entry.details.ticket])).toEqual([
      ['ticket.refused', 'CHG-7'],
      ['ticket.commented', 'CHG-7'],
    ]);
  });

  it('R-LOG-1, R-CAM-4: a step’s audit activity first does the bookkeeping that goes with the step, in order; a retry repeats none of it', async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const actor = 'email:ann@example.com';
    const subject = context.certificate.fingerprintSha256;
    const ticket = await env.run(activities.ensureChangeTicket, {
      idempotencyKey: `${WORKFLOW_ID}/c1/ticket`,
      certificate: context.certificate,
      group: context.group,
      renewalDeadline: context.certificate.notAfter,
      violations: [],
      link: null,
      actor,
    });
    const step = {
      managedCertificateId: id,
      idempotencyKey: `${WORKFLOW_ID}/c1/renewal.completed/r1`,
      actor,
      action: 'renewal.completed',
      subject,
      details: { requestId: 'r1' },
      phase: { phase: 'revocation-pending' as const, detail: null },
      along: [
        { activate: { managedCertificateId: id, fingerprintSha256: subject } },
        {
          comment: {
            ticket,
            idempotencyKey: `${WORKFLOW_ID}/c1/comment/verified/r1`,
            step: 'verified' as const,
            body: 'Verified',
            actor,
            subject,
          },
        },
        {
          transition: {
            ticket,
            idempotencyKey: `${WORKFLOW_ID}/c1/transition/done/r1`,
            to: 'done' as const,
            actor,
            subject,
          },
        },
        {
          notification: {
            idempotencyKey: `${WORKFLOW_ID}/c1/renewed/r1`,
            dueAt: new Date().toISOString(),
            certificate: context.certificate,
            group: context.group,
            ticket,
            link: null,
            kind: 'renewal-progress' as const,
            step: 'installed-and-verified' as const,
            detail: 'installed and verified',
            replacement: context.certificate,
            audienceRole: 'owners' as const,
            actor,
          },
        },
      ],
    };
    await env.run(activities.recordLifecycleStep, step);
    await env.run(activities.recordLifecycleStep, step);
    const recorded = (deps.ticketing as RecordingTicketing).tickets;
    expect(recorded.map((t) => [t.comments.map((c) => c.step), t.transitions])).toEqual([[['verified'], ['done']]]);
    expect(notifier.ofKind('renewal-progress')).toHaveLength(1);
    const audit = await store.queryAudit({}, { limit: 20 });
    expect(audit.items.map((entry) => entry.action)).toEqual([
      'ticket.opened',
      'ticket.commented',
      'ticket.transitioned',
      'notification.renewal-progress',
      'renewal.completed',
    ]);
    expect((await store.getManagedCertificate(id))?.phase).toBe('revocation-pending');
  });

  it('R-REN-1, R-KEY-1: a retried issuance reuses the key and the certificate; the answer holds no key material', async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const input = issuance(id, context.certificate);
    const first = await env.run(activities.issueReplacementCertificate, input);
    const second = await env.run(activities.issueReplacementCertificate, input);
    expect(second.certificate.fingerprintSha256).toBe(first.certificate.fingerprintSha256);
    expect(first.certificate).toMatchObject({
      managedCertificateId: id,
      dnsNames: ['www.example.com'],
      ownerGroup: 'web',
    });
    expect(JSON.stringify(first)).not.toMatch(/PRIVATE KEY/);
    const actions = (await store.queryAudit({}, { limit: 50 })).items.map((entry) => entry.action);
    expect(actions.filter((action) => action === 'key.generated')).toHaveLength(1);
    expect(actions.filter((action) => action === 'certificate.issued')).toHaveLength(1);
    // The new version carries the old one's metadata and its policy result.
    const recorded = await store.getCertificate(first.certificate.fingerprintSha256);
    expect(recorded?.metadata.contacts).toEqual(['U0CONTACT']);
    expect(recorded?.policy?.compliant).toBe(true);
    expect(summarizeCertificate(id, recorded!)).toEqual(first.certificate);
  });

  it("R-CAM-4, R-LOG-1: an issuance that records the renewal's start does so first, once across a retry, with the phase", async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const input = {
      ...issuance(id, context.certificate),
      startedBy: {
        managedCertificateId: id,
        idempotencyKey: `${WORKFLOW_ID}/c1/renewal.started/${id}.1.1`,
        actor: 'email:ann@example.com',
        action: 'renewal.started',
        subject: context.certificate.fingerprintSha256,
        details: { phase: 'issuing' },
        phase: { phase: 'issuing' as const, detail: null, ticketKey: null },
      },
    };
    const first = await env.run(activities.issueReplacementCertificate, input);
    const second = await env.run(activities.issueReplacementCertificate, input);
    expect(second.certificate.fingerprintSha256).toBe(first.certificate.fingerprintSha256);
    const actions = (await store.queryAudit({}, { limit: 50 })).items.map((entry) => entry.action);
    const trail = actions.filter((action) =>
      ['renewal.started', 'key.generated', 'certificate.issued'].includes(action),
    );
    expect(trail).toEqual(['renewal.started', 'key.generated', 'certificate.issued']);
    expect((await store.getManagedCertificate(id))?.phase).toBe('issuing');
  });

  it('R-REN-2: installing a certificate that has no location is a permanent failure naming the fix', async () => {
    const failure = await failureOf(
      env.run(activities.installCertificate, {
        idempotencyKey: 'k',
        locations: [],
        certificatePem: '',
        chainPems: [],
        keyRef: 'x',
        fingerprintSha256: 'ab',
        actor: 'system',
      }),
    );
    expect(failure).toMatchObject({ type: 'DeployRejectedError', nonRetryable: true });
    expect(failure.message).toMatch(/no recorded location .*\(import --metadata/);
  });

  it('R-REV-1: revocation goes through the CA once; a certificate of another CA is reported for revocation by hand', async () => {
    const id = await recordCertificate();
    const context = await env.run(activities.loadLifecycleContext, { managedCertificateId: id, fingerprint: null });
    const input = {
      idempotencyKey: `${WORKFLOW_ID}/revoke/${context.certificate.fingerprintSha256}`,
      fingerprintSha256: context.certificate.fingerprintSha256,
      serialNumber: context.certificate.serialNumber,
      issuer: context.certificate.issuer,
      reason: 'superseded' as const,
      keyRef: 'seed',
      actor: `workflow:${WORKFLOW_ID}`,
    };
    expect((await env.run(activities.revokeCertificate, input)).outcome).toBe('revoked');
    expect((await env.run(activities.revokeCertificate, input)).outcome).toBe('already-revoked');
    await expect(keyStore.readPrivateKeyPem('seed')).rejects.toThrow(/no private key seed/);
    const foreign = await env.run(activities.revokeCertificate, {
      ...input,
      idempotencyKey: 'foreign',
      issuer: 'CN=Some Public CA, O=Elsewhere',
    });
    expect(foreign).toEqual({
      outcome: 'not-issued-by-certflow',
      detail: `issued by CN=Some Public CA, O=Elsewhere, which certflow does not run: revoke serial ${input.serialNumber} at that CA by hand`,
    });
    const actions = (await store.queryAudit({ action: 'certificate.' }, { limit: 50 })).items.map((e) => e.action);
    expect(actions.filter((action) => action === 'certificate.revoked')).toHaveLength(1);
    expect(actions).toContain('certificate.revocation-manual');
  });
});
