/**
 * `npm run chaos`: the chaos scenario at full size (chaos/scenario.ts): 1,000 certificates and five owner renewals,
 * a worker SIGKILLed every 20–40 s, the dev server restarted twice, 20 % of Slack and Jira calls failing. Prints the
 * summary table and fails (a non-zero exit) on any FAIL row or when the hard deadline passes. Environment:
 * CERTFLOW_CHAOS_SEED repeats a run, CERTFLOW_CHAOS_CERTIFICATES changes its size, CERTFLOW_CHAOS_DEADLINE_MINUTES
 * (90) bounds it, CERTFLOW_CHAOS_KEEP=1 keeps its folder.
 */
import { expect, it } from 'vitest';
import { summaryTable } from './checks';
import { runChaos } from './scenario';

function wholeNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${text}: give a whole number ≥ 0`);
  return value;
}

const seed = wholeNumber('CERTFLOW_CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));
const certificates = wholeNumber('CERTFLOW_CHAOS_CERTIFICATES', 1000);
const deadlineMs = wholeNumber('CERTFLOW_CHAOS_DEADLINE_MINUTES', 90) * 60_000;

it(
  `R-CAM-4: ${certificates} certificates under chaos, each replaced exactly once (seed ${seed})`,
  async () => {
    const report = await runChaos({
      certificates,
      ownerRenewals: 5,
      killEveryMs: [20_000, 40_000],
      maxKills: Number.POSITIVE_INFINITY,
      serverRestarts: 2,
      faultRate: 0.2,
      seed,
      parallel: 100,
      deadlineMs,
      log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
    });
    const minutes = (report.elapsedMs / 60_000).toFixed(1);
    console.log(
      `\nchaos seed ${seed}: ${certificates} certificates in ${minutes} min, ${report.kills} workers killed, ` +
        `${report.serverRestarts} server restarts, ${report.faulted.slack} Slack and ${report.faulted.jira} Jira ` +
        `calls faulted\n${summaryTable(report.checks)}\nrepeat with CERTFLOW_CHAOS_SEED=${seed} npm run chaos`,
    );
    expect(report.checks.filter((check) => !check.pass)).toEqual([]);
  },
  // The deadline bounds the chaos; checking and tearing down get 15 minutes more, then vitest gives up.
  deadlineMs + 900_000,
);
