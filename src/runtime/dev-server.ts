import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { PortInUseError } from '../adapters/shared/port-in-use-error';
import { certflowSearchAttributes } from '../core/workflows/search-attributes';

/** Another live certflow process owns the data folder; two dev servers must never share one SQLite file. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by certflow (pid ${pid}): stop it first, or give this instance ` +
        'its own folder with CERTFLOW_DATA_DIR=<folder>',
    );
  }
}

/** The dev server exited or did not become ready; the message ends with its last log lines. */
export class DevServerStartError extends Error {
  override readonly name = 'DevServerStartError';
}

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /** Path of the Temporal CLI executable. */
  cliPath: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Folder holding the SQLite file, the log and the lock. */
  dataDir: string;
  /** How long to wait for the namespace to answer, in ms. */
  readyTimeoutMs?: number;
}

/** A running embedded dev server. */
export interface DevServer {
  address: string;
  uiUrl: string;
  dbFile: string;
  logFile: string;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and releases the data folder. */
  stop(): Promise<void>;
}

/** Fails with PortInUseError when 127.0.0.1:`port` cannot be bound. */
export async function assertPortFree(port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new PortInUseError(port, variable) : error),
    );
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data folder's lock file for this process; a lock left by a dead process is taken over. */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'certflow.lock');
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (fs.readFileSync(lockFile, 'utf8').trim() === String(process.pid)) fs.rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new DataDirInUseError(dataDir, owner);
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitUntilReady(address: string, namespace: string, child: ChildProcess, deadline: number) {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the dev server exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the dev server did not answer within the deadline: ${String(lastError)}`);
}

/**
 * Starts `temporal server start-dev` with its history in a SQLite file under `dataDir` and the Web UI on `uiPort`,
 * registers certflow's search attributes, and resolves once the namespace answers.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  await assertPortFree(options.port, 'TEMPORAL_PORT');
  await assertPortFree(options.uiPort, 'TEMPORAL_UI_PORT');
  const unlock = lockDataDir(options.dataDir);
  const dbFile = path.join(options.dataDir, 'temporal.sqlite');
  const logFile = path.join(options.dataDir, 'temporal-dev-server.log');
  const log = fs.openSync(logFile, 'a');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    dbFile,
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    // An activity a workflow task schedules comes back in that task's answer instead of through a poll of the task
    // queue: one round trip less per step, as a decision shown in Slack (issue 20). Off by default on a server.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // The history in write-ahead-log mode, each commit still synced: the default rollback journal syncs the journal
    // and the database file for every write, and a decision waits on several writes (issue 20: an update round trip
    // 81 ms at p50 with it, 19 ms in WAL on a busy machine). A crash or power loss loses no committed event.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=full',
    // certflow's own search attributes, with their types: workflows that set them fail on a server without them.
    ...certflowSearchAttributes.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
    ]),
  ];
  let child: ChildProcess;
  try {
    child = spawn(options.cliPath, args, { stdio: ['ignore', log, log] });
  } finally {
    fs.closeSync(log);
  }
  const address = `127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    unlock();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await waitUntilReady(address, options.namespace, child, Date.now() + (options.readyTimeoutMs ?? 30_000));
  } catch (error) {
    await stop();
    throw new DevServerStartError(
      `cannot start the Temporal dev server (${options.cliPath}): ${(error as Error).message}\n` +
        `last lines of ${logFile}:\n${tail(logFile, 15)}`,
    );
  }
  return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, dbFile, logFile, pid: child.pid ?? -1, stop };
}
