/** The text progress bar of a campaign, as Slack and the console show it. */

/** Characters of one progress bar. */
const PROGRESS_BAR_WIDTH = 10;

/** `▓▓▓▓▓░░░░░ 48% (96/200)`: full only once all is done, so 199/200 never looks finished. */
export function progressBar(done: number, total: number): string {
  const ratio = total === 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled =
    done >= total ? PROGRESS_BAR_WIDTH : Math.min(PROGRESS_BAR_WIDTH - 1, Math.round(ratio * PROGRESS_BAR_WIDTH));
  const percent = done >= total ? 100 : Math.floor(ratio * 100);
  return `${'▓'.repeat(filled)}${'░'.repeat(PROGRESS_BAR_WIDTH - filled)} ${percent}% (${done}/${total})`;
}
