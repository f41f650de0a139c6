import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeafSet, toPem } from '../support/certificate-factory';
import { freePort } from '../support/ports';
import { buildDist, runCertflow } from '../support/processes';
import { REPO_ROOT } from '../support/temporal';

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
  it('R-INV-4: importing the NIST seed documents finds no certificate and does not crash', async () => {
    const result = await certflow('import', path.resolve(REPO_ROOT, '..', 'shared', 'seeds'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Read 0 certificates from 0 files of \d+/);
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
