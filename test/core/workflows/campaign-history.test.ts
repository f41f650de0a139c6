/**
 * A small campaign's history, replayed with today's workflow code; CERTFLOW_RECORD_HISTORIES=1 adds it to
 * test/core/workflows/histories/, which the replay test replays with every later version (R-MON-1, R-CAM-4).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignDefinition, CampaignProgress } from '../../../src/core/domain/campaigns/model';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  campaignWorkflowId,
  type CampaignWorkflowInput,
} from '../../../src/core/workflows/definitions';
import { CAMPAIGN_PEOPLE, createCampaignHarness, DAY_MS, type CampaignHarness } from '../../support/campaign-harness';
import { workflowBundle } from '../../support/temporal';

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

  it('R-CAM-4: a campaign that continues as new, with a failing Jira, replays every run deterministically', async () => {
    harness = await createCampaignHarness({ timings: TIMINGS });
    const h = harness;
    const seeds = await h.seed(['alpha', 'bravo'], 3);
    await h.startLifecycles(seeds);
    const jiraDown = () => Promise.reject(new Error('Jira answered 503 Service Unavailable'));
    h.publishing = {
      notifier: h.campaignNotifier,
      ticketing: {
        ensureEpic: jiraDown,
        ensureGroupTask: jiraDown,
        syncGroupTask: jiraDown,
        escalateGroupTask: jiraDown,
      },
    };
    const histories = await h.withWorker(async () => {
      const definition: CampaignDefinition = {
        id: 'cmp-20261207-c0ffee',
        title: 'Replace certificates of Old Corp',
        kind: 'ca-compromise',
        reason: 'Old Corp issuing CA key compromised',
        selector: { issuerDn: h.oldIssuerDn },
        deadline: new Date(Date.now() + 2 * DAY_MS).toISOString(),
        launchedBy: CAMPAIGN_PEOPLE.securityLead,
        launchedAt: new Date().toISOString(),
        emergency: true,
        parallelism: 2,
        maxAttempts: 3,
        channelId: 'CCAMPAIGN',
      };
      await h.campaignStore.createCampaign(definition, definition.launchedAt);
      // A small history budget: the campaign continues as new several times on its way.
      const handle = await h.env.client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
        workflowId: campaignWorkflowId(definition.id),
        taskQueue: h.taskQueue,
        args: [{ definition, timings: TIMINGS, historyEventBudget: 60 } satisfies CampaignWorkflowInput],
      });
      const end = (await handle.result()) as CampaignProgress;
      expect(end.counts['old-revoked']).toBe(6);
      const runs = [];
      let runId: string | undefined = handle.firstExecutionRunId;
      while (runId !== undefined) {
        const history = await h.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        runs.push(history);
        const last = history.events?.at(-1);
        runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      return runs;
    });
    expect(histories.length).toBeGreaterThan(1);
    for (const history of histories) {
      await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history)).resolves.toBeUndefined();
    }
    if (process.env.CERTFLOW_RECORD_HISTORIES === '1') {
      const day = new Date().toISOString().slice(0, 10);
      for (const [index, history] of histories.slice(0, 2).entries()) {
        const file = path.join(HISTORIES, `campaign-continued-run${index + 1}-${day}.json`);
        fs.writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
      }
    }
  }, 300_000);
});
