/**
 * The internal CA folder's files: an in-process lock per folder that serializes writes, JSON read and replaced
 * atomically, and folders only the CA's owner can enter.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { errorCode, writeFileAtomic } from '../shared/durable-file';
import { InternalCaStateError } from './internal-ca-errors';

const folderLocks = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task on the same folder has finished, in this process. */
export function withFolderLock<T>(folder: string, task: () => Promise<T>): Promise<T> {
  const previous = folderLocks.get(folder) ?? Promise.resolve();
  const result = previous.then(task);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  folderLocks.set(folder, tail);
  void tail.then(() => {
    if (folderLocks.get(folder) === tail) folderLocks.delete(folder);
  });
  return result;
}

/** The file's JSON, or null when there is no such file; unreadable JSON is an InternalCaStateError. */
export async function readJson<T>(file: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new InternalCaStateError(file, 'is not valid JSON');
  }
}

/** Replaces the file with `value` as JSON, atomically, readable by the owner only. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, 0o600);
}

/** Creates the folder when missing, for the owner only. */
export async function makeFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
}
