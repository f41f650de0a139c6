import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateSummary } from '../../../src/core/domain/lifecycle/model';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import type { DeliveredMessage } from '../../../src/core/ports/notification-port';
import { SlackDeliveryRecordError, SqlSlackDeliveryStore } from '../../../src/adapters/slack/sql-slack-delivery-store';
import { fixtureCertificateId, summaryFixture } from '../../support/lifecycle-fixtures';
import { startTestPostgres, type TestPostgres } from '../../support/postgres';

/** A database the store tests open fresh per test. */
interface Backend {
  readonly name: string;
  setup(): Promise<void>;
  open(): Promise<InventoryDatabaseHandle>;
  teardown(): Promise<void>;
}

function postgresBackend(): Backend {
  let server: TestPostgres | undefined;
  return {
    name: 'PostgreSQL',
    async setup() {
      server = await startTestPostgres();
    },
    async open() {
      return await openInventoryDatabase({ url: await server!.createDatabase() });
    },
    async teardown() {
      await server?.stop();
    },
  };
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    setup: async () => {},
    open: () => openInventoryDatabase({ url: ':memory:' }),
    teardown: async () => {},
  },
  postgresBackend(),
];

const certificate = (index: number): CertificateSummary =>
  summaryFixture({ managedCertificateId: fixtureCertificateId(index), id: fixtureCertificateId(index) });
const member = (index: number) => ({ idempotencyKey: `k${index}/reminder-30`, certificate: certificate(index) });
const message = (ts: string, recipient: string | null = null): DeliveredMessage => ({
  channel: recipient === null ? 'C0PAY' : `D${recipient}`,
  ts,
  recipient,
});

describe.each(backends)('Slack delivery store on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  async function withStore(work: (store: SqlSlackDeliveryStore, handle: InventoryDatabaseHandle) => Promise<void>) {
    const handle = await backend.open();
    try {
      await work(new SqlSlackDeliveryStore({ db: handle.db, nowMs: () => 1_000 }), handle);
    } finally {
      await handle.store.close();
    }
  }

  it('R-MON-5: a digest is recorded for every member at once, in delivery order, keeping the first digest id', () =>
    withStore(async (store) => {
      expect(await store.load('k1/reminder-30')).toBeUndefined();
      await store.saveMessage({ target: 'user:U1', message: message('1.1', 'U1'), digest: null, members: [member(1)] });
      await store.saveMessage({
        target: 'channel:C0PAY',
        message: message('1.2'),
        digest: 'digest-a',
        members: [member(1), member(2)],
      });
      // A repeated save (a retried batch) neither moves nor replaces what was recorded.
      await store.saveMessage({
        target: 'user:U1',
        message: message('9.9', 'U1'),
        digest: 'digest-b',
        members: [member(1)],
      });

      const first = await store.load('k1/reminder-30');
      expect([...(first?.delivered ?? [])]).toEqual([
        ['user:U1', message('1.1', 'U1')],
        ['channel:C0PAY', message('1.2')],
      ]);
      expect(first?.digest).toBe('digest-a');
      expect(first?.receipt).toBeNull();
      expect(first?.certificate).toEqual(certificate(1));
      const second = await store.load('k2/reminder-30');
      expect([...(second?.delivered ?? [])]).toEqual([['channel:C0PAY', message('1.2')]]);
      expect(second?.digest).toBe('digest-a');
    }));

  it('R-MON-5: a receipt is read back as saved, also for a key that reached nobody', () =>
    withStore(async (store) => {
      const receipt = { idempotencyKey: 'k1/reminder-30', messages: [message('1.2')], digest: 'digest-a' };
      await store.saveMessage({
        target: 'channel:C0PAY',
        message: message('1.2'),
        digest: 'digest-a',
        members: [member(1)],
      });
      await store.saveReceipt(receipt, certificate(1));
      expect((await store.load('k1/reminder-30'))?.receipt).toEqual(receipt);

      const nobody = { idempotencyKey: 'k3/reminder-30', messages: [], digest: null };
      await store.saveReceipt(nobody, certificate(3));
      expect(await store.load('k3/reminder-30')).toEqual({
        delivered: new Map(),
        digest: null,
        receipt: nobody,
        certificate: certificate(3),
        startedAt: expect.any(Date),
        lastPostBegunAt: expect.any(Date),
      });
    }));

  it('R-MON-5: a corrupt stored row is refused with a clear error naming the key and the fix', () =>
    withStore(async (store, { db }) => {
      await store.saveReceipt({ idempotencyKey: 'k1/reminder-30', messages: [], digest: null }, certificate(1));
      await store.saveReceipt({ idempotencyKey: 'k2/reminder-30', messages: [], digest: null }, certificate(2));
      await store.saveReceipt({ idempotencyKey: 'k3/reminder-30', messages: [], digest: null }, certificate(3));
      await sql`update slack_deliveries set receipt = '{"idempotencyKey":' where idempotency_key = 'k1/reminder-30'`.execute(
        db,
      );
      await sql`update slack_deliveries set receipt = '{"idempotencyKey":"k2/reminder-30","messages":[{"channel":1}],"digest":null}' where idempotency_key = 'k2/reminder-30'`.execute(
        db,
      );
      await sql`update slack_deliveries set certificate = '[]' where idempotency_key = 'k3/reminder-30'`.execute(db);

      await expect(store.load('k1/reminder-30')).rejects.toThrow(SlackDeliveryRecordError);
      await expect(store.load('k1/reminder-30')).rejects.toThrow(
        /^the Slack delivery record of k1\/reminder-30 in the inventory database is unreadable \(receipt is not JSON: .*\)\. .*restore the database from a backup, or delete the rows of that key/,
      );
      await expect(store.load('k2/reminder-30')).rejects.toThrow(
        /receipt has messages that are not \{channel, ts, recipient\}/,
      );
      await expect(store.load('k3/reminder-30')).rejects.toThrow(/certificate is not a certificate summary/);
    }));

  it('keeps the messages posted alone with buttons per certificate version and request, until closed', () =>
    withStore(async (store) => {
      const approval = {
        idempotencyKey: 'k1/approval/r1/0',
        certificate: certificate(1),
        buttons: { kind: 'approval-request', requestId: 'r1' },
      };
      const reminder = { ...member(1), buttons: { kind: 'reminder', requestId: null } };
      await store.saveMessage({ target: 'channel:C0PAY', message: message('2.1'), digest: null, members: [reminder] });
      await store.saveMessage({ target: 'channel:C0PAY', message: message('2.2'), digest: null, members: [approval] });
      await store.saveMessage({ target: 'user:U1', message: message('2.3', 'U1'), digest: null, members: [approval] });
      // A digest lists several certificates: not one version's message, so never updated as one.
      await store.saveMessage({
        target: 'user:U2',
        message: message('2.4', 'U2'),
        digest: 'digest-x',
        members: [{ ...member(2), buttons: { kind: 'reminder', requestId: null } }],
      });
      // A decision has no buttons to take away.
      await store.saveMessage({ target: 'user:U3', message: message('2.5', 'U3'), digest: null, members: [member(3)] });

      const { managedCertificateId, fingerprintSha256 } = certificate(1);
      const open = await store.openCertificateMessages(managedCertificateId, fingerprintSha256);
      expect(open.map((item) => [item.idempotencyKey, item.target, item.kind, item.message.ts])).toEqual([
        ['k1/approval/r1/0', 'channel:C0PAY', 'approval-request', '2.2'],
        ['k1/approval/r1/0', 'user:U1', 'approval-request', '2.3'],
        ['k1/reminder-30', 'channel:C0PAY', 'reminder', '2.1'],
      ]);
      expect(await store.openCertificateMessages(managedCertificateId, 'f'.repeat(64))).toEqual([]);
      expect(await store.openCertificateMessages(fixtureCertificateId(2), certificate(2).fingerprintSha256)).toEqual(
        [],
      );
      expect([...(await store.requestTargets('r1'))].sort()).toEqual(['channel:C0PAY', 'user:U1']);
      expect(await store.requestTargets('r2')).toEqual(new Set());

      await store.closeCertificateMessages([{ idempotencyKey: 'k1/reminder-30', target: 'channel:C0PAY' }]);
      await store.closeCertificateMessages([{ idempotencyKey: 'k1/approval/r1/0' }]);
      expect(await store.openCertificateMessages(managedCertificateId, fingerprintSha256)).toEqual([]);
      // Closed messages still tell where a request's decision is shown.
      expect((await store.requestTargets('r1')).size).toBe(2);
    }));
});
