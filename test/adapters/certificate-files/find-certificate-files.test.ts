import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findCertificateFiles } from '../../../src/adapters/certificate-files/find-certificate-files';

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-find-'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function write(relative: string, content = 'x'): string {
  const target = path.join(root, relative);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  return target;
}

describe('findCertificateFiles', () => {
  it('R-INV-2: walks directories recursively in sorted order and takes plain files as given', async () => {
    const b = write('certs/b.pem');
    const a = write('certs/a.pem');
    const deep = write('certs/nested/deeper/c.crt');
    const single = write('single.der');
    const result = await findCertificateFiles([path.join(root, 'certs'), single]);
    expect(result.files.map((file) => file.path)).toEqual([a, b, deep, single]);
    expect(result.errors).toEqual([]);
  });

  it('R-INV-2: follows symlinks but ends symlink loops and reads each file once', async () => {
    const a = write('certs/a.pem');
    fs.symlinkSync(path.join(root, 'certs'), path.join(root, 'certs', 'loop'));
    fs.symlinkSync(a, path.join(root, 'certs', 'alias.pem'));
    const result = await findCertificateFiles([root]);
    expect(result.files.map((file) => file.path)).toEqual([path.join(root, 'certs', 'a.pem')]);
    expect(result.skipped).toEqual([
      { path: path.join(root, 'certs', 'loop'), reason: 'directory already visited (symlink loop or alias)' },
    ]);
  });

  it('R-INV-4: reports a missing path as an error and goes on with the rest', async () => {
    const a = write('a.pem');
    const result = await findCertificateFiles([path.join(root, 'missing.pem'), a]);
    expect(result.files.map((file) => file.path)).toEqual([a]);
    expect(result.errors).toEqual([{ path: path.join(root, 'missing.pem'), reason: 'no such file or directory' }]);
  });

  it('R-INV-4: passes over dangling symlinks, and leaves how large a file may be to the reader', async () => {
    fs.symlinkSync(path.join(root, 'gone.pem'), path.join(root, 'dangling.pem'));
    write('huge.bin', 'x'.repeat(2048));
    const result = await findCertificateFiles([root]);
    expect(result.files).toEqual([{ path: path.join(root, 'huge.bin'), size: 2048 }]);
    expect(result.errors).toEqual([]);
    expect(result.skipped.map((issue) => [path.basename(issue.path), issue.reason])).toEqual([
      ['dangling.pem', expect.stringMatching(/dangling symlink/)],
    ]);
  });
});
