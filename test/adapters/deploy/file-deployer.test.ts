import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateLocation } from '../../../src/core/domain/inventory/model';
import { TEMPORARY_SUFFIX } from '../../../src/adapters/shared/durable-file';
import { DeployRejectedError } from '../../../src/core/ports/deployer';
import {
  FileDeployer,
  pemFilesFor,
  PREVIOUS_SUFFIX,
  ReloadCommandError,
  verifyPemFiles,
} from '../../../src/adapters/deploy/file-deployer';
import { KeyNotFoundError } from '../../../src/core/ports/key-store';
import { privateKeyPem, testKeyPair } from '../../support/certificate-factory';
import { deployFixtures, modeOf, temporaryFolder } from './deploy-fixtures';

const fixtures = deployFixtures();
const { intermediate, keyStore, leaf, request, root } = fixtures;
const first = leaf(1);
const second = leaf(2);

/** A reload command appending the action certflow passes to `marker`. */
const recordingCommand = (marker: string) => [
  process.execPath,
  '-e',
  'require("fs").appendFileSync(process.argv[1], process.env.CERTFLOW_ACTION + " " + process.env.CERTFLOW_KEY_FILE + "\\n")',
  marker,
];
const failingCommand = [
  process.execPath,
  '-e',
  'console.error("nginx: [emerg] cannot load certificate"); console.error("configuration test failed"); process.exit(3)',
];

describe('pemFilesFor', () => {
  it.each([
    ['/etc/ssl/www.pem', '/etc/ssl/www'],
    ['/etc/ssl/www.example.com.crt', '/etc/ssl/www.example.com'],
    ['/etc/ssl/www.example.com', '/etc/ssl/www.example.com'],
    ['/etc/ssl/api.CER', '/etc/ssl/api'],
    ['/etc/ssl/.pem', '/etc/ssl/.pem'],
  ])('%s → %s.{chain.pem,fullchain.pem,key}', (certificate, base) => {
    expect(pemFilesFor(certificate)).toEqual({
      certificate,
      chain: `${base}.chain.pem`,
      fullchain: `${base}.fullchain.pem`,
      key: `${base}.key`,
      state: `${base}.certflow-install.json`,
    });
  });
});

describe('FileDeployer', () => {
  let folder: string;
  let remove: () => void;
  let location: CertificateLocation;
  let files: ReturnType<typeof pemFilesFor>;
  beforeEach(() => {
    ({ folder, remove } = temporaryFolder('files'));
    location = { kind: 'file', path: path.join(folder, 'www.pem') };
    files = pemFilesFor(path.join(folder, 'www.pem'));
  });
  afterEach(() => remove());

  const read = (file: string) => fs.readFileSync(file, 'utf8');
  const verifyRequest = (expected: string, names = ['localhost', '127.0.0.1']) => ({
    location,
    expectedFingerprint: expected,
    trustAnchorPems: [root.pem],
    names,
  });

  it('R-REN-2: writes certificate, chain, full chain and a 0600 key atomically, then verifies them', async () => {
    const deployer = new FileDeployer({ keyStore });
    const result = await deployer.install(request(first, location, 'install-1'));
    expect(result).toMatchObject({ location, changed: true, previousFingerprint: null });
    expect(result.detail).toContain(files.key);
    expect(read(files.certificate)).toBe(first.certificate.pem);
    expect(read(files.chain)).toBe(intermediate.pem);
    expect(read(files.fullchain)).toBe(first.certificate.pem + intermediate.pem);
    expect(read(files.key)).toBe(privateKeyPem(first.certificate.key));
    expect(modeOf(files.key)).toBe(0o600);
    expect(modeOf(files.certificate)).toBe(0o644);
    expect(fs.readdirSync(folder).filter((name) => name.endsWith(TEMPORARY_SUFFIX))).toEqual([]);
    expect(await deployer.verify(verifyRequest(first.fingerprint))).toEqual({
      location,
      ok: true,
      servedFingerprint: first.fingerprint,
      chainComplete: true,
      namesMatch: true,
      problems: [],
    });
  });

  it('R-REN-2: keeps the replaced files (key backup 0600) and reports their fingerprint', async () => {
    const deployer = new FileDeployer({ keyStore });
    await deployer.install(request(first, location, 'install-1'));
    const result = await deployer.install(request(second, location, 'install-2'));
    expect(result).toMatchObject({ changed: true, previousFingerprint: first.fingerprint });
    expect(read(files.certificate + PREVIOUS_SUFFIX)).toBe(first.certificate.pem);
    expect(read(files.key + PREVIOUS_SUFFIX)).toBe(privateKeyPem(first.certificate.key));
    expect(modeOf(files.key + PREVIOUS_SUFFIX)).toBe(0o600);
    expect(read(files.certificate)).toBe(second.certificate.pem);
  });

  it('R-REN-2: a retry with the same idempotency key changes nothing and keeps the backups', async () => {
    const marker = path.join(folder, 'reloads.log');
    const deployer = new FileDeployer({ keyStore, reloadCommand: recordingCommand(marker) });
    await deployer.install(request(first, location, 'install-1'));
    await deployer.install(request(second, location, 'install-2'));
    const retried = await deployer.install(request(second, location, 'install-2'));
    expect(retried).toMatchObject({ changed: false, previousFingerprint: first.fingerprint });
    expect(read(files.certificate + PREVIOUS_SUFFIX)).toBe(first.certificate.pem);
    expect(read(marker).trim().split('\n')).toHaveLength(2);
  });

  it('runs the reload command without a shell, telling it the action and the files', async () => {
    const marker = path.join(folder, 'reloads.log');
    const deployer = new FileDeployer({ keyStore, reloadCommand: recordingCommand(marker) });
    await deployer.install(request(first, location, 'install-1'));
    await deployer.rollback({ idempotencyKey: 'install-1', location });
    expect(read(marker)).toBe(`install ${files.key}\nrollback ${files.key}\n`);
  });

  it('a failing reload command is an error with its exit code and stderr; the retry reloads again', async () => {
    const failing = new FileDeployer({ keyStore, reloadCommand: failingCommand });
    const error = await failing.install(request(first, location, 'install-1')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReloadCommandError);
    expect((error as Error).message).toMatch(/failed with exit code 3/);
    expect((error as Error).message).toContain('nginx: [emerg] cannot load certificate | configuration test failed');
    const marker = path.join(folder, 'reloads.log');
    const fixed = new FileDeployer({ keyStore, reloadCommand: recordingCommand(marker) });
    const retried = await fixed.install(request(first, location, 'install-1'));
    expect(retried.changed).toBe(true);
    expect(read(marker)).toBe(`install ${files.key}\n`);
    expect((await fixed.install(request(first, location, 'install-1'))).changed).toBe(false);
  });

  it('R-REN-2: an empty reload command (CERTFLOW_RELOAD_COMMAND unset) means no reload: install and rollback succeed', async () => {
    const deployer = new FileDeployer({ keyStore, reloadCommand: [] });
    await deployer.install(request(first, location, 'install-1'));
    const result = await deployer.install(request(second, location, 'install-2'));
    expect(result).toMatchObject({ changed: true, previousFingerprint: first.fingerprint });
    expect(result.detail).not.toContain('; ran');
    expect(read(files.certificate)).toBe(second.certificate.pem);
    await deployer.rollback({ idempotencyKey: 'install-2', location });
    expect(read(files.certificate)).toBe(first.certificate.pem);
  });

  it('R-REN-2: a failed reload puts the replaced files back, so the old certificate stays in place; the retry installs', async () => {
    const deployer = new FileDeployer({ keyStore });
    await deployer.install(request(first, location, 'install-1'));
    const failing = new FileDeployer({ keyStore, reloadCommand: failingCommand });
    await expect(failing.install(request(second, location, 'install-2'))).rejects.toThrow(
      /failed with exit code 3.*; the previous files are back in place$/,
    );
    expect(read(files.certificate)).toBe(first.certificate.pem);
    expect(read(files.key)).toBe(privateKeyPem(first.certificate.key));
    expect(read(files.fullchain)).toBe(first.certificate.pem + intermediate.pem);
    expect(modeOf(files.key)).toBe(0o600);
    expect((await deployer.verify(verifyRequest(first.fingerprint))).ok).toBe(true);

    const retried = await deployer.install(request(second, location, 'install-2'));
    expect(retried).toMatchObject({ changed: true, previousFingerprint: first.fingerprint });
    expect(read(files.certificate)).toBe(second.certificate.pem);
    await deployer.rollback({ idempotencyKey: 'install-2', location });
    expect(read(files.certificate)).toBe(first.certificate.pem);
  });

  it('a failed reload of a first installation removes the files it wrote', async () => {
    const failing = new FileDeployer({ keyStore, reloadCommand: failingCommand });
    await expect(failing.install(request(first, location, 'install-1'))).rejects.toThrow(ReloadCommandError);
    for (const file of [files.certificate, files.chain, files.fullchain, files.key]) {
      expect(fs.existsSync(file)).toBe(false);
    }
  });

  it('a reload command that hangs is killed after its timeout', async () => {
    const hanging = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];
    const deployer = new FileDeployer({ keyStore, reloadCommand: hanging, reloadTimeoutMs: 300 });
    await expect(deployer.install(request(first, location, 'install-1'))).rejects.toThrow(
      /did not finish within 300 ms and was killed/,
    );
  });

  it('a reload program that does not exist is a clear error', async () => {
    const deployer = new FileDeployer({ keyStore, reloadCommand: [path.join(folder, 'no-such-program')] });
    await expect(deployer.install(request(first, location, 'install-1'))).rejects.toThrow(
      /could not start \(ENOENT\); give the full path/,
    );
  });

  it('R-REN-2: rollback restores the previous files and modes; a second rollback does nothing', async () => {
    const deployer = new FileDeployer({ keyStore });
    await deployer.install(request(first, location, 'install-1'));
    await deployer.install(request(second, location, 'install-2'));
    await deployer.rollback({ idempotencyKey: 'install-2', location });
    expect(read(files.certificate)).toBe(first.certificate.pem);
    expect(read(files.key)).toBe(privateKeyPem(first.certificate.key));
    expect(modeOf(files.key)).toBe(0o600);
    expect((await deployer.verify(verifyRequest(first.fingerprint))).ok).toBe(true);
    await deployer.rollback({ idempotencyKey: 'install-2', location });
    expect(read(files.certificate)).toBe(first.certificate.pem);
  });

  it('rollback of another installation, or of nothing, changes nothing', async () => {
    const deployer = new FileDeployer({ keyStore });
    await deployer.rollback({ idempotencyKey: 'never-installed', location });
    await deployer.install(request(first, location, 'install-1'));
    await deployer.install(request(second, location, 'install-2'));
    await deployer.rollback({ idempotencyKey: 'install-1', location });
    expect(read(files.certificate)).toBe(second.certificate.pem);
  });

  it('rollback of a first installation removes the files it created', async () => {
    const deployer = new FileDeployer({ keyStore });
    await deployer.install(request(first, location, 'install-1'));
    await deployer.rollback({ idempotencyKey: 'install-1', location });
    for (const file of [files.certificate, files.chain, files.fullchain, files.key]) {
      expect(fs.existsSync(file)).toBe(false);
    }
  });

  it('installs on localhost, this hostname and allowed hosts; rejects other hosts, naming the agent it needs', async () => {
    const deployer = new FileDeployer({ keyStore, allowedHosts: ['Web1.Example.Com'] });
    const at = (host?: string): CertificateLocation => ({ kind: 'file', path: '/etc/ssl/www.pem', host });
    expect(
      [undefined, 'localhost', os.hostname(), 'web1.example.com'].map((host) => deployer.supports(at(host))),
    ).toEqual([true, true, true, true]);
    expect(deployer.supports(at('db1.example.com'))).toBe(false);
    expect(deployer.supports({ kind: 'endpoint', host: 'localhost', port: 443 })).toBe(false);
    const remote: CertificateLocation = { kind: 'file', host: 'db1.example.com', path: path.join(folder, 'www.pem') };
    const error = await deployer.install(request(first, remote, 'install-1')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeployRejectedError);
    expect((error as Error).message).toMatch(/db1\.example\.com.*needs a certflow agent on that host/);
    await expect(deployer.verify({ ...verifyRequest(first.fingerprint), location: remote })).rejects.toBeInstanceOf(
      DeployRejectedError,
    );
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  describe('bad install requests are rejected before anything is written', () => {
    const cases: [string, () => ReturnType<typeof request>, RegExp][] = [
      [
        'a fingerprint that is not the certificate’s',
        () => ({ ...request(first, location, 'k'), fingerprintSha256: second.fingerprint }),
        /fingerprint is .* not the requested/,
      ],
      [
        'a key that belongs to another certificate',
        () => ({ ...request(first, location, 'k'), keyRef: second.keyRef }),
        /does not belong to certificate/,
      ],
      [
        'a certificate PEM that is not a certificate',
        () => ({
          ...request(first, location, 'k'),
          certificatePem: '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n',
        }),
        /cannot install at .*www\.pem/,
      ],
      [
        'two certificates where one is expected',
        () => ({ ...request(first, location, 'k'), certificatePem: first.certificate.pem + second.certificate.pem }),
        /holds 2 certificates/,
      ],
      [
        'a folder that does not exist',
        () => request(first, { kind: 'file', path: path.join(folder, 'missing', 'www.pem') }, 'k'),
        /folder .*missing does not exist/,
      ],
    ];
    it.each(cases)('%s', async (_, make, message) => {
      const error = await new FileDeployer({ keyStore }).install(make()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DeployRejectedError);
      expect((error as Error).message).toMatch(message);
      expect(fs.readdirSync(folder)).toEqual([]);
    });

    it('a key reference the key store does not know', async () => {
      const unknown = { ...request(first, location, 'k'), keyRef: 'gone/cycle-9' };
      await expect(new FileDeployer({ keyStore }).install(unknown)).rejects.toBeInstanceOf(KeyNotFoundError);
      expect(fs.readdirSync(folder)).toEqual([]);
    });
  });

  describe('verify reads the files back', () => {
    it('R-REN-2: a key that does not match the certificate is a problem', async () => {
      const deployer = new FileDeployer({ keyStore });
      await deployer.install(request(first, location, 'install-1'));
      fs.writeFileSync(files.key, privateKeyPem(testKeyPair('ec-p256', 49)));
      const result = await deployer.verify(verifyRequest(first.fingerprint));
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([expect.stringMatching(/key in .*www\.key does not belong/)]);
    });

    it('R-REN-2: another certificate than the expected one reports the one found', async () => {
      const deployer = new FileDeployer({ keyStore });
      await deployer.install(request(first, location, 'install-1'));
      const result = await deployer.verify(verifyRequest(second.fingerprint));
      expect(result).toMatchObject({ ok: false, servedFingerprint: first.fingerprint, chainComplete: true });
      expect(result.problems[0]).toContain(`holds certificate ${first.fingerprint}, not the expected`);
    });

    it('R-REN-2: a chain file without the issuing CA is incomplete', async () => {
      const deployer = new FileDeployer({ keyStore });
      await deployer.install(request(first, location, 'install-1', []));
      const result = await deployer.verify(verifyRequest(first.fingerprint));
      expect(result).toMatchObject({ ok: false, chainComplete: false, namesMatch: true });
      expect(result.problems[0]).toMatch(/chain stops at .*CN=localhost.*put the issuing CA certificates/);
    });

    it('R-REN-2: a name the certificate does not cover is a problem', async () => {
      const deployer = new FileDeployer({ keyStore });
      await deployer.install(request(first, location, 'install-1'));
      const result = await deployer.verify(
        verifyRequest(first.fingerprint, ['localhost', 'www.example.com', '10.0.0.1']),
      );
      expect(result).toMatchObject({ ok: false, chainComplete: true, namesMatch: false });
      expect(result.problems).toEqual(['the certificate does not cover www.example.com, 10.0.0.1']);
    });

    it('an expired intermediate makes the chain incomplete', async () => {
      const deployer = new FileDeployer({ keyStore });
      await deployer.install(request(first, location, 'install-1'));
      const result = await deployer.verify(verifyRequest(first.fingerprint));
      expect(result.ok).toBe(true);
      const later = await verifyPemFiles(files, verifyRequest(first.fingerprint), new Date('2041-01-01T00:00:00Z'));
      expect(later.chainComplete).toBe(false);
      expect(later.problems.join('\n')).toMatch(/Issuing CA 1[\s\S]*expired on/);
    });

    it('missing or unreadable files are problems, not throws', async () => {
      const deployer = new FileDeployer({ keyStore });
      const missing = await deployer.verify(verifyRequest(first.fingerprint));
      expect(missing).toMatchObject({ ok: false, servedFingerprint: null });
      expect(missing.problems).toEqual([`no certificate file at ${files.certificate}`]);
      fs.writeFileSync(files.certificate, '-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n');
      const garbage = await deployer.verify(verifyRequest(first.fingerprint));
      expect(garbage.problems[0]).toMatch(/www\.pem is not a readable certificate/);
      fs.writeFileSync(files.certificate, first.certificate.pem);
      fs.writeFileSync(files.key, 'not a key');
      const badKey = await deployer.verify(verifyRequest(first.fingerprint));
      expect(badKey.problems).toContain(`${files.key} is not a readable private key`);
    });
  });
});
