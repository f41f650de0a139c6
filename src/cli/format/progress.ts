/** Something that reports progress of long work (imports of many files). */
export interface ProgressReporter {
  /** Sets the total once it is known; the bar shows a count only until then. */
  setTotal(total: number): void;
  update(done: number, detail?: string): void;
  finish(): void;
}

/** A reporter that shows nothing (non-interactive output, `--json`). */
export const SILENT_PROGRESS: ProgressReporter = { setTotal() {}, update() {}, finish() {} };

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  readonly label: string;
  readonly write: (text: string) => void;
  /** Terminal width; the bar adapts to it. */
  readonly columns?: number;
  /** Monotonic milliseconds, injectable for tests. */
  readonly clock?: () => number;
  /** Redraw at most this often (ms) so drawing never costs more than the work. */
  readonly intervalMs?: number;
}

/** A one-line progress bar redrawn in place with `\r`, for a TTY on stderr. */
export function createProgressBar(options: ProgressBarOptions): ProgressReporter {
  const clock = options.clock ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const columns = options.columns ?? 80;
  const started = clock();
  let total: number | null = null;
  let lastDraw = -Infinity;
  let done = 0;
  let drawn = false;

  const draw = (detail: string) => {
    const elapsedS = Math.max((clock() - started) / 1000, 1e-3);
    const rate = `${Math.round(done / elapsedS).toLocaleString('en-US')}/s`;
    let text: string;
    if (total !== null && total > 0) {
      const fraction = Math.min(done / total, 1);
      const width = Math.max(10, Math.min(30, columns - 60));
      const filled = Math.round(fraction * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      text = `${options.label} ${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${done}/${total} ${rate}`;
    } else {
      text = `${options.label} ${done} ${rate}`;
    }
    if (detail) text += ` ${detail}`;
    text = text.length > columns - 1 ? text.slice(0, columns - 2) + '…' : text;
    options.write(`\r${text.padEnd(columns - 1)}`);
    drawn = true;
  };

  return {
    setTotal(value) {
      total = value;
    },
    update(value, detail = '') {
      done = value;
      const now = clock();
      if (now - lastDraw < interval) return;
      lastDraw = now;
      draw(detail);
    },
    finish() {
      if (!drawn) return;
      draw('');
      options.write('\n');
    },
  };
}
