import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertPortFree,
  DataDirInUseError,
  DevServerStartError,
  lockDataDir,
  startDevServer,
} from '../../src/runtime/dev-server';
import { PortInUseError } from '../../src/adapters/shared/port-in-use-error';
import { freePort } from '../support/ports';

async function listen(): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return server;
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('embedded dev server guards', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-data-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('names the port and the variable that moves it when the port is taken', async () => {
    const server = await listen();
    try {
      const error = await assertPortFree(portOf(server), 'TEMPORAL_UI_PORT').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toMatch(
        new RegExp(`port ${portOf(server)} \\(TEMPORAL_UI_PORT\\) is already in use: is certflow already running\\?`),
      );
    } finally {
      server.close();
    }
  });

  it('accepts a free port', async () => {
    await expect(assertPortFree(await freePort(), 'TEMPORAL_PORT')).resolves.toBeUndefined();
  });

  it('refuses a data folder locked by a live certflow process', () => {
    fs.writeFileSync(path.join(dataDir, 'certflow.lock'), `${process.ppid}\n`);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dataDir)).toThrow(`in use by certflow (pid ${process.ppid})`);
  });

  it('takes over a lock left by a process that died, and releases it', async () => {
    fs.writeFileSync(path.join(dataDir, 'certflow.lock'), `${await deadPid()}\n`);
    const release = lockDataDir(dataDir);
    expect(fs.readFileSync(path.join(dataDir, 'certflow.lock'), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dataDir, 'certflow.lock'))).toBe(false);
  });

  it('takes over a lock file with garbage in it', () => {
    fs.writeFileSync(path.join(dataDir, 'certflow.lock'), 'not a pid');
    lockDataDir(dataDir)();
  });

  /** Starts a dev server from `cliPath` on free ports and returns what it threw. */
  async function startFailure(cliPath: string): Promise<unknown> {
    const options = { cliPath, namespace: 'default', dataDir, searchAttributes: [] };
    return await startDevServer({ ...options, port: await freePort(), uiPort: await freePort() }).catch(
      (caught: unknown) => caught,
    );
  }

  it('reports a dev server that exits at once, with its log, and releases the data folder', async () => {
    const fakeCli = path.join(dataDir, 'fake-temporal');
    fs.writeFileSync(fakeCli, '#!/bin/sh\necho "unknown flag: --db-filename" >&2\nexit 3\n', { mode: 0o755 });
    const error = await startFailure(fakeCli);
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as Error).message).toMatch(/the dev server exited \(3\) before it was ready/);
    expect((error as Error).message).toMatch(/unknown flag: --db-filename/);
    expect(fs.existsSync(path.join(dataDir, 'certflow.lock'))).toBe(false);
  });

  it('reports a CLI path that does not exist', async () => {
    const error = await startFailure(path.join(dataDir, 'no-such-temporal'));
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as Error).message).toMatch(/ENOENT/);
  });
});
