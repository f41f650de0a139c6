// npm run bench -- campaign-store: preview and enrolment of 10,000 matching certificates on SQLite (file, WAL),
// against a plain count over the same rows measured in the same process. Enrolment must stay one statement.
// Like with like: the first statement to read the tables pays for the cold page cache, so the baseline count and
// the preview are each run once untimed, then timed alternately ROUNDS times and compared by their medians; load that
// comes and goes during the run falls on both instead of on whichever ran at the time.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { bench, describe } from 'vitest';
import type { CertificateFacts } from '../src/core/domain/certificates/certificate-facts';
import { parseCampaignSelectorText } from '../src/core/domain/campaigns/selector';
import { SqlCampaignStore } from '../src/adapters/database/sql-campaign-store';
import { openInventoryDatabase } from '../src/adapters/database/database';
import type { CertificateUpsert } from '../src/core/ports/inventory-store';

const SIZE = 10_000;
const NOW = '2026-06-01T00:00:00.000Z';
/** Timed runs of the baseline and of the preview, alternating, after one untimed run of each. */
const ROUNDS = 5;

/** Stand-in certificates (the DER is not parsed here): every other one SHA-1 from the old CA. */
function certificate(index: number): CertificateUpsert {
  const der = new TextEncoder().encode(`bench certificate ${index}`);
  const fingerprint = createHash('sha256').update(der).digest('hex');
  const cn = `host-${index}.example.com`;
  const dn = (text: string, commonName: string) => ({ text, attributes: [], commonName });
  const facts: CertificateFacts = {
    fingerprintSha256: fingerprint,
    fingerprintSha1: fingerprint.slice(0, 40),
    version: 3,
    serialNumber: fingerprint.slice(0, 16),
    subject: dn(`CN=${cn}`, cn),
    issuer: index % 2 === 0 ? dn('CN=Old CA, O=Example', 'Old CA') : dn('CN=New CA, O=Example', 'New CA'),
    subjectAltNames: { dns: [cn], ip: [], email: [], uri: [], other: [] },
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: new Date(Date.parse(NOW) + (index % 400) * 86_400_000).toISOString(),
    validityDays: 400,
    publicKey: { algorithm: 'RSA', algorithmOid: '1.2.840.113549.1.1.1', sizeBits: 2048, curve: null },
    signatureAlgorithm: { oid: '1.2', name: 'x', hash: index % 2 === 0 ? 'SHA-1' : 'SHA-256' },
    keyUsage: [],
    extendedKeyUsage: [],
    basicConstraints: null,
    isCa: false,
    selfSigned: false,
    role: 'end-entity',
    authorityKeyId: null,
    subjectKeyId: null,
  };
  return { facts, der, metadata: { ownerGroup: `group-${index % 25}`, tags: ['prod'] } };
}

async function timeAsync(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Warms both the same way (one untimed run each), then times them alternately; returns each one's median. */
async function alternate(
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<{ first: number; second: number }> {
  await first();
  await second();
  const times = { first: [] as number[], second: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    times.first.push(await timeAsync(first));
    times.second.push(await timeAsync(second));
  }
  return { first: median(times.first), second: median(times.second) };
}

describe(`campaign store with ${SIZE.toLocaleString('en-US')} matching certificates`, () => {
  bench(
    'preview + enrol on SQLite against a plain count',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-bench-'));
      const handle = await openInventoryDatabase({ url: `sqlite:${path.join(dir, 'inventory.sqlite')}` });
      try {
        const upserts = Array.from({ length: SIZE * 2 }, (_, index) => certificate(index));
        await handle.store.upsertCertificates(upserts, NOW);
        await handle.store.assignManagedCertificates(
          upserts.map((upsert) => upsert.facts.fingerprintSha256),
          NOW,
        );
        const store = new SqlCampaignStore({ db: handle.db });
        const selector = parseCampaignSelectorText(
          'issuer="CN=Old CA, O=Example" sig=sha1 name=*.example.com tag=prod',
        );
        let total = 0;
        const { first: baseline, second: preview } = await alternate(
          () =>
            sql`select count(*) from managed_certificates m join certificates c on c.fingerprint = m.current_fingerprint
              where m.retired = 0 and c.signature_hash = 'SHA-1'`.execute(handle.db),
          async () => {
            total = (await store.previewSelector(selector, NOW)).total;
          },
        );
        await store.createCampaign(
          {
            id: 'bench',
            title: 'bench',
            kind: 'ca-compromise',
            reason: 'bench',
            selector,
            deadline: NOW,
            launchedBy: { id: 'bench' },
            launchedAt: NOW,
            emergency: false,
            parallelism: 10,
            maxAttempts: 3,
            channelId: null,
          },
          NOW,
        );
        let enrolled = 0;
        const enrol = await timeAsync(async () => {
          enrolled = (await store.enrolMembers('bench', selector, NOW)).enrolled;
        });
        const again = await timeAsync(() => store.enrolMembers('bench', selector, NOW));
        console.log(
          `\ncampaign store, ${total} of ${SIZE * 2} certificates selected, ${enrolled} enrolled, SQLite, ` +
            `load average ${os
              .loadavg()
              .map((value) => value.toFixed(1))
              .join(', ')}`,
        );
        for (const [stage, seconds] of [
          [`plain count over the same rows (baseline, median of ${ROUNDS})`, baseline],
          [`previewSelector (median of ${ROUNDS})`, preview],
          ['enrolMembers (INSERT … SELECT)', enrol],
          ['enrolMembers again (nothing new)', again],
        ] as const) {
          console.log(
            `  ${stage.padEnd(58)} ${(seconds * 1000).toFixed(1).padStart(8)} ms  ${(seconds / baseline).toFixed(1)}× baseline`,
          );
        }
      } finally {
        await handle.store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
