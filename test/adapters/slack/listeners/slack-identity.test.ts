import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackIdentities } from '../../../../src/adapters/slack/listeners/slack-identity';
import { createSlackWebClient } from '../../../../src/adapters/slack/slack-web-client';
import { type SlackStandIn, startSlackStandIn } from '../../../../src/adapters/slack/stand-in/slack-stand-in';

const BOT_TOKEN = 'xoxb-identity-test';

describe('R-SEC-2: Slack users as certflow actors', () => {
  let standIn: SlackStandIn;
  let now: number;
  let logged: string[];
  let userGroups: readonly string[];
  const listCalls = () => standIn.calls.filter((call) => call.method === 'usergroups.users.list').length;
  const identities = (options: { ttlMs?: number; groups?: () => Promise<readonly string[]> } = {}) =>
    new SlackIdentities((line) => logged.push(line), {
      userGroups: options.groups ?? (() => Promise.resolve(userGroups)),
      nowMilliseconds: () => now,
      ...(options.ttlMs === undefined ? {} : { membershipTtlMs: options.ttlMs }),
    });

  beforeAll(async () => {
    standIn = await startSlackStandIn({
      botToken: BOT_TOKEN,
      signingSecret: 'unused',
      users: [
        { id: 'U0ANN', name: 'ann', email: 'Ann@Example.com' },
        { id: 'U0BOB', name: 'bob' },
      ],
      userGroups: [
        { id: 'S0APPROVERS', handle: 'approvers', users: ['U0ANN'] },
        { id: 'S0OWNERS', handle: 'owners', users: ['U0ANN', 'U0BOB'] },
        { id: 'S0UNRELATED', handle: 'unrelated', users: ['U0BOB'] },
      ],
    });
  });

  afterAll(async () => {
    await standIn.close();
  });

  beforeEach(() => {
    now = 1_000_000;
    logged = [];
    userGroups = ['S0OWNERS', 'S0APPROVERS'];
    standIn.faults.clear();
  });

  const client = () =>
    createSlackWebClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });

  it('carries the e-mail and the owner groups’ Slack user groups the user is in, and no others', async () => {
    const slack = client();
    expect(await identities().actorFor(slack, { id: 'U0ANN', name: 'ann' })).toEqual({
      id: 'slack:U0ANN',
      displayName: 'ann',
      aliases: ['email:ann@example.com', 'slack-usergroup:S0APPROVERS', 'slack-usergroup:S0OWNERS'],
    });
    expect(await identities().actorFor(slack, { id: 'U0BOB' })).toEqual({
      id: 'slack:U0BOB',
      aliases: ['slack-usergroup:S0OWNERS'],
    });
  });

  it('asks Slack for a user group’s members once per TTL', async () => {
    const slack = client();
    const people = identities({ ttlMs: 60_000 });
    const before = listCalls();
    await people.actorFor(slack, { id: 'U0ANN' });
    await people.actorFor(slack, { id: 'U0BOB' });
    expect(listCalls() - before).toBe(2);
    now += 60_000;
    await people.actorFor(slack, { id: 'U0BOB' });
    expect(listCalls() - before).toBe(4);
  });

  it('a user group Slack no longer has gives nobody a role, and says so once', async () => {
    userGroups = ['S0DELETED', 'S0OWNERS'];
    const people = identities();
    const actor = await people.actorFor(client(), { id: 'U0BOB' });
    expect(actor.aliases).toEqual(['slack-usergroup:S0OWNERS']);
    await people.actorFor(client(), { id: 'U0BOB' });
    expect(logged.filter((line) => line.includes('S0DELETED'))).toEqual([
      'Slack user group S0DELETED is gone (no_such_subteam): nobody holds a role through it',
    ]);
  });

  it('a Slack failure keeps the member list fetched before, and without one the user holds no group role', async () => {
    const slack = client();
    const people = identities({ ttlMs: 1 });
    standIn.faults.next('usergroups.users.list', { status: 500 }, 2);
    expect((await people.actorFor(slack, { id: 'U0BOB' })).aliases).toBeUndefined();
    expect(logged.some((line) => /usergroups\.users\.list for S0OWNERS failed/.test(line))).toBe(true);
    expect((await people.actorFor(slack, { id: 'U0BOB' })).aliases).toEqual(['slack-usergroup:S0OWNERS']);
    now += 10;
    standIn.faults.next('usergroups.users.list', { status: 500 }, 2);
    expect((await people.actorFor(slack, { id: 'U0BOB' })).aliases).toEqual(['slack-usergroup:S0OWNERS']);
    expect(logged.some((line) => line.endsWith('using the member list fetched before'))).toBe(true);
  });

  it('an unreadable owner-group list costs the group roles only, with a log line', async () => {
    const actor = await identities({ groups: () => Promise.reject(new Error('database is locked')) }).actorFor(
      client(),
      { id: 'U0ANN' },
    );
    expect(actor.aliases).toEqual(['email:ann@example.com']);
    expect(logged).toContain("the owner groups' Slack user groups could not be read: database is locked");
  });
});
