import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  CertificateFacts,
  KeyAlgorithm,
  SignatureHash,
} from '../../../src/core/domain/certificates/certificate-facts';
import type { CampaignDefinition, CampaignSelector } from '../../../src/core/domain/campaigns/model';
import {
  matchesCampaignSelector,
  parseCampaignSelectorText,
  type SelectableCertificate,
} from '../../../src/core/domain/campaigns/selector';
import { SqlCampaignStore } from '../../../src/adapters/database/sql-campaign-store';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import type { CertificateUpsert } from '../../../src/core/ports/inventory-store';
import { startTestPostgres, type TestPostgres } from '../../support/postgres';

const NOW = '2026-06-01T00:00:00.000Z';
const OLD_CA = 'CN=Old CA, O=Example';
const ISSUER_FP = 'cd'.repeat(32);

interface Spec {
  cn: string;
  dns?: string[];
  issuer?: string;
  issuerFingerprint?: string;
  hash?: SignatureHash;
  keyAlgorithm?: KeyAlgorithm;
  keySize?: number;
  notBefore?: string;
  notAfter?: string;
  group?: string;
  tags?: string[];
  violations?: string[];
}

function certificate(spec: Spec): CertificateUpsert {
  const der = new TextEncoder().encode(`not really DER: ${JSON.stringify(spec)}`);
  const fingerprint = createHash('sha256').update(der).digest('hex');
  const dn = (text: string) => ({ text, attributes: [], commonName: /CN=([^,]*)/.exec(text)?.[1] ?? null });
  const notBefore = spec.notBefore ?? '2026-02-01T00:00:00.000Z';
  const notAfter = spec.notAfter ?? '2027-01-01T00:00:00.000Z';
  const facts: CertificateFacts = {
    fingerprintSha256: fingerprint,
    fingerprintSha1: fingerprint.slice(0, 40),
    version: 3,
    serialNumber: fingerprint.slice(0, 16),
    subject: dn(`CN=${spec.cn}, O=Example`),
    issuer: dn(spec.issuer ?? OLD_CA),
    subjectAltNames: { dns: spec.dns ?? [spec.cn], ip: [], email: [], uri: [], other: [] },
    notBefore,
    notAfter,
    validityDays: Math.ceil((Date.parse(notAfter) - Date.parse(notBefore)) / 86_400_000),
    publicKey: {
      algorithm: spec.keyAlgorithm ?? 'RSA',
      algorithmOid: '1.2',
      sizeBits: spec.keySize ?? 2048,
      curve: null,
    },
    signatureAlgorithm: { oid: '1.2', name: 'x', hash: spec.hash === undefined ? 'SHA-256' : spec.hash },
    keyUsage: [],
    extendedKeyUsage: ['serverAuth'],
    basicConstraints: null,
    isCa: false,
    selfSigned: false,
    role: 'end-entity',
    authorityKeyId: null,
    subjectKeyId: null,
  };
  return { facts, der, metadata: { ownerGroup: spec.group ?? null, tags: spec.tags ?? [] } };
}

function selectable(spec: Spec, upsert: CertificateUpsert): SelectableCertificate {
  const facts = upsert.facts;
  return {
    issuerDn: facts.issuer.text,
    issuerFingerprint: spec.issuerFingerprint ?? null,
    signatureHash: facts.signatureAlgorithm.hash,
    keyAlgorithm: facts.publicKey.algorithm,
    keySizeBits: facts.publicKey.sizeBits,
    notBefore: facts.notBefore,
    commonName: facts.subject.commonName,
    dnsNames: facts.subjectAltNames.dns,
    ownerGroup: spec.group ?? null,
    tags: spec.tags ?? [],
    violatedRuleIds: spec.violations ?? [],
  };
}

const SPECS: Spec[] = [
  { cn: 'shop.example.com', hash: 'SHA-1', keySize: 1024, group: 'payments', tags: ['Prod'], violations: ['R-POL-3'] },
  { cn: 'api.example.com', dns: ['api.example.com', 'API2.example.org'], group: 'web', tags: ['staging'] },
  { cn: 'mail.example.net', issuer: 'CN=New CA, O=Example', keyAlgorithm: 'EC', keySize: 256, group: 'mail' },
  {
    cn: 'legacy.example.com',
    hash: 'MD5',
    notBefore: '2026-01-15T00:00:00.000Z',
    notAfter: '2026-06-10T00:00:00.000Z',
  },
  { cn: 'a_b.example.com', issuerFingerprint: ISSUER_FP, notAfter: '2026-05-01T00:00:00.000Z', group: 'web' },
  { cn: 'wide.example.com', notBefore: '2026-03-01T00:00:00.000Z', notAfter: '2026-10-01T00:00:00.000Z' },
];

/** Where a test's inventory lives: a fresh SQLite file or a fresh PostgreSQL database. */
interface Backend {
  name: string;
  setup(): Promise<void>;
  url(dir: string): Promise<string>;
  teardown(): Promise<void>;
}

let postgres: TestPostgres | undefined;
const backends: Backend[] = [
  {
    name: 'SQLite',
    setup: async () => {},
    url: async (dir) => `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    teardown: async () => {},
  },
  {
    name: 'PostgreSQL',
    setup: async () => {
      postgres = await startTestPostgres();
    },
    url: async () => await postgres!.createDatabase(),
    teardown: async () => await postgres?.stop(),
  },
];

describe.each(backends)('SqlCampaignStore on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  let dir: string;
  let handle: InventoryDatabaseHandle;
  let store: SqlCampaignStore;
  const upserts = SPECS.map(certificate);
  const managedIds = new Map<string, string>();

  const definition = (id: string, selector: CampaignSelector): CampaignDefinition => ({
    id,
    title: 'Replace',
    kind: 'ca-compromise',
    reason: 'CA compromised',
    selector,
    deadline: '2026-06-03T00:00:00.000Z',
    launchedBy: { id: 'user:lead' },
    launchedAt: NOW,
    emergency: false,
    parallelism: 2,
    maxAttempts: 3,
    channelId: null,
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-campaigns-'));
    handle = await openInventoryDatabase({ url: await backend.url(dir) });
    await handle.store.upsertCertificates(upserts, NOW);
    const assignment = await handle.store.assignManagedCertificates(
      upserts.map((upsert) => upsert.facts.fingerprintSha256),
      NOW,
    );
    for (const managed of assignment.created) managedIds.set(managed.currentFingerprint, managed.id);
    await handle.db
      .updateTable('certificates')
      .set({ issuer_fingerprint: ISSUER_FP })
      .where('fingerprint', '=', upserts[4]!.facts.fingerprintSha256)
      .execute();
    await handle.store.savePolicyResults(
      SPECS.map((spec, index) => ({
        fingerprintSha256: upserts[index]!.facts.fingerprintSha256,
        policyVersion: 'v1',
        compliant: (spec.violations ?? []).length === 0,
        violations: (spec.violations ?? []).map((ruleId) => ({
          ruleId,
          rule: ruleId,
          severity: 'high' as const,
          message: 'weak',
          remedy: 'renew',
        })),
        evaluatedAt: NOW,
      })),
    );
    store = new SqlCampaignStore({ db: handle.db });
  });
  afterEach(async () => {
    await handle.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    `issuer="${OLD_CA}"`,
    `issuer-fingerprint=${ISSUER_FP}`,
    'sig=sha1,md5',
    'key=EC',
    'key=RSA<2048',
    'key-size<2048',
    'not-before=2026-01-01..2026-02-01',
    'not-before=2026-02-01..',
    'name=*.example.com',
    'name=api2.*',
    'name=a_b.*',
    'name=a?b.*',
    'group=web,mail',
    'tag=prod',
    'violates=r-pol-3',
    'sig=sha256 group=web',
  ])('R-CAM-1: SQL selects what matchesCampaignSelector does for %s', async (text) => {
    const selector = parseCampaignSelectorText(text);
    const expected = SPECS.flatMap((spec, index) =>
      matchesCampaignSelector(selectable(spec, upserts[index]!), selector)
        ? [managedIds.get(upserts[index]!.facts.fingerprintSha256)!]
        : [],
    ).sort();
    await store.createCampaign(definition('c1', selector), NOW);
    await store.enrolMembers('c1', selector, NOW);
    const members = await store.listMembers('c1');
    expect(members.map((member) => member.managedCertificateId).sort()).toEqual(expected);
    expect((await store.previewSelector(selector, NOW)).total).toBe(expected.length);
  });

  it('R-CAM-1: previews counts by owner group, issuer and expiry band with samples', async () => {
    const preview = await store.previewSelector(parseCampaignSelectorText('name=*'), NOW);
    expect(preview.total).toBe(6);
    expect(preview.byOwnerGroup).toEqual([
      { key: '(no group)', count: 2 },
      { key: 'web', count: 2 },
      { key: 'mail', count: 1 },
      { key: 'payments', count: 1 },
    ]);
    expect(preview.byIssuer).toEqual([
      { key: 'Old CA', count: 5 },
      { key: 'New CA', count: 1 },
    ]);
    expect(Object.fromEntries(preview.byExpiryBand.map((band) => [band.key, band.count]))).toEqual({
      expired: 1,
      '<30d': 1,
      '90-365d': 4,
    });
    expect(preview.sample).toHaveLength(6);
    expect(preview.sample[0]).toMatchObject({ subject: 'CN=a_b.example.com, O=Example', ownerGroup: 'web' });
  });

  it('R-CAM-2: enrolment is idempotent, keeps order and never re-enrols a replaced certificate', async () => {
    const selector = parseCampaignSelectorText(`issuer="${OLD_CA}"`);
    const stored = await store.createCampaign(definition('c1', selector), NOW);
    expect((await store.createCampaign(definition('c1', { tags: ['x'] }), NOW)).definition).toEqual(stored.definition);
    expect((await store.enrolMembers('c1', selector, NOW)).enrolled).toBe(5);
    expect(await store.enrolMembers('c1', selector, NOW)).toEqual({ enrolled: 0, byOwnerGroup: [] });
    const first = await store.listMembers('c1');
    expect(first.map((member) => member.state)).toEqual(Array(5).fill('pending'));
    // The shop certificate is renewed by the campaign; its replacement still matches but must not join.
    const shopId = managedIds.get(upserts[0]!.facts.fingerprintSha256)!;
    const renewed = certificate({ ...SPECS[0]!, notBefore: '2026-05-30T00:00:00.000Z' });
    await handle.store.upsertCertificates([renewed], NOW);
    await handle.store.setManagedCertificateVersion(shopId, renewed.facts.fingerprintSha256, NOW);
    await store.updateMemberState({
      campaignId: 'c1',
      fingerprintSha256: upserts[0]!.facts.fingerprintSha256,
      state: 'old-revoked',
      detail: null,
      at: NOW,
    });
    expect((await store.enrolMembers('c1', selector, NOW)).enrolled).toBe(0);
    // A skipped one's newer version may join, after the others.
    const apiId = managedIds.get(upserts[1]!.facts.fingerprintSha256)!;
    await store.updateMemberState({
      campaignId: 'c1',
      fingerprintSha256: upserts[1]!.facts.fingerprintSha256,
      state: 'skipped',
      detail: 'replaced outside certflow',
      at: NOW,
    });
    const apiNew = certificate({ ...SPECS[1]!, notBefore: '2026-05-30T00:00:00.000Z' });
    await handle.store.upsertCertificates([apiNew], NOW);
    await handle.store.setManagedCertificateVersion(apiId, apiNew.facts.fingerprintSha256, NOW);
    expect(await store.enrolMembers('c1', selector, NOW)).toEqual({
      enrolled: 1,
      byOwnerGroup: [{ group: 'web', count: 1 }],
    });
    const all = await store.listMembers('c1');
    expect(all.at(-1)?.fingerprintSha256).toBe(apiNew.facts.fingerprintSha256);
    expect(all.slice(0, 5).map((member) => member.fingerprintSha256)).toEqual(
      first.map((member) => member.fingerprintSha256),
    );
  });

  it('R-CAM-2: claims are idempotent per key and retry failed members after the wait', async () => {
    const selector = parseCampaignSelectorText(`issuer="${OLD_CA}"`);
    await store.createCampaign(definition('c1', selector), NOW);
    await store.enrolMembers('c1', selector, NOW);
    const claim = (claimKey: string, now = NOW) =>
      store.claimMembers({ campaignId: 'c1', claimKey, limit: 2, maxAttempts: 2, retryAfterMs: 60_000, now });
    const first = await claim('k1');
    expect(first.members.map((member) => [member.previousState, member.attempt])).toEqual([
      ['pending', 1],
      ['pending', 1],
    ]);
    expect(await claim('k1')).toEqual(first);
    const second = await claim('k2');
    expect(second.members.map((member) => member.fingerprintSha256)).not.toContain(first.members[0]!.fingerprintSha256);
    const failed = first.members[0]!.fingerprintSha256;
    await store.updateMemberState({
      campaignId: 'c1',
      fingerprintSha256: failed,
      state: 'failed',
      detail: 'CA down',
      at: NOW,
    });
    await claim('k3');
    const waiting = await claim('k4');
    expect(waiting.members).toEqual([]);
    expect(waiting.nextRetryAt).toBe('2026-06-01T00:01:00.000Z');
    const retried = await claim('k5', '2026-06-01T00:01:00.000Z');
    expect(retried.members).toEqual([
      expect.objectContaining({ fingerprintSha256: failed, previousState: 'failed', attempt: 2 }),
    ]);
    await store.updateMemberState({
      campaignId: 'c1',
      fingerprintSha256: failed,
      state: 'failed',
      detail: 'again',
      at: NOW,
    });
    expect((await claim('k6', '2026-06-02T00:00:00.000Z')).members).toEqual([]);
    // A final failure is never retried.
    const other = second.members[0]!.fingerprintSha256;
    await store.updateMemberState({
      campaignId: 'c1',
      fingerprintSha256: other,
      state: 'failed',
      detail: 'rejected',
      final: true,
      at: NOW,
    });
    expect((await claim('k7', '2026-06-02T00:00:00.000Z')).members).toEqual([]);
  });

  it('R-CAM-3: finished states are sticky, unknown members are ignored, skipPending and counts', async () => {
    const selector = parseCampaignSelectorText(`issuer="${OLD_CA}"`);
    await store.createCampaign(definition('c1', selector), NOW);
    await store.enrolMembers('c1', selector, NOW);
    const claimed = await store.claimMembers({
      campaignId: 'c1',
      claimKey: 'k1',
      limit: 1,
      maxAttempts: 3,
      retryAfterMs: 0,
      now: NOW,
    });
    const fp = claimed.members[0]!.fingerprintSha256;
    const at = '2026-06-01T01:00:00.000Z';
    await store.updateMemberState({ campaignId: 'c1', fingerprintSha256: fp, state: 'old-revoked', detail: null, at });
    await store.updateMemberState({ campaignId: 'c1', fingerprintSha256: fp, state: 'failed', detail: 'late', at });
    expect(await store.getMember('c1', fp)).toMatchObject({ state: 'old-revoked', finishedAt: at, attempts: 1 });
    await store.updateMemberState({
      campaignId: 'c1',
      fingerprintSha256: 'ee'.repeat(32),
      state: 'issued',
      detail: null,
      at,
    });
    const skipped = await store.skipPendingMembers('c1', 'cancelled', at);
    expect(skipped.reduce((sum, entry) => sum + entry.count, 0)).toBe(4);
    expect(await store.skipPendingMembers('c1', 'cancelled', at)).toEqual([]);
    const counts = await store.countMembers('c1');
    expect(counts).toContainEqual({ group: claimed.members[0]!.ownerGroup, state: 'old-revoked', count: 1 });
    expect(counts.filter((entry) => entry.state === 'skipped')).toEqual(
      skipped.map((entry) => ({ group: entry.group, state: 'skipped', count: entry.count })),
    );
    const batches: number[] = [];
    for await (const batch of store.eachMember('c1', 2)) batches.push(batch.length);
    expect(batches).toEqual([2, 2, 1]);
    expect(await store.listMembers('c1', { states: ['old-revoked'] })).toHaveLength(1);
    await store.setCampaignStatus('c1', 'cancelled', at);
    expect((await store.listCampaigns({ status: 'cancelled' })).map((c) => c.definition.id)).toEqual(['c1']);
    expect(await store.getCampaign('nope')).toBeNull();
  });
});
