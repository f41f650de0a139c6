import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './ports';
import { REPO_ROOT } from './temporal';

/** A certflow command running as a child process, with its output collected line by line. */
export interface CertflowProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/** Compiles the project into dist/ and bundles its workflows, as `npm start` does, so child processes run the current code. */
export function buildDist(): void {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
  // As `npm run build` does: workers started from dist/ load this bundle instead of bundling at every start.
  const bundle = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'runtime', 'workflow-bundle.js')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (bundle.status !== 0) throw new Error(`bundling the workflows failed:\n${bundle.stdout}${bundle.stderr}`);
}

/** Runs `node dist/cli/main.js <args>` with `env` added to this process's environment. */
export function runCertflow(args: string[], env: NodeJS.ProcessEnv): CertflowProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    stdout.push(line);
    for (const waiter of waiters.filter((candidate) => candidate.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const waiter of waiters.splice(0)) {
        waiter.reject(
          new Error(`certflow ${args.join(' ')} exited (${code ?? signal}):\n${[...stdout, ...stderr].join('\n')}`),
        );
      }
      resolve(code ?? signal ?? -1);
    }),
  );
  const waitForLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = stdout.find((line) => pattern.test(line));
      if (seen !== undefined) resolve(seen);
      else if (child.exitCode !== null || child.signalCode !== null) reject(new Error('certflow already exited'));
      else waiters.push({ pattern, resolve, reject });
    });
  return { child, stdout, stderr, waitForLine, exited };
}

/** Runs a certflow command to its end: its exit code (or signal), everything it printed, and its stdout alone. */
export async function runCertflowToEnd(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | string; out: string; stdout: string }> {
  const child = runCertflow(args, env);
  const code = await child.exited;
  // `--json` goes to stdout alone: notes on stderr (such as the operator-mode line) must not break its parse.
  return { code, out: [...child.stdout, ...child.stderr].join('\n'), stdout: child.stdout.join('\n') };
}

/**
 * The environment of a `certflow start` of a test's own: its data folder, the embedded dev server, certflow's HTTP
 * server and the stand-ins on free ports, quiet logs; tests add what they are about.
 */
export async function ownStartEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  return {
    CERTFLOW_DATA_DIR: dataDir,
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_ADDRESS: '',
    CERTFLOW_LOG_LEVEL: 'WARN',
    CERTFLOW_HTTP_PORT: String(await freePort()),
    // The Slack and Jira stand-ins run by default; free ports keep parallel runs off their defaults.
    CERTFLOW_SLACK_STAND_IN_PORT: '0',
    CERTFLOW_JIRA_STAND_IN_PORT: '0',
  };
}

/** Command lines of the live processes whose arguments mention `text` (Linux /proc). */
export function processesMentioning(text: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        return cmdline.includes(text) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}
