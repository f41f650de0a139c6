/**
 * Issue 17 fuzzing, the command line (R-API-1): argument lists built from certflow's commands, subcommands and
 * options, with values swapped, missing, repeated or hostile, end in an exit code and a message for a person (usage
 * errors exit 2 and say what to type), never a stack trace; the certificates already in the inventory stay as they were.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, EXIT } from '../../src/cli/main';
import { openInventoryStore } from '../../src/adapters/database/database';
import { createLeaf, createRootCa } from '../support/certificate-factory';
import { freePort } from '../support/ports';
import { fuzzParameters, hasStackTrace } from './fuzz-runs';
import { nastyString } from './mutations';
import { runCli } from '../support/run-cli';

const NOW = new Date('2026-11-23T12:00:00Z');
const root = createRootCa({ subject: 'CN=CLI Fuzz Root' });
const leaf = createLeaf(root, { subject: 'CN=cli.example.com', subjectAltNames: { dns: ['cli.example.com'] } });
const fingerprints = [root, leaf].map(({ der }) => createHash('sha256').update(der).digest('hex'));

// start, worker and canary run servers and discover scans networks: they are not argument parsers to fuzz here.
const FUZZED_COMMANDS = [
  ...COMMANDS.filter((command) => !['start', 'worker', 'canary', 'discover'].includes(command)),
  'help',
  'nope',
];
const WORDS = [
  'create',
  'update',
  'delete',
  'list',
  'show',
  'check',
  'export',
  'sync',
  'preview',
  'start',
  'status',
  'pause',
  'resume',
  'cancel',
  'report',
  'approve',
  'reject',
];
const OPTIONS = [
  'json',
  'limit',
  'offset',
  'sort',
  'expiring-within',
  'issuer',
  'subject',
  'san',
  'owner',
  'tag',
  'violations',
  'weak',
  'unowned',
  'group-by',
  'search',
  'policy',
  'password',
  'password-env',
  'metadata',
  'format',
  'output',
  'since',
  'until',
  'action',
  'actor',
  'reason',
  'note',
  'deadline',
  'name',
  'contact',
  'approver',
  'kind',
  'key-algorithm',
  'key-size-below',
  'signature-hash',
  'yes',
  'if-missing',
  'slack-channel',
  'rule',
  'compliant',
];
/** Values that stay inside the scratch folder: certflow runs as root here, so no value may name a path elsewhere. */
const value = fc
  .oneof(
    fc.constantFrom(
      '',
      '0',
      '-1',
      '10',
      '1e3',
      '99999999999999999999',
      'abc',
      '30d',
      '2026-01-01',
      'not-a-date',
      'payments',
      'known.pem',
      'missing.pem',
      'broken.pem',
      'out.jsonl',
      'csv',
      'jsonl',
      'xml',
      'sha1',
      'RSA',
      'R-POL-3',
      'alice@example.com',
      fingerprints[1]!.slice(0, 12),
      '5e1d2c3b4a596877.1.1',
    ),
    nastyString,
  )
  .filter((text) => !/[/\\]|\.\./.test(text));
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...OPTIONS), fc.option(value, { nil: undefined }), fc.boolean())
      .map(([name, given, equals]) =>
        given === undefined ? `--${name}` : equals ? `--${name}=${given}` : `--${name} ${given}`,
      ),
  },
  { weight: 2, arbitrary: value },
  fc.constantFrom('--', '-', '-x', '--no-such-option', '-h'),
);
const argv = fc
  .tuple(fc.constantFrom(...FUZZED_COMMANDS), fc.array(token, { maxLength: 6 }))
  .map(([command, tokens]) => [
    command,
    ...tokens.flatMap((text) =>
      text.startsWith('--') && text.includes(' ')
        ? [text.slice(0, text.indexOf(' ')), text.slice(text.indexOf(' ') + 1)]
        : [text],
    ),
  ]);

describe('issue 17 fuzzing: the command line', () => {
  const startedIn = process.cwd();
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const snapshot = async () => {
    const store = await openInventoryStore({ url: `sqlite:${path.join(dir, 'inventory.sqlite')}` });
    try {
      return await Promise.all(
        fingerprints.map(async (fingerprint) => ({
          facts: (await store.getCertificate(fingerprint))?.facts,
          der: await store.getCertificateDer(fingerprint),
        })),
      );
    } finally {
      await store.close();
    }
  };
  const run = (args: string[]) => runCli(args, { env, cwd: dir, now: () => NOW });
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-fuzz-cli-'));
    // Some commands resolve paths against the process's folder: every file a fuzzed command writes lands in scratch.
    process.chdir(dir);
    env = {
      CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
      USER: 'fuzzer',
      // Nothing listens here: lifecycle and campaign commands fail fast with a message instead of reaching a server.
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    };
    fs.writeFileSync(path.join(dir, 'known.pem'), root.pem + leaf.pem);
    fs.writeFileSync(path.join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nnot base64\n');
    const imported = await run(['import', 'known.pem']);
    expect(imported.out).toMatch(/new +2/);
    before = await snapshot();
    expect(before.every((row) => row.facts !== undefined)).toBe(true);
  });
  afterAll(() => {
    process.chdir(startedIn);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('R-API-1: every argument list ends in an exit code and a message for a person; known certificates stay as they were', async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const { code, out, err } = await run(args);
        const shown = `certflow ${JSON.stringify(args)} → ${code}\n${err.slice(0, 600)}`;
        expect([EXIT.ok, EXIT.failure, EXIT.usage], shown).toContain(code);
        expect(hasStackTrace(err) || hasStackTrace(out), shown).toBe(false);
        if (code === EXIT.usage) expect(err, shown).toMatch(/^certflow: \S/);
        expect(await snapshot()).toEqual(before);
      }),
      fuzzParameters(0.5),
    );
  });
});
