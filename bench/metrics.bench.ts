// npm run bench -- metrics: one uncached scrape of GET /metrics (R-REP-1) over HTTP on a SQLite inventory (file, WAL)
// of 50,000 certificates in service (100 owner groups, a third violating a rule, every tenth renewed so its replaced
// version is still stored, a running campaign of 5,000 members), against a plain `SELECT count(*) FROM certificates`
// run first in the same process. Goal: a scrape takes at most 250 ms, so a 15 s scrape interval costs under 2 % of
// one core; the ratio to the baseline tells a slow machine from a slow query.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { bench, describe } from 'vitest';
import { openInventoryDatabase } from '../src/adapters/database/database';
import { createMetricsEndpoint } from '../src/adapters/metrics/metrics-endpoint';
import { startHttpServer } from '../src/adapters/shared/http';
import type { CertificateUpsert } from '../src/core/ports/inventory-store';
import { makeFacts } from '../test/support/certificate-facts-builder';

const SIZE = 50_000;
const RENEWED_EVERY = 10;
const CHUNK = 5_000;
const SCRAPES = 5;
const GOAL_MS = 250;
const NOW_MS = Date.parse('2026-11-23T00:00:00.000Z');
const NOW = new Date(NOW_MS).toISOString();
const DAY_MS = 86_400_000;

/** A stand-in certificate (its DER is not parsed here); `version` 1 is a renewal of version 0 with the same names. */
function certificate(index: number, version: number): CertificateUpsert {
  const der = new TextEncoder().encode(`metrics bench certificate ${index}/${version}`);
  const fingerprint = createHash('sha256').update(der).digest('hex');
  const facts = makeFacts({
    fingerprintSha256: fingerprint,
    serialNumber: fingerprint.slice(0, 16),
    subject: `CN=host-${index}.example.com`,
    notBefore: new Date(NOW_MS - (400 - version * 300) * DAY_MS).toISOString(),
    notAfter: new Date(NOW_MS + ((index % 400) - 30 + version * 365) * DAY_MS).toISOString(),
  });
  return { facts, der, metadata: { ownerGroup: index % 7 === 0 ? null : `group-${index % 100}` } };
}

async function seed(handle: Awaited<ReturnType<typeof openInventoryDatabase>>): Promise<void> {
  const { store, db } = handle;
  for (let start = 0; start < SIZE; start += CHUNK) {
    const batch = Array.from({ length: CHUNK }, (_, offset) => certificate(start + offset, 0));
    await store.upsertCertificates(batch, NOW);
    await store.savePolicyResults(
      batch.map((upsert, offset) => {
        const violates = (start + offset) % 3 === 0;
        return {
          fingerprintSha256: upsert.facts.fingerprintSha256,
          policyVersion: 'bench',
          compliant: !violates,
          violations: violates
            ? [{ ruleId: `R-POL-${(start + offset) % 5}`, rule: 'bench', severity: 'high', message: '', remedy: '' }]
            : [],
          evaluatedAt: NOW,
        };
      }),
    );
    await store.assignManagedCertificates(
      batch.map((upsert) => upsert.facts.fingerprintSha256),
      NOW,
    );
    const renewed = Array.from({ length: CHUNK / RENEWED_EVERY }, (_, n) => certificate(start + n * RENEWED_EVERY, 1));
    await store.upsertCertificates(renewed, NOW);
    await store.assignManagedCertificates(
      renewed.map((upsert) => upsert.facts.fingerprintSha256),
      NOW,
    );
  }
  await sql`update managed_certificates set phase = 'awaiting-approval', updated_at = ${NOW_MS - 3_600_000}
    where id in (select id from managed_certificates order by id limit 200)`.execute(db);
  await sql`insert into campaigns (id, definition, status, created_at, updated_at)
    values ('bench', ${JSON.stringify({ id: 'bench', deadline: NOW, launchedAt: NOW })}, 'running', ${NOW_MS}, ${NOW_MS})`.execute(
    db,
  );
  await sql`insert into campaign_members (campaign_id, fingerprint, managed_certificate_id, ordinal, owner_group,
      subject, not_after, state, attempts, final, enrolled_at, updated_at)
    select 'bench', current_fingerprint, id, 0, 'bench', 'CN=bench', 0,
      case when id < '8' then 'old-revoked' else 'pending' end, 0, 0, ${NOW_MS}, ${NOW_MS}
    from managed_certificates order by id limit 5000`.execute(db);
}

describe(`/metrics on ${SIZE.toLocaleString('en-US')} certificates`, () => {
  bench(
    'one uncached scrape against a plain count of the certificates',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-bench-'));
      const handle = await openInventoryDatabase({ url: `sqlite:${path.join(dir, 'inventory.sqlite')}` });
      const server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        handlers: [createMetricsEndpoint({ db: handle.db, ttlMs: 0, now: () => NOW_MS })],
      });
      try {
        await seed(handle);
        const time = async (work: () => Promise<unknown>) => {
          const started = performance.now();
          await work();
          return performance.now() - started;
        };
        const baselines: number[] = [];
        const scrapes: number[] = [];
        let body = '';
        for (let round = 0; round < SCRAPES; round++) {
          baselines.push(await time(() => sql`select count(*) from certificates`.execute(handle.db)));
          scrapes.push(
            await time(async () => {
              body = await (await fetch(`${server.url}/metrics`)).text();
            }),
          );
        }
        const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
        const baseline = median(baselines);
        const scrape = median(scrapes);
        const total = /certflow_certificates\{expiry="later"\} (\d+)/.exec(body)?.[1];
        console.log(
          `\n/metrics, ${SIZE} certificates in service (+${SIZE / RENEWED_EVERY} replaced), SQLite, median of ${SCRAPES}`,
        );
        console.log(`  SELECT count(*) FROM certificates (baseline) ${baseline.toFixed(1).padStart(8)} ms`);
        console.log(
          `  GET /metrics, uncached                    ${scrape.toFixed(1).padStart(8)} ms  ` +
            `${(scrape / baseline).toFixed(0)}x baseline, ${Buffer.byteLength(body)} bytes, later=${total}`,
        );
        console.log(`  goal ≤ ${GOAL_MS} ms: ${scrape <= GOAL_MS ? 'met' : 'MISSED'}`);
      } finally {
        await server.close();
        await handle.store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
