/**
 * A small campaign's history, replayed with today's workflow code; CERTFLOW_RECORD_HISTORIES=1 adds it to
 * test/workflows/histories/, which the replay test replays with every later version (R-MON-1, R-CAM-4).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignProgress } from '../../domain/campaigns/model';
import { campaignWorkflowId } from '../../workflows/definitions';
import { CAMPAIGN_PEOPLE, createCampaignHarness, DAY_MS, type CampaignHarness } from '../support/campaign-harness';
import { workflowBundle } from '../support/temporal';

const HISTORIES = path.join(__dirname, 'histories');
const TIMINGS = { progressEveryMs: 0, rescanEveryMs: 30 * DAY_MS, retryAfterMs: 60 * 60_000 };

let harness: CampaignHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('campaign workflow history', () => {
  it('R-CAM-4: a small campaign replays deterministically with the current workflow code', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 2);
    await h.startLifecycles(seeds);
    const history = await h.withWorker(async () => {
      const campaign = await h.campaigns.start({
        selector: { issuerDn: h.oldIssuerDn },
        kind: 'ca-compromise',
        reason: 'Old Corp issuing CA key compromised',
        launchedBy: CAMPAIGN_PEOPLE.securityLead,
        emergency: true,
        parallelism: 2,
      });
      const handle = h.env.client.workflow.getHandle(campaignWorkflowId(campaign.id));
      const end = (await handle.result()) as CampaignProgress;
      expect(end.counts['old-revoked']).toBe(4);
      return await handle.fetchHistory();
    });
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history)).resolves.toBeUndefined();
    if (process.env.CERTFLOW_RECORD_HISTORIES === '1') {
      const file = path.join(HISTORIES, `campaign-small-${new Date().toISOString().slice(0, 10)}.json`);
      fs.writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    }
  }, 300_000);
});
