import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateFileSource,
  type CertificateFileSourceOptions,
} from '../../../src/adapters/certificate-files/certificate-file-source';
import { openInventoryStore } from '../../../src/adapters/database/database';
import { importCertificates } from '../../../src/core/application/import-certificates';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import type { FoundCertificates } from '../../../src/core/ports/certificate-source';
import { generateLeafSet, toPem } from '../../support/certificate-factory';

let dir: string;
/** 3,000 distinct leaves and their CAs: a bundle of about 4 MB, several pieces at the default piece size. */
const BUNDLE_SIZE = 3000;
let leaves: Uint8Array[];
let intermediateFingerprint: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-source-'));
  const set = generateLeafSet({ count: BUNDLE_SIZE, seed: 'large-bundle' });
  leaves = set.leaves;
  intermediateFingerprint = createHash('sha256').update(set.intermediate.der).digest('hex');
  const bundle = [
    '# exported by the load balancer\n',
    set.intermediate.pem,
    set.root.pem,
    ...leaves.map((der) => toPem(der)),
  ];
  fs.writeFileSync(path.join(dir, 'bundle.pem'), bundle.join(''));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Uint8Array): string {
  const target = path.join(dir, name);
  fs.writeFileSync(target, content);
  return target;
}

async function collect(paths: string[], options: CertificateFileSourceOptions = {}): Promise<FoundCertificates[]> {
  const found: FoundCertificates[] = [];
  for await (const item of certificateFileSource(paths, options)) found.push(item);
  return found;
}

describe('reading certificate files of any size', () => {
  it('R-INV-2: imports every certificate of a PEM bundle read in pieces, counted as one file', async () => {
    const bundle = path.join(dir, 'bundle.pem');
    expect(fs.statSync(bundle).size).toBeGreaterThan(3 * 1024 * 1024);
    const parts = await collect([bundle]);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((part) => part.continues)).toEqual([false, ...parts.slice(1).map(() => true)]);
    const store = await openInventoryStore({ url: ':memory:' });
    try {
      const report = await importCertificates(certificateFileSource([bundle]), {
        store,
        policy: DEFAULT_POLICY,
        actor: 'user:tester',
        where: 'test',
      });
      expect(report).toMatchObject({
        sources: 1,
        sourcesWithCertificates: 1,
        certificatesRead: BUNDLE_SIZE + 2,
        created: BUNDLE_SIZE + 2,
        repeated: 0,
        errors: [],
        skipped: [],
      });
      expect(await store.countCertificates({})).toBe(BUNDLE_SIZE + 2);
      // Each leaf is linked to the intermediate that came in the same bundle, whatever piece it was in.
      expect(await store.countCertificates({ issuerFingerprint: intermediateFingerprint })).toBe(BUNDLE_SIZE);
      expect(report.issuerLinks).toBe(BUNDLE_SIZE + 1);
    } finally {
      await store.close();
    }
  });

  it('R-INV-4: a broken block deep in a large bundle is named by its block and line in the whole file', async () => {
    const pems = leaves.slice(0, 300).map((der) => toPem(der));
    const broken = '-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n';
    const linesBefore = pems.slice(0, 250).join('').split('\n').length - 1;
    const file = write('broken-bundle.pem', [...pems.slice(0, 250), broken, ...pems.slice(250)].join(''));
    const parts = await collect([file], { pieceBytes: 16 * 1024 });
    expect(parts.length).toBeGreaterThan(10);
    expect(parts.flatMap((part) => part.certificates)).toHaveLength(300);
    expect(parts.flatMap((part) => part.errors)).toEqual([
      expect.stringContaining(
        `broken-bundle.pem block 251: base64 is corrupt: unexpected character '!' (line ${linesBefore + 2})`,
      ),
    ]);
  });

  it('R-INV-4: a PEM block too large to be a certificate fails the file after keeping the blocks before it', async () => {
    const pems = leaves.slice(0, 20).map((der) => toPem(der));
    const beginLine = pems.join('').split('\n').length;
    // Over 16 MiB of base64 with no END or BEGIN line after it.
    const runaway = `-----BEGIN CERTIFICATE-----\n${'QUFB'.repeat(16).concat('\n').repeat(270_000)}`;
    const file = write('runaway.pem', `${pems.join('')}${runaway}`);
    const parts = await collect([file], { pieceBytes: 8 * 1024 });
    expect(parts.flatMap((part) => part.certificates)).toHaveLength(20);
    expect(parts.flatMap((part) => part.errors)).toEqual([
      expect.stringMatching(new RegExp(`runaway\\.pem: a PEM block starting near line ${beginLine} .*or split it`)),
    ]);
  });

  it('R-INV-4: large text without certificates is passed over, or a failure when its name promises certificates', async () => {
    const prose = 'nothing to see here\n'.repeat(10_000);
    const notes = write('notes.txt', prose);
    const fake = write('fake.pem', prose);
    const keys = write('keys.pem', '-----BEGIN PRIVATE KEY-----\nQUFB\n-----END PRIVATE KEY-----\n'.repeat(2_000));
    const parts = await collect([notes, fake, keys], { pieceBytes: 4 * 1024 });
    expect(parts.map((part) => [path.basename(part.name), part.errors, part.skipped])).toEqual([
      ['notes.txt', [], 'holds no certificate'],
      ['fake.pem', [expect.stringMatching(/fake\.pem: no PEM block .*certflow reads PEM/)], undefined],
      ['keys.pem', [], 'private key (PRIVATE KEY) skipped unread'],
    ]);
  });

  it('R-INV-4: a binary file over the whole-file limit is a failure when named as a certificate, else passed over', async () => {
    const der = write('huge.der', Buffer.concat(leaves.slice(0, 10).map((item) => Buffer.from(item))));
    const blob = write('huge.bin', Buffer.concat(leaves.slice(0, 10).map((item) => Buffer.from(item))));
    const small = write('small.der', leaves[0]!);
    const parts = await collect([der, blob, small], { maxWholeFileBytes: 4096 });
    expect(parts.map((part) => [path.basename(part.name), part.certificates.length])).toEqual([
      ['huge.der', 0],
      ['huge.bin', 0],
      ['small.der', 1],
    ]);
    expect(parts[0]!.errors).toEqual([
      expect.stringMatching(/huge\.der: .* bytes, over the 4,096-byte limit .*convert it to PEM/),
    ]);
    expect(parts[1]).toMatchObject({
      errors: [],
      skipped: expect.stringMatching(/over the 4,096-byte limit: not certificate material/),
    });
  });
});
