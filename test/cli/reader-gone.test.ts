import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { freePort } from '../support/ports';
import { buildDist, ownStartEnv, processesMentioning, runCertflowToEnd } from '../support/processes';
import { REPO_ROOT } from '../support/temporal';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
let dir: string;
let env: NodeJS.ProcessEnv;

/**
 * Runs the built CLI with its stdout's reader gone before it writes anything (the read end is closed as soon as
 * the child exists), so its first line hits a closed pipe, as `certflow … | head -0` would.
 */
async function runWithReaderGone(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  return { code, signal, stderr };
}

/** Runs `<certflow args> | head -<lines>` in bash and returns what head printed and certflow's exit status. */
async function runIntoHead(args: string[], lines: number): Promise<{ status: number; head: string; stderr: string }> {
  const quoted = args.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn(
    'bash',
    ['-c', `"${process.execPath}" "${CLI}" ${quoted} | head -${lines}; echo "status \${PIPESTATUS[0]}" >&2`],
    { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise((resolve) => child.once('close', resolve));
  const status = /status (\d+)\s*$/.exec(stderr);
  return { status: Number(status?.[1]), head: stdout, stderr: stderr.replace(/status \d+\s*$/, '') };
}

beforeAll(async () => {
  buildDist();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-reader-gone-'));
  const url = `sqlite:${path.join(dir, 'inventory.sqlite')}`;
  // Nothing listens at TEMPORAL_ADDRESS: the commands here never need Temporal.
  env = { CERTFLOW_DATABASE_URL: url, USER: 'pipe', TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
  // More audit entries than a pipe holds, so `audit export | head -2` keeps writing after head has gone.
  const { store } = await openInventoryDatabase({ url });
  try {
    const entries = Array.from({ length: 5_000 }, (_, index) => ({
      at: new Date(Date.UTC(2026, 10, 1, 0, 0, index)).toISOString(),
      actor: 'user:pipe',
      action: 'test.entry',
      subject: `subject-${index}`,
      where: 'reader-gone test',
      details: { index, padding: 'x'.repeat(200) },
    }));
    for (let start = 0; start < entries.length; start += 500) {
      await store.appendAudit(entries.slice(start, start + 500));
    }
  } finally {
    await store.close();
  }
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('certflow ends quietly when the reader of its output goes away (issue 14)', () => {
  it('groups create still creates the group, then exits 141 without a word', async () => {
    const result = await runWithReaderGone([
      'groups',
      'create',
      'piped',
      '--name',
      'Piped group',
      '--approver',
      'bob@example.com',
    ]);
    expect(result).toEqual({ code: 141, signal: null, stderr: '' });
    const shown = await runCertflowToEnd(['groups', 'show', 'piped', '--json'], env);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'piped', name: 'Piped group' });
  });

  it.each([[['help']], [['audit', 'export', '--format', 'jsonl']], [['audit', 'list', '--json']], [['list']]])(
    '%j exits 141 without a word',
    async (args) => {
      expect(await runWithReaderGone(args)).toEqual({ code: 141, signal: null, stderr: '' });
    },
  );

  it('certflow start shuts down in order, as on Ctrl-C, leaving nothing running', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-start-reader-gone-'));
    try {
      const result = await runWithReaderGone(['start'], {
        ...(await ownStartEnv(dataDir)),
        CERTFLOW_LOG_LEVEL: 'ERROR',
      });
      expect(result).toEqual({ code: 141, signal: null, stderr: '' });
      expect(processesMentioning(dataDir)).toEqual([]);
      expect(fs.existsSync(path.join(dataDir, 'certflow.lock'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('audit export --format jsonl | head -2 prints two entries and stops the export quietly', async () => {
    const result = await runIntoHead(['audit', 'export', '--format', 'jsonl'], 2);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(141);
    const lines = result.head.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1, 2]);
  });
});
