/**
 * What the browser tests share: Debian's Chromium (driven by playwright-core) and the environment of the
 * `certflow start` they drive, with the Slack stand-in in place of Slack.
 */
import fs from 'node:fs';
import { freePort } from './ports';
import type { Browser } from 'playwright-core';
import { type CertflowProcess, ownStartEnv, runCertflow } from './processes';

/** Debian's chromium, which `npm test` installs (scripts/bootstrap.js) when it runs as root with apt. */
export const CHROMIUM = '/usr/bin/chromium';

/** Fails, saying how to install it, when Debian's Chromium is missing. */
export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `the browser test needs ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (Debian, Ubuntu); ` +
        '`npm test` installs it by itself when it runs as root on a machine with apt',
    );
  }
}

/** A test's own `certflow start` with one TLS endpoint and no Slack credential, so the Slack stand-in runs. */
export async function browserStartEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  return {
    ...(await ownStartEnv(dataDir)),
    CERTFLOW_TLS_ENDPOINTS: `127.0.0.1:${await freePort()}`,
    // No Slack credential, so the default stand-in runs (on a free port, from ownStartEnv).
    SLACK_BOT_TOKEN: '',
    SLACK_SIGNING_SECRET: '',
    SLACK_APP_TOKEN: '',
    CERTFLOW_SLACK: '',
  };
}

/** Rethrows a failed step's error with everything certflow printed, so it says where it broke. */
export function explainWith(certflow: CertflowProcess): (error: Error) => never {
  return (error) => {
    throw new Error(`${error.message}\ncertflow said:\n${[...certflow.stdout, ...certflow.stderr].join('\n')}`);
  };
}

/** Closes the browser, stops certflow as Ctrl-C does and removes its data folder; a failed start may have left any unset. */
export async function stopBrowserRun(run: {
  readonly browser: Browser | undefined;
  readonly certflow: CertflowProcess | undefined;
  readonly dataDir: string | undefined;
}): Promise<void> {
  await run.browser?.close();
  if (run.certflow?.child.exitCode === null) {
    run.certflow.child.kill('SIGINT');
    await run.certflow.exited;
  }
  if (run.dataDir) fs.rmSync(run.dataDir, { recursive: true, force: true });
}

/**
 * Runs a certflow command with `--json` and parses its stdout; stderr is not part of the answer (the CLI's
 * operator-mode note goes there). Fails with everything it printed when it fails.
 */
export async function certflowJson<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const run = runCertflow(args, env);
  const code = await run.exited;
  if (code !== 0)
    throw new Error(`certflow ${args.join(' ')} exited ${code}:\n${[...run.stdout, ...run.stderr].join('\n')}`);
  return JSON.parse(run.stdout.join('\n')) as T;
}
