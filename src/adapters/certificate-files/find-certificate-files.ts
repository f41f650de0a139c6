import fs from 'node:fs/promises';
import path from 'node:path';

/** A regular file found under the given paths, reached once even when several paths or symlinks lead to it. */
export interface FoundFile {
  readonly path: string;
  readonly size: number;
}

/** A path that could not be walked or was left out, with why. */
export interface PathIssue {
  readonly path: string;
  readonly reason: string;
}

/** The files to import and the problems met finding them. */
export interface FileSearchResult {
  readonly files: readonly FoundFile[];
  /** Paths the user asked for that cannot be read (missing, no permission): the import reports them as failures. */
  readonly errors: readonly PathIssue[];
  /** Paths deliberately passed over (not a regular file, a symlink loop); how large a file may be is the reader's. */
  readonly skipped: readonly PathIssue[];
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'symlink loop';
  return (error as Error).message;
}

/**
 * Finds the files under `paths` (files or directories, recursively, in sorted order). Symlinks are followed, but a
 * directory or file is visited once by device and inode, so symlink loops end instead of recursing forever.
 */
export async function findCertificateFiles(paths: readonly string[]): Promise<FileSearchResult> {
  const files: FoundFile[] = [];
  const errors: PathIssue[] = [];
  const skipped: PathIssue[] = [];
  const visited = new Set<string>();

  async function visit(target: string, explicit: boolean): Promise<void> {
    let stat;
    try {
      stat = await fs.stat(target);
    } catch (error) {
      (explicit || (error as NodeJS.ErrnoException).code !== 'ENOENT' ? errors : skipped).push({
        path: target,
        reason: explicit ? reasonOf(error) : `dangling symlink or vanished: ${reasonOf(error)}`,
      });
      return;
    }
    const identity = `${stat.dev}:${stat.ino}`;
    if (visited.has(identity)) {
      if (stat.isDirectory())
        skipped.push({ path: target, reason: 'directory already visited (symlink loop or alias)' });
      return;
    }
    visited.add(identity);
    if (stat.isDirectory()) {
      let entries: string[];
      try {
        entries = (await fs.readdir(target)).sort();
      } catch (error) {
        errors.push({ path: target, reason: reasonOf(error) });
        return;
      }
      for (const entry of entries) await visit(path.join(target, entry), false);
    } else if (!stat.isFile()) {
      skipped.push({ path: target, reason: 'not a regular file (device, socket or pipe)' });
    } else {
      files.push({ path: target, size: stat.size });
    }
  }

  for (const given of paths) await visit(path.resolve(given), true);
  return { files, errors, skipped };
}
