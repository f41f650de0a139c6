import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeployFileError,
  readTextIfExists,
  removeFile,
  writeFileAtomic,
} from '../../../src/adapters/deploy/atomic-file';
import { TEMPORARY_SUFFIX } from '../../../src/adapters/shared/durable-file';
import { modeOf, temporaryFolder } from './deploy-fixtures';

describe('writeFileAtomic', () => {
  let folder: string;
  let remove: () => void;
  beforeEach(() => ({ folder, remove } = temporaryFolder('atomic')));
  afterEach(() => remove());

  it('writes a new file with exactly the mode asked, leaving no temporary file', async () => {
    const file = path.join(folder, 'server.key');
    await writeFileAtomic(file, 'secret\n', 0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('secret\n');
    expect(modeOf(file)).toBe(0o600);
    expect(fs.readdirSync(folder)).toEqual(['server.key']);
  });

  it('replaces an existing file and its mode, byte content included', async () => {
    const file = path.join(folder, 'cert.pem');
    fs.writeFileSync(file, 'old', { mode: 0o666 });
    await writeFileAtomic(file, Uint8Array.of(1, 2, 3), 0o644);
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
    expect(modeOf(file)).toBe(0o644);
    expect(fs.readdirSync(folder).filter((name) => name.endsWith(TEMPORARY_SUFFIX))).toEqual([]);
  });

  it('a missing folder is a DeployFileError naming the file and the fix', async () => {
    const file = path.join(folder, 'missing', 'cert.pem');
    const error = await writeFileAtomic(file, 'x', 0o644).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeployFileError);
    expect((error as DeployFileError).message).toMatch(/cannot write .*missing\/cert\.pem: the folder does not exist/);
    expect((error as DeployFileError).code).toBe('ENOENT');
  });

  it('a failed rename removes its temporary file and leaves the target alone', async () => {
    const target = path.join(folder, 'in-the-way');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'kept');
    await expect(writeFileAtomic(target, 'x', 0o644)).rejects.toBeInstanceOf(DeployFileError);
    expect(fs.readdirSync(folder)).toEqual(['in-the-way']);
    expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).toBe('kept');
  });

  it('reads a file or null when absent, and removes files idempotently', async () => {
    const file = path.join(folder, 'a.pem');
    expect(await readTextIfExists(file)).toBeNull();
    fs.writeFileSync(file, 'text');
    expect(await readTextIfExists(file)).toBe('text');
    await removeFile(file);
    await removeFile(file);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reading a folder as a file is a DeployFileError, not a crash', async () => {
    await expect(readTextIfExists(folder)).rejects.toBeInstanceOf(DeployFileError);
  });
});
