import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/temporal';

// Paths that leave the repository: a clone holds only the repository, so a test that reads them fails there.
const OUTSIDE = [/\.\.\/shared\b/, /\/work\/shared\b/, /REPO_ROOT,\s*'\.\.'/, /'\.\.',\s*'shared'/];

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'histories' ? [] : sourceFiles(full);
    return /\.(ts|mts|js|mjs|json)$/.test(entry.name) ? [full] : [];
  });
}

describe('tests are hermetic (issue 17)', () => {
  it('no test or benchmark reads anything outside the repository', () => {
    const self = path.join(REPO_ROOT, 'test', 'lint', 'hermetic-tests.test.ts');
    const offenders = ['test', 'bench']
      .flatMap((folder) => sourceFiles(path.join(REPO_ROOT, folder)))
      .filter((file) => file !== self)
      .flatMap((file) =>
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, index) =>
            OUTSIDE.some((pattern) => pattern.test(line))
              ? [`${path.relative(REPO_ROOT, file)}:${index + 1}: ${line.trim()}`]
              : [],
          ),
      );
    expect(offenders).toEqual([]);
  });
});
