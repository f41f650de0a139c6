/**
 * Where the renewing issuer comes from (issue 19, R-REN-1): an owner group's `--issuer` and the policy's
 * `renewal.issuer`, each checked against the issuers CERTFLOW_ISSUERS_FILE configures, with an error naming them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main';
import { freePort } from '../support/ports';
import { runCli } from '../support/run-cli';

let dir: string;
let env: NodeJS.ProcessEnv;

const run = (...argv: string[]) => runCli(argv, { env, cwd: dir });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-issuer-settings-'));
  fs.writeFileSync(
    path.join(dir, 'issuers.yaml'),
    [
      'issuers:',
      '  - name: acme:pebble',
      '    directoryUrl: https://127.0.0.1:14000/dir',
      '    contact: pki-team@example.com',
      '    caaIdentity: pebble.letsencrypt.org',
    ].join('\n'),
  );
  env = {
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    CERTFLOW_ISSUERS_FILE: path.join(dir, 'issuers.yaml'),
    USER: 'tester',
    // Nothing listens here: no Temporal server someone else runs is told anything.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  const created = await run('groups', 'create', 'web', '--name', 'Web', '--approver', 'approver@example.com');
  expect(created.code, created.err).toBe(EXIT.ok);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("an owner group's issuer (R-REN-1)", () => {
  it('R-REN-1: groups update --issuer stores a configured issuer, shows it, and "" clears it', async () => {
    const updated = await run('groups', 'update', 'web', '--issuer', 'acme:pebble');
    expect(updated.code, updated.err).toBe(EXIT.ok);
    expect(updated.out).toMatch(/issuer\s+acme:pebble/);
    const shown = await run('groups', 'show', 'web', '--json');
    expect(JSON.parse(shown.out)).toMatchObject({ id: 'web', issuer: 'acme:pebble' });

    const cleared = await run('groups', 'update', 'web', '--issuer', '');
    expect(cleared.code, cleared.err).toBe(EXIT.ok);
    expect(cleared.out).toMatch(/issuer\s+policy's, else the current certificate's issuer, else the default/);
    expect(JSON.parse((await run('groups', 'show', 'web', '--json')).out)).not.toHaveProperty('issuer');
  });

  it('R-REN-1: an issuer that is not configured is refused, naming the configured ones, and nothing changes', async () => {
    await run('groups', 'update', 'web', '--issuer', 'acme:pebble');
    const refused = await run('groups', 'update', 'web', '--issuer', 'acme:letsencrypt', '--name', 'Renamed');
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.err).toBe(
      'certflow: --issuer names acme:letsencrypt, which is not a configured issuer; configured: internal, ' +
        'acme:pebble. Name one of these, or add the ACME issuer to CERTFLOW_ISSUERS_FILE (--issuer "" clears the setting)',
    );
    expect(JSON.parse((await run('groups', 'show', 'web', '--json')).out)).toMatchObject({
      name: 'Web',
      issuer: 'acme:pebble',
    });
  });
});

describe("the policy's issuer (R-REN-1)", () => {
  it('R-REN-1: policy check refuses a renewal.issuer that is not configured, naming the configured ones', async () => {
    const file = path.join(dir, 'policy-unknown-issuer.yaml');
    fs.writeFileSync(file, 'renewal:\n  issuer: acme:corp\n');
    const refused = await run('policy', 'check', '--policy', file);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.err).toContain(
      `${file}: renewal.issuer names acme:corp, which is not a configured issuer; configured: internal, acme:pebble`,
    );
  });

  it('R-REN-1: a renewal.issuer that is no issuer name at all is a policy error naming the form', async () => {
    const file = path.join(dir, 'policy-bad-name.yaml');
    fs.writeFileSync(file, 'renewal:\n  issuer: letsencrypt\n');
    const refused = await run('policy', 'show', '--policy', file);
    expect(refused.code).not.toBe(EXIT.ok);
    expect(refused.err).toContain('expected internal or acme:<name> as named in CERTFLOW_ISSUERS_FILE');
  });

  it('R-REN-1: a configured renewal.issuer is part of the policy in force', async () => {
    const file = path.join(dir, 'policy-pebble.yaml');
    fs.writeFileSync(file, 'renewal:\n  issuer: acme:pebble\n');
    const shown = await run('policy', 'show', '--policy', file);
    expect(shown.code, shown.err).toBe(EXIT.ok);
    expect(JSON.parse(shown.out)).toMatchObject({ renewal: { issuer: 'acme:pebble' } });
  });
});
