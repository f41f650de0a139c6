#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { InvalidDurationError, parseDuration } from '../domain/duration';
import { ConfigError, loadConfig } from '../worker/config';
import { DataDirInUseError, DevServerStartError, PortInUseError } from '../worker/dev-server';
import { SearchAttributeConflictError } from '../worker/search-attributes';
import { TemporalToolsMissingError } from '../worker/temporal-tools';
import { runCanary } from './commands/canary';
import { runStart } from './commands/start';
import { TemporalUnreachableError, UsageError } from './errors';

/** Text of `certflow help`. */
export const HELP = `certflow: keeps TLS certificates from expiring or staying compromised

Usage: certflow <command> [options]     (from a clone: npm run certflow -- <command> [options])

Commands:
  start                  run certflow: the embedded Temporal dev server (unless TEMPORAL_ADDRESS is set) and the worker
  worker                 run only the worker, against TEMPORAL_ADDRESS (default 127.0.0.1:TEMPORAL_PORT)
  canary [options]       run a timer canary workflow: proves timers, the worker and activities work end to end
      --sleep <duration>   how long its durable timer runs (default 5s; e.g. 30s, 10m, 90d)
      --label <text>       free text kept in the result
      --no-wait            print the workflow id and return at once
      --json               print the result as JSON
  help                   show this text

Configuration comes from environment variables; see the README.`;

/** Process exit codes: 0 success, 1 failure, 2 bad command line or configuration. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const CANARY_OPTIONS = {
  sleep: { type: 'string', default: '5s' },
  label: { type: 'string', default: '' },
  'no-wait': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

function parseOptions<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see \`certflow help\`)`);
  }
}

/** Runs one certflow command line and returns the process exit code; errors are printed, never thrown. */
export async function main(
  argv: string[],
  io: { out: (line: string) => void; err: (line: string) => void; env: NodeJS.ProcessEnv; cwd: string },
): Promise<number> {
  const [command = 'help', ...rest] = argv;
  try {
    if (command === 'help' || command === '--help' || command === '-h') {
      io.out(HELP);
      return EXIT.ok;
    }
    if (!['start', 'worker', 'canary'].includes(command)) {
      throw new UsageError(`unknown command "${command}"; commands are start, worker, canary and help`);
    }
    if (command === 'canary') {
      const values = parseOptions(rest, CANARY_OPTIONS);
      const sleepMs = parseDuration(values.sleep);
      await runCanary({
        config: loadConfig(io.env, io.cwd),
        sleepMs,
        label: values.label,
        wait: !values['no-wait'],
        json: values.json,
        out: io.out,
      });
    } else {
      parseOptions(rest, {});
      await runStart({ config: loadConfig(io.env, io.cwd), workerOnly: command === 'worker', out: io.out });
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof InvalidDurationError) {
      io.err(`certflow: ${error.message}`);
      return EXIT.usage;
    }
    const known =
      error instanceof TemporalUnreachableError ||
      error instanceof TemporalToolsMissingError ||
      error instanceof PortInUseError ||
      error instanceof DataDirInUseError ||
      error instanceof DevServerStartError ||
      error instanceof SearchAttributeConflictError;
    io.err(`certflow: ${known ? (error as Error).message : String((error as Error).stack ?? error)}`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
  });
}
