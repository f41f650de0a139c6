import { main, type CliIo } from '../../src/cli/main';

/** One command line's exit code and what it printed, each stream's lines joined. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs one certflow command line in-process with the test's environment, folder and clock, capturing its output. */
export async function runCli(argv: string[], io: Omit<CliIo, 'out' | 'err'>): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { ...io, out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Takes off the line a command acting directly on Temporal begins stderr with (operator mode); returns that line. */
export function takeOperatorModeLine(err: string[]): string | undefined {
  return err[0]?.startsWith('certflow: acting directly on Temporal as ') ? err.shift() : undefined;
}
