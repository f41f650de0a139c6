import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeafSet, toPem } from '../support/certificate-factory';
import { freePort } from '../support/ports';
import { FIXTURE_DIR, FIXTURE_PASSWORD } from '../support/make-certificate-fixtures';
import { buildDist, runCertflow } from '../support/processes';

let dir: string;
let env: NodeJS.ProcessEnv;

/** Runs the built `certflow` binary to completion. */
async function certflow(...args: string[]) {
  const child = runCertflow(args, env);
  const code = await child.exited;
  return { code, stdout: child.stdout.join('\n'), stderr: child.stderr.join('\n') };
}

beforeAll(async () => {
  buildDist();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-e2e-inventory-'));
  // Nothing listens at TEMPORAL_ADDRESS: imports succeed without certflow running and say how to start lifecycles.
  env = {
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    USER: 'e2e',
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  const set = generateLeafSet({
    count: 1000,
    seed: 'e2e-import',
    issuedFrom: new Date(Date.now() - 400 * 86_400_000),
    spreadDays: 400,
  });
  for (const [index, der] of set.leaves.entries()) {
    const folder = path.join(dir, 'certs', `batch-${Math.floor(index / 100)}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `leaf-${index}.pem`), toPem(der));
  }
  fs.writeFileSync(path.join(dir, 'certs', 'issuing-ca.pem'), set.intermediate.pem + set.root.pem);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('certflow import (the built binary)', () => {
  it('R-INV-4: documents that hold no certificate are skipped: none read, nothing failed, no crash', async () => {
    // What people keep beside their certificates: notes, a how-to, a web page, a binary.
    const docs = path.join(dir, 'docs');
    fs.mkdirSync(docs);
    fs.writeFileSync(
      path.join(docs, 'maturity-model.txt'),
      'Certificate Management Maturity Model\n\nHave you ever had an outage from an expired certificate?\n'.repeat(50),
    );
    fs.writeFileSync(
      path.join(docs, 'how-to.md'),
      '# Renewing\n\n1. Export the certificate as PEM.\n2. Paste it into the form.\n',
    );
    fs.writeFileSync(
      path.join(docs, 'index.html'),
      '<!doctype html><title>PKI</title><p>certificates &amp; keys</p>\n',
    );
    fs.writeFileSync(
      path.join(docs, 'slides.pdf'),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151) % 256)),
    );
    const result = await certflow('import', docs);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Read 0 certificates from 0 files of 4 /);
    expect(result.stdout).toMatch(/skipped +4 files without certificates/);
  });

  it('R-INV-2, R-INV-4: the committed fixtures of every format go in (PEM bundles and chains, DER, PKCS#7, PKCS#12 with its password) and each broken file is reported by name', async () => {
    const own = { ...env, CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'fixtures.sqlite')}` };
    const run = async (...args: string[]) => {
      const child = runCertflow(args, own);
      const code = await child.exited;
      return { code, stdout: child.stdout.join('\n'), stderr: child.stderr.join('\n') };
    };
    const names = (issues: readonly { source: string }[]) => issues.map((issue) => path.basename(issue.source)).sort();
    const withoutPassword = await run('import', path.join(FIXTURE_DIR, 'leaf-aes256.p12'));
    expect(withoutPassword.code).toBe(1);
    expect(withoutPassword.stdout).toMatch(/leaf-aes256\.p12.*password.*--password/);

    for (const file of [
      'chain-bundle.pem',
      'chain.p7b',
      'chain-p7.pem',
      'leaf.der',
      'leaf-aes256.p12',
      'leaf-3des.p12',
    ]) {
      const one = await run('import', path.join(FIXTURE_DIR, file), '--password', FIXTURE_PASSWORD, '--json');
      expect(one.code, `${file}: ${one.stdout}`).toBe(0);
      const report = JSON.parse(one.stdout) as { certificates: { certificatesRead: number; errors: unknown[] } };
      expect(report.certificates.certificatesRead, file).toBeGreaterThan(0);
    }

    const all = await run('import', FIXTURE_DIR, '--password', FIXTURE_PASSWORD, '--json');
    expect(all.stderr).toBe('');
    expect(all.code).toBe(1);
    const { certificates } = JSON.parse(all.stdout) as {
      certificates: {
        certificatesRead: number;
        errors: { source: string }[];
        skipped: { source: string }[];
      };
    };
    expect(names(certificates.errors)).toEqual([
      'begin-without-end.pem',
      'corrupt-middle-block.pem',
      'empty.pem',
      'truncated.der',
    ]);
    expect(names(certificates.skipped)).toEqual(['private-key-only.pem', 'random.bin']);
    // Every fixture file but the six above holds at least one certificate, the PKCS#12 ones included.
    expect(certificates.certificatesRead).toBeGreaterThanOrEqual(fs.readdirSync(FIXTURE_DIR).length - 6);
  });

  it('R-INV-2, R-INV-3, R-LOG-1: imports 1,000 generated certificates, lists those expiring within 90 days, and audits the import', async () => {
    const imported = await certflow('import', path.join(dir, 'certs'), '--json');
    expect(imported.code).toBe(0);
    const report = JSON.parse(imported.stdout) as { certificates: { created: number; issuerLinks: number } };
    expect(report.certificates.created).toBe(1002);
    expect(report.certificates.issuerLinks).toBe(1001);

    const listed = await certflow('list', '--expiring-within', '90d', '--limit', '1000', '--json');
    expect(listed.code).toBe(0);
    const page = JSON.parse(listed.stdout) as { total: number; items: { facts: { notAfter: string } }[] };
    const horizon = Date.now() + 90 * 86_400_000;
    expect(page.total).toBeGreaterThan(0);
    expect(page.total).toBeLessThan(1000);
    expect(page.items.every((item) => Date.parse(item.facts.notAfter) <= horizon)).toBe(true);
    const table = await certflow('list', '--expiring-within', '90d');
    expect(table.stdout).toMatch(/^ID +SUBJECT +EXPIRES +DAYS +ISSUER +KEY +SIGNATURE +OWNER +POLICY/);

    const audit = await certflow('audit', 'list', '--action', 'import.completed', '--json');
    const entries = JSON.parse(audit.stdout) as { items: { actor: string; details: { created: number } }[] };
    expect(entries.items.at(-1)).toMatchObject({ actor: 'user:e2e', details: { created: 1002 } });
  });
});
