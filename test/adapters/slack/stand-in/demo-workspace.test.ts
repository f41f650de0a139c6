import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryStore } from '../../../../src/adapters/database/database';
import type { InventoryStore } from '../../../../src/core/ports/inventory-store';
import {
  DEMO_CHANNEL,
  DEMO_GROUP_ID,
  DEMO_USERS,
  ensureDemoOwnerGroup,
  SlackStandInPortInUseError,
  startDemoSlack,
} from '../../../../src/adapters/slack/stand-in/demo-workspace';
import { PortInUseError } from '../../../../src/adapters/shared/port-in-use-error';

describe('the demo Slack workspace certflow start runs without Slack credentials', () => {
  let store: InventoryStore;

  beforeAll(async () => {
    store = await openInventoryStore({ url: ':memory:' });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('starts the stand-in with the demo people and channel, and credentials that differ per run', async () => {
    const first = await startDemoSlack({ port: 0, appUrl: 'http://127.0.0.1:1/slack/events' });
    const second = await startDemoSlack({ port: 0, appUrl: 'http://127.0.0.1:1/slack/events' });
    try {
      expect(first.botToken).toMatch(/^xoxb-stand-in-[0-9a-f]{24}$/);
      expect(second.botToken).not.toBe(first.botToken);
      expect(second.signingSecret).not.toBe(first.signingSecret);
      const page = await (await fetch(`${first.standIn.url}/?user=${DEMO_USERS.approver.id}`)).text();
      expect(page).toContain(`#${DEMO_CHANNEL.name}`);
      for (const user of Object.values(DEMO_USERS)) expect(page).toContain(`<option value="${user.id}"`);
    } finally {
      await first.standIn.close();
      await second.standIn.close();
    }
  });

  it('a taken port is a PortInUseError that names CERTFLOW_SLACK_STAND_IN_PORT and the ways out', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const error = await startDemoSlack({ port, appUrl: 'http://127.0.0.1:1/slack/events' }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(SlackStandInPortInUseError);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toBe(
        `port ${port} (CERTFLOW_SLACK_STAND_IN_PORT) of the Slack stand-in is already in use: is certflow already ` +
          'running? Stop the other instance, choose another port with CERTFLOW_SLACK_STAND_IN_PORT=<port> (0 picks a ' +
          'free one), or turn the stand-in off with CERTFLOW_SLACK=off',
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("creates the demo owner group once, for the demo people and channel, and never overwrites a user's own", async () => {
    expect(await ensureDemoOwnerGroup(store)).toBe(true);
    const created = await store.getOwnerGroup(DEMO_GROUP_ID);
    expect(created).toMatchObject({
      contacts: [{ email: DEMO_USERS.owner.email, slackUserId: DEMO_USERS.owner.id }],
      approvers: [{ email: DEMO_USERS.approver.email, slackUserId: DEMO_USERS.approver.id }],
      slack: { channelId: DEMO_CHANNEL.id },
    });
    expect(await ensureDemoOwnerGroup(store)).toBe(false);

    const own = { ...created!, approvers: [{ email: 'bob@example.com' }], slack: {} };
    await store.upsertOwnerGroup(own);
    expect(await ensureDemoOwnerGroup(store)).toBe(false);
    expect(await store.getOwnerGroup(DEMO_GROUP_ID)).toMatchObject({
      approvers: [{ email: 'bob@example.com' }],
      slack: {},
    });
  });
});
