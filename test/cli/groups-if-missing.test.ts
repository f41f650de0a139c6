import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { ensureDemoOwnerGroup } from '../../src/adapters/slack/stand-in/demo-workspace';
import { freePort } from '../support/ports';

let dir: string;
let env: NodeJS.ProcessEnv;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env, cwd: dir });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const README_DEMO_GROUP = [
  'groups',
  'create',
  'demo',
  '--name',
  'Demo',
  '--contact',
  'owner@example.com',
  '--approver',
  'approver@example.com',
  '--slack-channel',
  'C0CERTDEMO',
] as const;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-groups-'));
  env = {
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    USER: 'tester',
    // Nothing listens here: no Temporal server someone else runs is told anything.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  // What `npm start` does first with the Slack stand-in: the demo group of its demo users (issue 15).
  const { store } = await openInventoryDatabase({ url: env.CERTFLOW_DATABASE_URL! });
  try {
    expect(await ensureDemoOwnerGroup(store)).toBe(true);
  } finally {
    await store.close();
  }
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('groups create --if-missing (issue 15)', () => {
  it('R-OWN-1: refuses a group that exists, naming --if-missing, and changes nothing', async () => {
    const result = await run(...README_DEMO_GROUP);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toBe(
      'certflow: group demo exists already; change it with groups update, or add --if-missing to leave it as it is',
    );
  });

  it("R-OWN-1: with --if-missing leaves npm start's demo group as it is and exits 0; its people are the README's", async () => {
    const result = await run(...README_DEMO_GROUP, '--if-missing');
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(
      /^group demo exists already; left as it is \(change it with certflow groups update demo\)/,
    );
    const shown = await run('groups', 'show', 'demo', '--json');
    const group = JSON.parse(shown.out) as {
      contacts: { email: string; slackUserId?: string }[];
      approvers: { email: string }[];
      slack: { channelId?: string };
    };
    expect(group.contacts.map((person) => person.email)).toEqual(['owner@example.com']);
    expect(group.contacts[0]?.slackUserId).toBe('U0DEMOOWNER');
    expect(group.approvers.map((person) => person.email)).toEqual(['approver@example.com']);
    expect(group.slack.channelId).toBe('C0CERTDEMO');
    const audit = await run('audit', 'list', '--action', 'group.created', '--json');
    expect((JSON.parse(audit.out) as { total: number }).total).toBe(0);
  });

  it('R-OWN-1: creates a missing group with --if-missing as without it', async () => {
    const result = await run(
      'groups',
      'create',
      'web',
      '--name',
      'Web',
      '--approver',
      'bob@example.com',
      '--if-missing',
    );
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(/^Group web: Web/);
  });

  it('R-OWN-1: still checks the options of a group that exists, so a typo is no silent success', async () => {
    const result = await run(
      'groups',
      'create',
      'demo',
      '--name',
      'Demo',
      '--approver',
      'approver@example',
      '--if-missing',
    );
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/^certflow: --approver: "approver@example" names nobody certflow can reach/);
  });
});
