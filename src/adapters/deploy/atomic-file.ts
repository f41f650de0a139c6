/**
 * File access for deployers: the shared crash-safe writes (src/adapters/shared/durable-file.ts), with failures turned
 * into errors that name the file and the fix.
 */
import fs from 'node:fs/promises';
import { errorCode, writeFileAtomic as writeDurably } from '../shared/durable-file';

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

/** Replaces `filePath` atomically with `content`, leaving it with exactly `mode` (e.g. 0o600 for a key). */
export async function writeFileAtomic(filePath: string, content: string | Uint8Array, mode: number): Promise<void> {
  try {
    await writeDurably(filePath, content, mode);
  } catch (error) {
    throw new DeployFileError(filePath, 'write', errorCode(error), error);
  }
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
