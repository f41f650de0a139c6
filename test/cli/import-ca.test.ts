/** `certflow import --openssl-ca` and `--internal-ca` (R-INV-2, CA import) as a user runs them, and wrong input. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main';
import { freePort } from '../support/ports';
import { makeOpensslCa, type OpensslCa } from '../support/openssl-ca';
import { runCli } from '../support/run-cli';

let ca: OpensslCa;
let env: NodeJS.ProcessEnv;

/** A file of the CA's folder: the CLI reads paths relative to the process's folder, which is not the CA's. */
const inCa = (name: string) => path.join(ca.folder, name);

const run = (...argv: string[]) => runCli(argv, { env, cwd: ca.folder });

beforeAll(async () => {
  ca = makeOpensslCa();
  env = {
    CERTFLOW_DATA_DIR: path.join(ca.folder, 'data'),
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(ca.folder, 'inventory.sqlite')}`,
    USER: 'tester',
    // Nothing listens here: the import never starts lifecycles on a Temporal server someone else runs.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
});

afterAll(() => {
  if (ca !== undefined) fs.rmSync(ca.folder, { recursive: true, force: true });
});

describe('certflow import of a CA record', () => {
  it('R-INV-2: --openssl-ca imports the index, says what each status became, and names the line whose file is missing', async () => {
    const result = await run('import', '--openssl-ca', inCa('index.txt'));
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toMatch(/CA record .*index\.txt: 1 valid certificate, 1 revoked .*, 1 expired/);
    // Counted by the index's entries (lines), not files: four entries, one of them without its certificate.
    expect(result.out).toMatch(/^Read 3 certificates from 3 entries of 4 in /m);
    expect(result.out).toMatch(/new\s+3/);
    expect(result.out).toMatch(/index\.txt line 4: serial 1003 .*--certs-dir/);
    const json = await run('import', '--openssl-ca', inCa('index.txt'), '--certs-dir', inCa('newcerts'), '--json');
    expect(JSON.parse(json.out)).toMatchObject({
      certificates: { created: 0, updated: 3, caRecord: { valid: 1, revoked: 1, expired: 1 } },
    });
  });

  it('R-INV-2: a revoked certificate shows its revocation, and list --revoked finds it (after the import above)', async () => {
    const listed = await run('list', '--revoked', '--json');
    expect(listed.code).toBe(EXIT.ok);
    const page = JSON.parse(listed.out) as { total: number; items: { id: string; revocation: unknown }[] };
    expect(page.total).toBe(1);
    expect(page.items[0]?.revocation).toEqual({ revokedAt: expect.any(String) as unknown, reason: 'keyCompromise' });
    const table = await run('list', '--revoked');
    expect(table.out).toMatch(new RegExp(`${page.items[0]!.id}.*revoked`));
    const shown = await run('show', page.items[0]!.id);
    expect(shown.out).toMatch(/^ {2}revoked +\d{4}-\d\d-\d\dT[\d:.]+Z \(keyCompromise\)$/m);
    // The valid and expired ones are not revoked: show has no such line, and the table shows their days.
    const all = JSON.parse((await run('list', '--json')).out) as { items: { id: string; revocation: unknown }[] };
    expect(all.items.filter((item) => item.revocation === null)).toHaveLength(2);
  });

  it.each([
    [['--openssl-ca', 'ca.pem'], /ca\.pem is not an OpenSSL CA database: it cannot be read/],
    [['--openssl-ca', 'CA.PEM'], /ca\.pem is not an OpenSSL CA database: no line is an index entry/],
    [['--openssl-ca', '.'], /is not an OpenSSL CA database: it is a folder/],
    [['--certs-dir', 'newcerts'], /--certs-dir .*use it with --openssl-ca/],
    [['--openssl-ca', 'index.txt', '--internal-ca'], /each import one CA/],
    [
      ['--openssl-ca', 'index.txt', 'valid.pem'],
      /imports a CA's record, not files: run certflow import valid\.pem separately/,
    ],
    [['--openssl-ca', 'index.txt', '--host', 'web1'], /--host and --password are for files/],
    [['--internal-ca'], /no internal CA in .*data.ca.internal: the worker creates it/],
  ])('R-INV-2: refuses %j with the fix, importing nothing', async (args, message) => {
    const result = await run('import', ...args.map((arg) => (arg === 'CA.PEM' ? inCa('ca.pem') : arg)));
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
  });
});
