import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../support/temporal';

/** Histories of earlier workflow versions (CERTFLOW_RECORD_HISTORIES=1 records today's): today's code replays them all. */
const HISTORIES = path.join(__dirname, 'histories');
const recorded = fs.readdirSync(HISTORIES).filter((name) => name.endsWith('.json'));

describe('recorded workflow histories', () => {
  it('has histories of every workflow type to replay', () => {
    expect(recorded.some((name) => name.startsWith('lifecycle-'))).toBe(true);
    expect(recorded.some((name) => name.startsWith('timer-canary-'))).toBe(true);
    expect(recorded.some((name) => name.startsWith('campaign-'))).toBe(true);
  });

  it.each(recorded)('R-MON-1: the current workflow code replays %s deterministically', async (file) => {
    const history = JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')) as unknown;
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history)).resolves.toBeUndefined();
  });
});
