import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { SqlDiscoveryStore } from '../../../src/adapters/database/sql-discovery-store';
import { discoverCertificates, type DiscoveryBatch } from '../../../src/core/application/discover-certificates';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import type { ScanTarget } from '../../../src/core/ports/network-scanner';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  type IssuedCertificate,
} from '../../support/certificate-factory';
import { FakeNetworkScanner } from '../../support/fakes/fake-network-scanner';

const DAY = 86_400_000;
const START = new Date('2026-06-01T00:00:00Z');
const root = createRootCa();
const issuing = createIntermediateCa(root);
/** Leaves of 90 days: within every validity limit of the default policy. */
const leaf = (name: string, notBeforeDaysAgo: number) =>
  createLeaf(issuing, {
    subject: `CN=${name}, O=Example Corp, C=US`,
    subjectAltNames: { dns: [name] },
    notBefore: new Date(START.getTime() - notBeforeDaysAgo * DAY),
    notAfter: new Date(START.getTime() + (90 - notBeforeDaysAgo) * DAY),
  });
const parsed = (certificate: IssuedCertificate) => parseCertificateDer(certificate.der);
const V1 = parsed(leaf('shop.example.com', 30));
const V2 = parsed(leaf('shop.example.com', 1));
const EXPIRED = parsed(leaf('old.example.com', 100));
const INTERMEDIATE = parsed(issuing);

const SHOP: ScanTarget = { host: '127.0.0.2', port: 8443, sni: 'shop.example.com' };
const MIRROR: ScanTarget = { host: '127.0.0.3', port: 8443, sni: 'shop.example.com' };
const DEAD: ScanTarget = { host: '127.0.0.4', port: 8443 };

describe('discoverCertificates', () => {
  let now: Date;
  let store: InventoryStore;
  let db: Kysely<InventoryDatabase>;
  let discovery: SqlDiscoveryStore;
  let network: FakeNetworkScanner;
  let batches: DiscoveryBatch[];

  const scan = (targets: ScanTarget[], batchSize?: number) =>
    discoverCertificates({
      targets,
      scanner: network,
      limits: { concurrency: 4, connectTimeoutMs: 1000, handshakeTimeoutMs: 1000 },
      store,
      discovery,
      policy: DEFAULT_POLICY,
      actor: 'user:tester',
      where: 'test',
      now: () => now,
      batchSize,
      onBatch: (batch) => {
        batches.push(batch);
      },
    });
  const openFindings = async () =>
    (await discovery.listFindings({}, { limit: 100 })).items.map((item) => [
      item.kind,
      `${item.location.host}:${item.location.port}`,
      item.fingerprint.slice(0, 16),
    ]);

  beforeEach(async () => {
    now = START;
    ({ store, db } = await openInventoryDatabase({ url: ':memory:' }));
    discovery = new SqlDiscoveryStore({ db });
    network = new FakeNetworkScanner(() => now.toISOString());
    batches = [];
  });
  afterEach(() => store.close());

  it('R-INV-2: served chains go into the inventory at their endpoint location; dead endpoints are per-item results; new leaves are listed for assignment', async () => {
    network.endpoints.set('127.0.0.2:8443=shop.example.com', { chain: [V1, INTERMEDIATE] });
    network.endpoints.set('127.0.0.4:8443', { failure: 'timeout', message: '127.0.0.4:8443: no answer within 1 s' });
    const report = await scan([SHOP, DEAD]);

    expect(report.endpoints).toEqual({ scanned: 2, served: 1, failed: 1, byOutcome: { served: 1, timeout: 1 } });
    expect(report.failures).toEqual([{ source: '127.0.0.4:8443', message: '127.0.0.4:8443: no answer within 1 s' }]);
    expect(report.certificates).toMatchObject({ read: 2, new: 2, known: 0 });
    expect(report.unowned).toEqual({
      count: 1,
      sample: [
        {
          fingerprint: V1.facts.fingerprintSha256,
          subject: V1.facts.subject.text,
          location: { host: '127.0.0.2', port: 8443, sni: 'shop.example.com' },
        },
      ],
    });
    expect(report.managed.created).toEqual([V1.facts.fingerprintSha256.slice(0, 16)]);
    for (const certificate of [V1, INTERMEDIATE]) {
      const stored = await store.getCertificate(certificate.facts.fingerprintSha256);
      expect(stored?.metadata.locations).toEqual([
        { kind: 'endpoint', host: '127.0.0.2', port: 8443, sni: 'shop.example.com' },
      ]);
    }
    expect((await store.searchCertificates({ unowned: true, role: 'end-entity' }, { limit: 10 })).total).toBe(1);
    const records = await discovery.endpointRecords([SHOP, DEAD]);
    expect(
      [...records.values()].map((record) => [record.location.host, record.lastOutcome, record.fingerprint]),
    ).toEqual(
      expect.arrayContaining([
        ['127.0.0.2', 'served', V1.facts.fingerprintSha256],
        ['127.0.0.4', 'timeout', null],
      ]),
    );
    const completed = await store.queryAudit({ action: 'discovery.completed' }, { limit: 10 });
    expect(
      completed.items.map((entry) => [
        entry.actor,
        entry.where,
        (entry.details.endpoints as { scanned: number }).scanned,
      ]),
    ).toEqual([['user:tester', 'test', 2]]);
    expect(await openFindings()).toEqual([]);

    // Scanning again changes nothing in the inventory: discovery is idempotent.
    const again = await scan([SHOP, DEAD]);
    expect(again.certificates).toMatchObject({ read: 2, new: 0, known: 2 });
    expect(again.unowned.count).toBe(0);
    expect(again.managed).toEqual({ created: [], replaced: [] });
  });

  it("R-INV-2: a self-signed certificate with the CA flag (openssl req -x509) served as an endpoint's own is listed for assignment", async () => {
    const selfSigned = parsed(
      createRootCa({ subject: 'CN=printer.example.com', subjectAltNames: { dns: ['printer.example.com'] } }),
    );
    network.endpoints.set('127.0.0.2:8443=shop.example.com', { chain: [selfSigned] });
    const report = await scan([SHOP]);
    expect(report.unowned.sample.map((item) => item.fingerprint)).toEqual([selfSigned.facts.fingerprintSha256]);
  });

  it('R-MON-6: a renewal found deployed tells its lifecycle like an import; a mirror still serving the old version and an endpoint that stopped answering are findings until fixed', async () => {
    network.endpoints.set('127.0.0.2:8443=shop.example.com', { chain: [V1, INTERMEDIATE] });
    network.endpoints.set('127.0.0.3:8443=shop.example.com', { chain: [V1, INTERMEDIATE] });
    await scan([SHOP, MIRROR]);

    now = new Date(START.getTime() + DAY);
    network.endpoints.set('127.0.0.2:8443=shop.example.com', { chain: [V2, INTERMEDIATE] });
    network.endpoints.set('127.0.0.3:8443=shop.example.com', { failure: 'refused' });
    const renewed = await scan([SHOP, MIRROR]);
    expect(renewed.managed.replaced).toEqual([
      {
        managedCertificateId: V1.facts.fingerprintSha256.slice(0, 16),
        previousFingerprint: V1.facts.fingerprintSha256,
        fingerprint: V2.facts.fingerprintSha256,
      },
    ]);
    // The renewed version replacing the old one in place is the plan working: no finding at SHOP.
    expect(await openFindings()).toEqual([
      ['no-longer-served', '127.0.0.3:8443', V1.facts.fingerprintSha256.slice(0, 16)],
    ]);
    expect(renewed.findings).toMatchObject({ opened: 1, resolved: 0, openedByKind: { 'no-longer-served': 1 } });
    const lost = (await discovery.endpointRecords([MIRROR])).values().next().value;
    expect(lost).toMatchObject({
      fingerprint: V1.facts.fingerprintSha256,
      lastSeenAt: START.toISOString(),
      lastOutcome: 'refused',
    });

    now = new Date(START.getTime() + 2 * DAY);
    network.endpoints.set('127.0.0.3:8443=shop.example.com', { chain: [V1, INTERMEDIATE] });
    const mirror = await scan([SHOP, MIRROR]);
    expect(await openFindings()).toEqual([
      ['not-current-version', '127.0.0.3:8443', V1.facts.fingerprintSha256.slice(0, 16)],
    ]);
    expect(mirror.findings).toMatchObject({ opened: 1, resolved: 1 });

    now = new Date(START.getTime() + 3 * DAY);
    network.endpoints.set('127.0.0.3:8443=shop.example.com', { chain: [V2, INTERMEDIATE] });
    const fixed = await scan([SHOP, MIRROR]);
    expect(fixed.findings).toMatchObject({ opened: 0, resolved: 1, stillOpen: 0 });
    expect(await openFindings()).toEqual([]);

    const audit = await store.queryAudit({ action: 'finding.' }, { limit: 10 });
    expect(audit.items.map((entry) => [entry.action, entry.details.kind, entry.subject.slice(0, 16)])).toEqual([
      ['finding.opened', 'no-longer-served', V1.facts.fingerprintSha256.slice(0, 16)],
      ['finding.opened', 'not-current-version', V1.facts.fingerprintSha256.slice(0, 16)],
      ['finding.resolved', 'no-longer-served', V1.facts.fingerprintSha256.slice(0, 16)],
      ['finding.resolved', 'not-current-version', V1.facts.fingerprintSha256.slice(0, 16)],
    ]);
  });

  it('R-MON-6: an expired certificate still served is an incident; a weak protocol, a missing intermediate and a wrong name are findings, once each over several scans', async () => {
    network.endpoints.set('127.0.0.2:8443=old.example.com', { chain: [EXPIRED, INTERMEDIATE] });
    network.endpoints.set('127.0.0.3:8443=shop.example.com', {
      chain: [V1],
      protocol: 'TLSv1.1',
      verdict: { trusted: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    });
    network.endpoints.set('127.0.0.4:8443=www.example.com', { chain: [V1, INTERMEDIATE] });
    const targets = [
      { ...SHOP, sni: 'old.example.com' },
      MIRROR,
      { host: '127.0.0.4', port: 8443, sni: 'www.example.com' },
    ];
    const first = await scan(targets, 1);
    expect(first.findings.incidents).toBe(1);
    expect(first.findings.openedByKind).toEqual({
      'expired-served': 1,
      'chain-incomplete': 1,
      'weak-protocol': 1,
      'name-mismatch': 1,
    });
    expect(batches.flatMap((batch) => batch.opened.map((finding) => finding.kind))).toHaveLength(4);
    const second = await scan(targets, 2);
    expect(second.findings).toMatchObject({ opened: 0, resolved: 0, stillOpen: 4 });
    expect((await discovery.listFindings({}, { limit: 100 })).total).toBe(4);
    const [top] = (await discovery.listFindings({}, { limit: 1 })).items;
    expect(top).toMatchObject({ kind: 'expired-served', severity: 'incident', firstSeenAt: START.toISOString() });
    expect(top?.message).toContain('127.0.0.2:8443 (SNI old.example.com) serves');
  });

  it('R-INV-2: a scan larger than a batch records every endpoint, a batch recorded while the next one fills', async () => {
    const targets: ScanTarget[] = [];
    for (let index = 1; index <= 23; index += 1) {
      const target = { host: `127.0.1.${index}`, port: 443 };
      targets.push(target);
      if (index % 2 === 0) network.endpoints.set(`127.0.1.${index}:443`, { chain: [V1, INTERMEDIATE] });
    }
    const report = await scan(targets, 5);
    expect(report.endpoints).toMatchObject({ scanned: 23, served: 11, failed: 12 });
    expect(batches).toHaveLength(5);
    expect((await discovery.endpointRecords(targets)).size).toBe(23);
    expect(report.certificates).toMatchObject({ read: 22, new: 2 });
    // The same new certificate served at eleven endpoints is one to assign.
    expect(report.unowned.count).toBe(1);
  });

  it('R-INV-4: a store failure stops the scan with its error instead of losing it', async () => {
    network.endpoints.set('127.0.0.2:8443=shop.example.com', { chain: [V1] });
    const failing = Object.assign(Object.create(discovery) as SqlDiscoveryStore, {
      recordScans: () => Promise.reject(new Error('disk full')),
    });
    await expect(
      discoverCertificates({
        targets: [SHOP, SHOP, SHOP],
        scanner: network,
        limits: { concurrency: 1, connectTimeoutMs: 1000, handshakeTimeoutMs: 1000 },
        store,
        discovery: failing,
        policy: DEFAULT_POLICY,
        actor: 'user:tester',
        where: 'test',
        batchSize: 1,
      }),
    ).rejects.toThrow('disk full');
    expect(network.scanned.length).toBeLessThan(3);
  });
});
