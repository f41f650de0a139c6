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

/** One import line as the only code of a probe file, used as a value so a type-only exemption cannot hide it. */
const probe = (specifier: string) => `import * as imported from '${specifier}';\nexport const used = imported;`;

describe('every dependency points inward (docs/architecture.md)', () => {
  it.each([
    // ports: interfaces over the domain, nothing else
    ['src/core/ports/probe.ts', '../domain/inventory/model'],
    // activities: domain and ports; workflow and use-case types only
    ['src/core/activities/probe.ts', '../ports/inventory-store'],
    ['src/core/activities/probe.ts', '@temporalio/activity'],
    // application: domain, ports, workflows' message definitions, the Temporal client
    ['src/core/application/probe.ts', '../workflows/definitions'],
    ['src/core/application/probe.ts', '../ports/inventory-store'],
    ['src/core/application/probe.ts', '@temporalio/client'],
    // adapters: the core's outer faces, their own folder, adapters/shared and adapters/database
    ['src/adapters/slack/probe.ts', '../../core/application/lifecycle-client'],
    ['src/adapters/slack/probe.ts', '../../core/ports/notification-port'],
    ['src/adapters/slack/listeners/probe.ts', '../views/blocks'],
    ['src/adapters/slack/probe.ts', '../../adapters/shared/http'],
    ['src/adapters/jira/probe.ts', '../database/inventory-schema'],
    ['src/adapters/slack/probe.ts', '@slack/web-api'],
    // runtime wires everything but the CLI; the CLI is the outermost layer
    ['src/runtime/probe.ts', '../adapters/slack/app'],
    ['src/runtime/probe.ts', '../core/workflows/search-attributes'],
    ['src/cli/commands/probe.ts', '../../runtime/worker'],
  ])('%s may import %s', async (file, specifier) => {
    expect(await violations(file, probe(specifier))).toEqual([]);
  });

  it.each([
    ['src/core/ports/probe.ts', '../workflows/definitions', /Ports depend only on domain/],
    ['src/core/ports/probe.ts', '../../adapters/database/database', /Ports depend only on domain/],
    ['src/core/ports/probe.ts', 'kysely', /No I\/O clients here/],
    ['src/core/activities/probe.ts', '../application/lifecycle-client', /never call back up: take what they need/],
    ['src/core/activities/probe.ts', '../workflows/definitions', /never call back up/],
    ['src/core/activities/probe.ts', '../../adapters/ca/internal-ca', /The core depends on nothing outside it/],
    ['src/core/activities/probe.ts', 'axios', /Activities do I\/O through ports/],
    ['src/core/application/probe.ts', '../activities/lifecycle', /Use cases reach activities only through workflows/],
    ['src/core/application/probe.ts', '../../adapters/database/sql-published-roles', /The core depends on nothing/],
    ['src/core/application/probe.ts', '../../cli/commands/start', /The core depends on nothing/],
    ['src/core/application/probe.ts', '@temporalio/worker', /start and tell workflows with @temporalio\/client/],
    ['src/core/application/probe.ts', 'node-forge', /Use cases do I\/O through ports/],
    ['src/adapters/console/probe.ts', '../slack/views/campaign-messages', /One folder per outside system/],
    ['src/adapters/slack/stand-in/probe.ts', '../../jira/jira-config', /One folder per outside system/],
    ['src/adapters/slack/probe.ts', '../../runtime/config', /wired by src\/runtime/],
    ['src/adapters/jira/probe.ts', '../../cli/main', /wired by src\/runtime/],
    ['src/adapters/jira/probe.ts', '../../core/workflows/definitions', /through the application layer/],
    ['src/adapters/deploy/probe.ts', '../../core/activities/lifecycle', /through the application layer/],
    ['src/adapters/shared/probe.ts', '../slack/app', /adapters\/shared serves every adapter/],
    ['src/adapters/database/probe.ts', '../jira/jira-ticketing', /adapters\/database serves every adapter/],
    ['src/runtime/probe.ts', '../cli/main', /The CLI starts the runtime/],
  ])('%s may not import %s', async (file, specifier, message) => {
    expect((await violations(file, probe(specifier))).join('\n')).toMatch(message);
  });

  it('activities may name workflow types', async () => {
    const code = "import type { LifecycleView } from '../workflows/definitions';\nexport type View = LifecycleView;";
    expect(await violations('src/core/activities/probe.ts', code)).toEqual([]);
  });
});
