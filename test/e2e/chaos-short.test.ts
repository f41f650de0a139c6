/**
 * The chaos scenario of `npm run chaos` (chaos/scenario.ts), short: 30 certificates and two owner renewals on real
 * `certflow worker` processes, one worker SIGKILLed, the dev server restarted once on its database file, and 10 % of
 * Slack and Jira calls failing (429, 500, a timeout, processed then 500): at 20 % a ticket step's retries (10 s
 * doubling to 10 min) make the run's tail too long for `npm test`; `npm run chaos` runs 20 %. Every check of the summary
 * table must pass (the Slack row last failed at seed 117863673, one message no key had near the campaign's end: most
 * likely its last words given up while still in flight, now retried until they land). The seed is printed;
 * CERTFLOW_CHAOS_SEED=<seed> repeats a run.
 */
import { describe, expect, it } from 'vitest';
import { summaryTable } from '../../chaos/checks';
import { runChaos } from '../../chaos/scenario';

const seed = Number(process.env.CERTFLOW_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('the chaos scenario, short (issue 17)', () => {
  it(`R-CAM-4: under kills, a server restart and Slack and Jira faults, every certificate is replaced exactly once (seed ${seed})`, async () => {
    const report = await runChaos({
      certificates: 30,
      ownerRenewals: 2,
      killEveryMs: [5_000, 10_000],
      maxKills: 1,
      serverRestarts: 1,
      faultRate: 0.1,
      seed,
      parallel: 30,
      deadlineMs: 1_200_000,
      log: (line) => console.log(line),
    });
    const table = summaryTable(report.checks);
    console.log(table);
    expect(report.kills).toBe(1);
    expect(report.serverRestarts).toBe(1);
    expect(
      report.checks.filter((check) => !check.pass),
      table,
    ).toEqual([]);
  }, 1_500_000);
});
