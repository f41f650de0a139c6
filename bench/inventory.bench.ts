// npm run bench -- inventory: the import pipeline (parse → policy → store) against Node's native X.509 parser.
// Each size runs every stage once over the same generated certificates and prints certificates/s and the ratio to
// the native baseline measured in the same process. Set CERTFLOW_BENCH_SIZES=10000 to skip the 100k run.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bench, describe } from 'vitest';
import { decodeCertificates } from '../src/core/domain/certificates/decode-certificates';
import { DEFAULT_POLICY } from '../src/core/domain/policy/load-policy';
import { compilePolicy, evaluateCertificatePolicy } from '../src/core/domain/policy/evaluate-policy';
import { openInventoryStore } from '../src/adapters/database/database';
import { importCertificates } from '../src/core/application/import-certificates';
import {
  decodeCertificateFiles,
  type CertificateFile,
} from '../src/adapters/certificate-files/decode-certificate-file';
import { generateLeafSet, toPem } from '../test/support/certificate-factory';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres';

const SIZES = (process.env.CERTFLOW_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
/** Certificates per PEM file: a realistic mix of single files and bundles costs the same per certificate. */
const PER_FILE = 10;

interface Figure {
  stage: string;
  seconds: number;
}

function rate(count: number, seconds: number): string {
  return `${Math.round(count / seconds).toLocaleString('en-US')}/s`.padStart(12);
}

function time(work: () => void): number {
  const started = performance.now();
  work();
  return (performance.now() - started) / 1000;
}

async function timeAsync(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

for (const size of SIZES) {
  describe(`inventory import of ${size.toLocaleString('en-US')} certificates`, () => {
    bench(
      'parse + policy + store, SQLite and PostgreSQL, against node:crypto X509Certificate',
      async () => {
        const { leaves } = generateLeafSet({ count: size, seed: `bench-${size}` });
        const sources: CertificateFile[] = [];
        for (let index = 0; index < leaves.length; index += PER_FILE) {
          const pem = leaves
            .slice(index, index + PER_FILE)
            .map((der) => toPem(der))
            .join('');
          sources.push({ name: `bench/${index / PER_FILE}.pem`, bytes: new TextEncoder().encode(pem) });
        }
        const figures: Figure[] = [];
        // Read every field so the native getters are not skipped; the sum is printed so it is not optimised away.
        let touched = 0;
        figures.push({
          stage: 'node:crypto X509Certificate (native baseline: parse + SHA-256)',
          seconds: time(() => {
            for (const der of leaves) {
              const certificate = new X509Certificate(der);
              touched +=
                certificate.subject.length +
                certificate.validTo.length +
                certificate.fingerprint256.length +
                (certificate.subjectAltName?.length ?? 0);
            }
          }),
        });
        const parsed: ReturnType<typeof decodeCertificates>['certificates'] = [];
        figures.push({
          stage: 'decode PEM + parse (certflow)',
          seconds: time(() => {
            for (const source of sources) parsed.push(...decodeCertificates(source.bytes, source.name).certificates);
          }),
        });
        const compiled = compilePolicy(DEFAULT_POLICY);
        figures.push({
          stage: 'policy evaluation',
          seconds: time(() => {
            for (const certificate of parsed)
              evaluateCertificatePolicy(certificate.facts, compiled, '2026-11-23T00:00:00Z');
          }),
        });
        const actor = { actor: 'bench', where: 'bench', policy: DEFAULT_POLICY };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-bench-'));
        const sqlite = await openInventoryStore({ url: `sqlite:${path.join(dir, 'inventory.sqlite')}` });
        figures.push({
          stage: 'full pipeline on SQLite (file, WAL)',
          seconds: await timeAsync(() =>
            importCertificates(decodeCertificateFiles(sources), { ...actor, store: sqlite }),
          ),
        });
        figures.push({
          stage: 're-import on SQLite (all known: idempotent)',
          seconds: await timeAsync(() =>
            importCertificates(decodeCertificateFiles(sources), { ...actor, store: sqlite }),
          ),
        });
        await sqlite.close();
        fs.rmSync(dir, { recursive: true, force: true });
        let postgres: TestPostgres | null = null;
        try {
          postgres = await startTestPostgres();
          const store = await openInventoryStore({ url: await postgres.createDatabase() });
          figures.push({
            stage: 'full pipeline on PostgreSQL',
            seconds: await timeAsync(() => importCertificates(decodeCertificateFiles(sources), { ...actor, store })),
          });
          await store.close();
        } catch (error) {
          console.log(`PostgreSQL stage skipped: ${(error as Error).message}`);
        } finally {
          await postgres?.stop();
        }
        const baseline = figures[0]!.seconds;
        console.log(`(native baseline read ${touched} characters of fields)`);
        console.log(
          `\ninventory import, ${size.toLocaleString('en-US')} certificates (${PER_FILE} per PEM file), one core`,
        );
        for (const figure of figures) {
          const ratio = (figure.seconds / baseline).toFixed(2);
          console.log(`  ${figure.stage.padEnd(64)} ${rate(size, figure.seconds)}  ${ratio}× native time`);
        }
      },
      { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
    );
  });
}
