/**
 * The console notifier's lines (no Slack configured): a reminder and an approval request name the issuer the
 * renewal goes through and why (issue 19, R-REN-1), as the Slack messages do; without an issuer choice, nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../../src/adapters/console/console-notifier';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import type { IssuerChoice } from '../../../src/core/domain/issuers/choose-issuer';
import type { LifecycleNotification } from '../../../src/core/ports/notification-port';
import { requestFixture, summaryFixture } from '../../support/lifecycle-fixtures';

const BASE = {
  dueAt: '2026-11-23T00:00:00.000Z',
  certificate: summaryFixture({ commonName: 'shop.example.com' }),
  group: null,
  audience: { people: [{ email: 'owner@example.com' }], channelId: null },
  ticket: null,
  link: null,
};
const PEBBLE: IssuerChoice = { kind: 'chosen', issuer: 'acme:pebble', source: 'owner-group' };

let folder: string;
let handle: InventoryDatabaseHandle;
let lines: string[];
let notifier: ConsoleNotifier;

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-console-notifier-'));
  handle = await openInventoryDatabase({ url: path.join(folder, 'inventory.db') });
  lines = [];
  notifier = new ConsoleNotifier({ db: handle.db, log: (line) => lines.push(line) });
});

afterAll(async () => {
  await handle?.store.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

const reminder = (key: string, renewalIssuer?: IssuerChoice): LifecycleNotification => ({
  ...BASE,
  kind: 'reminder',
  idempotencyKey: key,
  daysLeft: 30,
  renewalDeadline: '2026-12-10T00:00:00.000Z',
  ...(renewalIssuer && { renewalIssuer }),
});
const approval = (key: string, renewalIssuer?: IssuerChoice): LifecycleNotification => ({
  ...BASE,
  kind: 'approval-request',
  idempotencyKey: key,
  request: requestFixture(),
  reminder: 0,
  ...(renewalIssuer && { renewalIssuer }),
});

describe('console notifier', () => {
  it.each([
    { kind: 'reminder', make: reminder },
    { kind: 'approval request', make: approval },
  ])(
    'R-REN-1: a $kind names the issuer the renewal goes through, and nothing when none was chosen',
    async ({ kind, make }) => {
      await notifier.send(make(`${kind}/with`, PEBBLE));
      await notifier.send(make(`${kind}/without`));
      const [withIssuer, withoutIssuer] = lines.splice(0);
      expect(withIssuer).toContain("renews through acme:pebble (the owner group's setting)");
      expect(withoutIssuer).toBeDefined();
      expect(withoutIssuer).not.toContain('renews through');
    },
  );
});
