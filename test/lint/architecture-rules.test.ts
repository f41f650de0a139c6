import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/temporal';

// The project's own eslint.config.js, minus the type-aware rules (the probes below are not files on disk).
const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfig: tseslint.configs.disableTypeChecked });

async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'parse'}: ${message.message}`);
}

describe('architecture rules enforced by ESLint', () => {
  it.each([
    ["import fs from 'node:fs';", /No Node built-ins here/],
    ["import { createHash } from 'crypto';", /No Node built-ins here/],
    ["import { WebClient } from '@slack/web-api';", /No I\/O clients here/],
    ["import JiraApi from 'jira-client';", /No I\/O clients here/],
    ["import axios from 'axios';", /No I\/O clients here/],
    ["import { Client } from '@temporalio/client';", /Workflows import only @temporalio\/workflow/],
    ["import { createActivities } from '../activities';", /Import activities by type only/],
    ["import { loadConfig } from '../../runtime/config';", /Workflows only orchestrate/],
    ['export const id = Math.random();', /Use uuid4\(\)/],
    ['export const pid = process.pid;', /Unexpected use of 'process'/],
  ])('workflows/: %s is refused', async (code, message) => {
    expect((await violations('src/core/workflows/probe.ts', code)).join('\n')).toMatch(message);
  });

  it.each([
    ["import { createActivities } from '../../activities';", /Import activities by type only/],
    ["import { openInventoryStore } from '../../../adapters/database/database';", /Workflows only orchestrate/],
    ["import { createLifecycleClient } from '../../application/lifecycle-client';", /Workflows only orchestrate/],
  ])('workflows/ at any depth: %s is refused', async (code, message) => {
    expect((await violations('src/core/workflows/lifecycle/probe.ts', code)).join('\n')).toMatch(message);
  });

  it('workflows/: type-only imports of activities and SDK workflow APIs are allowed', async () => {
    const code = [
      "import { proxyActivities, sleep } from '@temporalio/workflow';",
      "import type { CertflowActivities } from '../activities';",
      'export const activities = proxyActivities<CertflowActivities>({ startToCloseTimeout: 1000 });',
      'export const wait = sleep;',
    ].join('\n');
    expect(await violations('src/core/workflows/probe.ts', code)).toEqual([]);
  });

  it.each([
    ["import { sleep } from '@temporalio/workflow';", /domain\/ is pure logic: no Temporal here/],
    ["import path from 'node:path';", /No Node built-ins here/],
    ["import { runStart } from '../../cli/commands/start';", /domain\/ depends on nothing else in certflow/],
    ['export const now = Date.now();', /Take `now` as an argument/],
    ['export const now = new Date();', /Take `now` as an argument/],
    ['export const jitter = Math.random();', /Take jitter as an argument/],
    ['setTimeout(() => undefined, 1);', /Unexpected use of 'setTimeout'/],
  ])('domain/: %s is refused', async (code, message) => {
    expect((await violations('src/core/domain/probe.ts', code)).join('\n')).toMatch(message);
  });

  it.each([
    "import { createActivities } from '../../activities';",
    "import { certificateLifecycleWorkflow } from '../../workflows/certificate-lifecycle';",
    "import { SqlCampaignStore } from '../../../adapters/database/sql-campaign-store';",
  ])('domain/ at any depth: %s is refused', async (code) => {
    expect((await violations('src/core/domain/lifecycle/probe.ts', code)).join('\n')).toMatch(
      /domain\/ depends on nothing else in certflow/,
    );
  });

  it('domain/: dates built from arguments are fine', async () => {
    expect(await violations('src/core/domain/probe.ts', 'export const at = (ms: number) => new Date(ms);')).toEqual([]);
  });

  it('activities/ may do I/O', async () => {
    expect(
      await violations(
        'src/core/activities/probe.ts',
        "import fs from 'node:fs';\nexport const read = fs.readFileSync;",
      ),
    ).toEqual([]);
  });
});
