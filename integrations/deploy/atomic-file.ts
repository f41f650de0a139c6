/**
 * Atomic file replacement for deployers: the new content goes to a temporary file in the same folder, is flushed to
 * disk, gets its mode, and is renamed over the target. A reader (a server reloading) sees the old file or the new
 * one, never half of one, and a crash leaves at most a temporary file behind, never a truncated certificate or key.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Marks certflow's temporary files, so a person finding one after a crash knows where it came from. */
export const TEMPORARY_SUFFIX = '.certflow-tmp';

/** A file could not be written, read or removed; the message names the file, the cause and the fix. */
export class DeployFileError extends Error {
  override readonly name = 'DeployFileError';

  constructor(
    readonly filePath: string,
    readonly action: 'write' | 'read' | 'remove',
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`cannot ${action} ${filePath}: ${describeCause(code, cause)}`, { cause });
  }
}

function describeCause(code: string | undefined, cause: unknown): string {
  const detail = cause instanceof Error ? cause.message : String(cause);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${detail}) — run certflow as a user that may write this folder, or fix its permissions`;
    case 'ENOENT':
      return `the folder does not exist (${detail}) — create it or correct the location`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full (${detail}) — free space and retry`;
    case 'EROFS':
      return `the file system is read-only (${detail}) — choose a writable location`;
    default:
      return detail;
  }
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Flushes a folder's entry table, so a rename survives a power cut; not every platform allows it, which is fine. */
async function syncFolder(folder: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch {
    // Folder fsync is an extra guarantee; the rename itself has already happened.
  } finally {
    await handle?.close();
  }
}

/** Replaces `filePath` atomically with `content`, leaving it with exactly `mode` (e.g. 0o600 for a key). */
export async function writeFileAtomic(filePath: string, content: string | Uint8Array, mode: number): Promise<void> {
  const folder = path.dirname(filePath);
  const temporary = path.join(
    folder,
    `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMPORARY_SUFFIX}`,
  );
  let handle: fs.FileHandle | undefined;
  try {
    // 'wx': never follow or reuse something already at the temporary name; the mode is set before any byte lands.
    handle = await fs.open(temporary, 'wx', mode);
    await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temporary, filePath);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw new DeployFileError(filePath, 'write', errorCode(error), error);
  }
  await syncFolder(folder);
}

/** The text of a file, or null when there is none. */
export async function readTextIfExists(filePath: string): Promise<string | null> {
  try {
    return await fs.readFile(filePath, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw new DeployFileError(filePath, 'read', errorCode(error), error);
  }
}

/** Removes a file; one already gone is fine. */
export async function removeFile(filePath: string): Promise<void> {
  try {
    await fs.rm(filePath, { force: true });
  } catch (error) {
    throw new DeployFileError(filePath, 'remove', errorCode(error), error);
  }
}
