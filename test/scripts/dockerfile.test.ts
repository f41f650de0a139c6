/**
 * The Dockerfile's build stage, run without Docker from its own lines, so its file list cannot drift from what the
 * build needs again (issue 17: it once copied five folders of src/ and tsc failed with TS2307). Every COPY of the
 * stage is copied into a temporary folder and every RUN is run there, except the two dependency steps: `npm install`
 * becomes a symlink to the repository's node_modules (installed from the same package-lock.json, which the stage
 * must copy first) and `npm prune` is skipped (it would prune the shared node_modules through that link). Then the
 * paths the runtime stage copies out of the build stage must exist, and the image's entry point must run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/temporal';

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions per stage (continuation lines joined, comments dropped). */
function stages(text: string): { name: string; instructions: Instruction[] }[] {
  const joined = text.replace(/\\\n/g, ' ');
  const result: { name: string; instructions: Instruction[] }[] = [];
  for (const line of joined.split('\n').map((raw) => raw.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      result.push({ name: /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? String(result.length), instructions: [] });
    } else {
      result.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return result;
}

/** The dependency steps the test stands in for; any other RUN line runs as written. */
const INSTALL = /^npm (install|ci)\b/;
const PRUNE = /^npm prune\b/;

const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const [build, runtime] = stages(dockerfile) as [
  { name: string; instructions: Instruction[] },
  { name: string; instructions: Instruction[] },
];
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-dockerfile-'));

describe('the Dockerfile builds from the files it copies', () => {
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('runs the build stage in a folder holding only what the stage copies; the runtime stage finds what it copies', () => {
    expect(build.name).toBe('build');
    const workdir = build.instructions.find((instruction) => instruction.keyword === 'WORKDIR')?.args ?? '/';
    const inWorkspace = (target: string) => path.join(workspace, path.relative(workdir, path.resolve(workdir, target)));
    const ran: string[] = [];
    for (const { keyword, args } of build.instructions) {
      if (keyword === 'COPY') {
        const parts = args.split(/\s+/);
        const destination = parts.pop() ?? '.';
        for (const source of parts) {
          const target = destination.endsWith('/')
            ? path.join(inWorkspace(destination), source)
            : inWorkspace(destination);
          fs.cpSync(path.join(REPO_ROOT, source), target, { recursive: true });
        }
      } else if (keyword === 'RUN') {
        if (INSTALL.test(args)) {
          expect(fs.existsSync(path.join(workspace, 'package-lock.json')), 'npm install before the lock file').toBe(
            true,
          );
          fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(workspace, 'node_modules'));
        } else if (!PRUNE.test(args)) {
          const result = spawnSync('sh', ['-c', args], { cwd: workspace, encoding: 'utf8' });
          expect(result.status, `RUN ${args}\n${result.stdout}${result.stderr}`).toBe(0);
        }
        ran.push(args);
      }
    }
    expect(ran.some((command) => INSTALL.test(command))).toBe(true);

    for (const { keyword, args } of runtime.instructions.filter((instruction) => instruction.keyword === 'COPY')) {
      const match = /^--from=build\s+(\S+)/.exec(args);
      if (match)
        expect(fs.existsSync(path.resolve(workspace, path.relative(workdir, match[1] ?? ''))), args).toBe(true);
      else expect.unreachable(`${keyword} ${args}: the runtime stage copies only from the build stage`);
    }
    const entrypoint = JSON.parse(
      runtime.instructions.find((instruction) => instruction.keyword === 'ENTRYPOINT')?.args ?? '[]',
    ) as string[];
    expect(entrypoint.slice(0, 2)).toEqual(['node', 'dist/cli/main.js']);
    const help = spawnSync(process.execPath, [path.join(workspace, entrypoint[1] ?? ''), '--help'], {
      cwd: workspace,
      encoding: 'utf8',
    });
    expect(help.status, `${help.stdout}${help.stderr}`).toBe(0);
  }, 300_000);
});
