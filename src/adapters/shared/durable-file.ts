/**
 * Crash-safe file writes for the CA, the key store and the deployers: data goes to a temporary file in the same folder, is synced,
 * and only then appears under its real name (rename to replace, link to create once), so a reader or a restarted
 * process sees the old content or the new one, never half of it.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Marks certflow's temporary files, so a person finding one after a crash knows where it came from. */
export const TEMPORARY_SUFFIX = '.certflow-tmp';

/** Errno code of a failed file operation, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Writes and syncs a new temporary file beside `file`; returns its path. */
async function writeTemporary(file: string, data: string | Uint8Array, mode: number): Promise<string> {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMPORARY_SUFFIX}`,
  );
  const handle = await open(temporary, 'wx', mode);
  try {
    // The umask may narrow the mode given to open; chmod makes it exact.
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temporary;
}

/** Syncs a folder so a rename or link inside it survives a power cut. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` with `data` atomically. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temporary = await writeTemporary(file, data, mode);
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncFolder(path.dirname(file));
}

/** Creates `file` with `data` unless it exists; false when another writer created it first. */
export async function createFileOnce(file: string, data: string | Uint8Array, mode = 0o600): Promise<boolean> {
  const temporary = await writeTemporary(file, data, mode);
  try {
    await link(temporary, file);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  await syncFolder(path.dirname(file));
  return true;
}
