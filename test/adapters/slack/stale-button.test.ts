/**
 * Issue 14 item 12: a *Request renewal* click that still arrives from a message about a version that was renewed,
 * replaced or retired since is answered with what happened, to the clicker only, and renews nothing.
 */
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../../src/adapters/slack/app';
import { ACTION_IDS } from '../../../src/adapters/slack/views/block-ids';
import { reminderMessage } from '../../../src/adapters/slack/views/notification-messages';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import type { CertificateSummary } from '../../../src/core/domain/lifecycle/model';
import { summarizeCertificate } from '../../../src/core/domain/lifecycle/renewal-plan';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { openInventoryStore } from '../../../src/adapters/database/database';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { startSlackStandIn, type SlackStandIn } from '../../../src/adapters/slack/stand-in/slack-stand-in';
import type { LifecycleView } from '../../../src/core/domain/lifecycle/lifecycle-view';
import type { RequestRenewalInput } from '../../../src/core/ports/lifecycle-port';
import { createRootCa, issueCertificate } from '../../support/certificate-factory';
import { ownerGroupFixture, requestFixture } from '../../support/lifecycle-fixtures';

const BOT_TOKEN = 'xoxb-stale-button';
const SIGNING_SECRET = 'stale-button-secret';
const CHANNEL = 'C0STALE';
const NOW = '2026-12-01T00:00:00.000Z';

let standIn: SlackStandIn;
let server: RunningHttpServer;
let slack: SlackApp;
let store: InventoryStore;
const renewals: { managedCertificateId: string; input: RequestRenewalInput }[] = [];

/** Records a version of shop.example.com issued on `notBefore` and makes it current. */
async function version(notBefore: string): Promise<{ managedId: string; summary: (id: string) => CertificateSummary }> {
  const root = createRootCa({ subject: 'CN=Stale Root' });
  const leaf = issueCertificate({
    subject: 'CN=shop.example.com',
    issuer: root,
    ca: false,
    notBefore: new Date(notBefore),
    notAfter: new Date(Date.parse(notBefore) + 90 * 86_400_000),
    subjectAltNames: { dns: ['shop.example.com'] },
  });
  const { facts, der } = parseCertificateDer(leaf.der);
  await store.upsertCertificates([{ facts, der, metadata: { ownerGroup: 'shop' } }], NOW);
  const assigned = await store.assignManagedCertificates([facts.fingerprintSha256], NOW);
  const managedId = assigned.created[0]?.id ?? assigned.replaced[0]?.managed.id ?? '';
  const inventory = await store.getCertificate(facts.fingerprintSha256);
  return { managedId, summary: (id) => summarizeCertificate(id, inventory!) };
}

beforeAll(async () => {
  store = await openInventoryStore({ url: ':memory:' });
  await store.upsertOwnerGroup(ownerGroupFixture({ id: 'shop', name: 'Shop' }));
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [{ id: 'U0OWNER', name: 'olivia' }],
    channels: [{ id: CHANNEL, name: 'shop', members: ['U0OWNER'] }],
  });
  slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    slackApiUrl: standIn.apiUrl,
    lifecycles: {
      decide: () => Promise.reject(new Error('not in this test')),
      requestRenewal: (managedCertificateId, input) => {
        renewals.push({ managedCertificateId, input });
        return Promise.resolve(requestFixture({ id: `${managedCertificateId}.2.1` }));
      },
      status: () => Promise.reject<LifecycleView>(new Error('not in this test')),
    },
    store,
    log: () => undefined,
  });
  server = await startHttpServer({ host: '127.0.0.1', port: 0, handlers: [slack.mount] });
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await store?.close();
});

beforeEach(() => {
  renewals.length = 0;
});

async function postReminder(certificate: CertificateSummary): Promise<string> {
  const message = reminderMessage({
    kind: 'reminder',
    idempotencyKey: `wf/${certificate.id}/reminder`,
    dueAt: NOW,
    certificate,
    group: null,
    audience: { people: [], channelId: CHANNEL },
    ticket: null,
    link: null,
    daysLeft: 30,
    renewalDeadline: NOW,
  });
  const posted = await new WebClient(BOT_TOKEN, { slackApiUrl: standIn.apiUrl }).chat.postMessage({
    channel: CHANNEL,
    ...message,
  });
  return posted.ts ?? '';
}

async function clickRenewal(ts: string) {
  await standIn
    .as('U0OWNER', { appUrl: `${server.url}${SLACK_EVENTS_PATH}` })
    .click({ channel: CHANNEL, ts, actionId: ACTION_IDS.requestRenewal });
  await slack.idle();
  return standIn.ephemeral('U0OWNER').at(-1)?.text ?? '';
}

async function refusals() {
  const page = await store.queryAudit({ action: 'slack.refused', actor: 'slack:U0OWNER' }, { limit: 50 });
  return page.items.map((entry) => entry.details);
}

describe('Request renewal on a message about a version that is gone', () => {
  it('renews the version shown while it is current, and refuses with what happened once it was renewed', async () => {
    const first = await version('2026-09-01T00:00:00Z');
    const oldMessage = await postReminder(first.summary(first.managedId));
    await clickRenewal(oldMessage);
    expect(renewals.map((renewal) => renewal.managedCertificateId)).toEqual([first.managedId]);

    const second = await version('2026-11-15T00:00:00Z');
    expect(second.managedId).toBe(first.managedId);
    renewals.length = 0;
    const answer = await clickRenewal(oldMessage);
    expect(answer).toContain('has been renewed or replaced since, so nothing was requested');
    expect(answer).toContain('valid until 2026-11-30');
    expect(answer).toContain('The current one is valid until 2027-02-13');
    expect(renewals).toEqual([]);
    expect((await refusals()).at(-1)).toMatchObject({ action: 'request-renewal', code: 'stale-button' });

    // The current version's message still works.
    await clickRenewal(await postReminder(second.summary(second.managedId)));
    expect(renewals.map((renewal) => renewal.managedCertificateId)).toEqual([first.managedId]);
  });

  it('refuses a click on a retired certificate, saying it was retired', async () => {
    const current = await version('2026-11-20T00:00:00Z');
    const ts = await postReminder(current.summary(current.managedId));
    await store.updateManagedLifecycle(current.managedId, { phase: 'retired', detail: 'revoked', retired: true }, NOW);
    renewals.length = 0;
    expect(await clickRenewal(ts)).toContain('revoked and retired since: there is nothing left to renew');
    expect(renewals).toEqual([]);
  });
});
