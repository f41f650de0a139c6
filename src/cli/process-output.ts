import type { Writable } from 'node:stream';

/** Exit status once the reader of stdout went away: 128 + SIGPIPE, what a shell shows for `cat` in `cat | head -1`. */
export const READER_GONE_EXIT = 141;

/** The reader of certflow's output went away (`certflow … | head -1`): the command stops at its next line. */
export class ReaderGoneError extends Error {
  override readonly name = 'ReaderGoneError';
  constructor() {
    super("the reader of certflow's output went away");
  }
}

/** certflow's lines to stdout and stderr, for a process whose readers may go away. */
export interface ProcessOutput {
  /** Writes a line to stdout; once its reader is gone, throws {@link ReaderGoneError} or drops the line. */
  out: (line: string) => void;
  /** Writes a line to stderr; dropped once its reader is gone (there is nobody left to tell). */
  err: (line: string) => void;
  /** True once stdout's reader went away. */
  readonly readerGone: boolean;
}

function readerGoneError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET';
}

/**
 * Wraps the process's streams so a closed pipe ends a command quietly instead of crashing it with an unhandled
 * EPIPE. `whenGone: 'throw'` stops a one-shot command at its next line (main turns that into exit 141);
 * `'drop'` keeps a long-running one going and calls `onGone` once, so it can shut down in order.
 */
export function processOutput(
  stdout: Writable,
  stderr: Writable,
  options: { whenGone: 'throw' | 'drop'; onGone?: () => void },
): ProcessOutput {
  let stdoutGone = false;
  let stderrGone = false;
  const goneOut = () => {
    if (stdoutGone) return;
    stdoutGone = true;
    options.onGone?.();
  };
  // A write to a closed pipe fails asynchronously with an 'error' event, which would crash the process unhandled.
  stdout.on('error', (error) => {
    if (!readerGoneError(error)) throw error;
    goneOut();
  });
  stderr.on('error', (error) => {
    if (!readerGoneError(error)) throw error;
    stderrGone = true;
  });
  return {
    out: (line) => {
      // `errored` is set as soon as a write fails, before the 'error' event is emitted.
      if (stdout.errored || stdout.destroyed) goneOut();
      if (stdoutGone) {
        if (options.whenGone === 'throw') throw new ReaderGoneError();
        return;
      }
      stdout.write(`${line}\n`);
    },
    err: (line) => {
      if (stderrGone || stderr.errored || stderr.destroyed) return;
      stderr.write(`${line}\n`);
    },
    get readerGone() {
      return stdoutGone;
    },
  };
}
