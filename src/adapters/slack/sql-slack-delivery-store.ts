/**
 * The Slack delivery store in the inventory database (SQLite or PostgreSQL), so a restarted worker never posts a
 * notification again and a send that failed half-way, alone or in a digest, resumes with what is missing.
 *
 * Tables (created by src/adapters/database/migrations/003-slack-deliveries.ts):
 * - `slack_deliveries`: one row per idempotency key, written before its first post (`created_at`): the certificate
 *   (JSON, for decisions shown later; null until a message is recorded), the first digest the key appeared in
 *   (`digest_id`), and the final receipt (JSON) once every target was tried.
 * - `slack_delivered_messages(idempotency_key, target)`: every message Slack accepted for a key, `position` in
 *   delivery order, with its channel, ts, recipient and `digest_id` when the message was a digest: the rows sharing a
 *   digest id are its members. A digest's rows are written in one transaction, so its members agree on it.
 * - `slack_certificate_messages(idempotency_key, target)` (migration 009): each message posted alone with buttons for
 *   one version of a managed certificate, with the notification's kind and request, closed once updated to say that
 *   version was renewed, replaced or retired.
 * Instants are epoch milliseconds in a bigint, like the inventory's.
 */
import { sql, type Kysely } from 'kysely';
import type { CertificateSummary } from '../../core/domain/lifecycle/model';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import type { DeliveredMessage, NotificationReceipt } from '../../core/ports/notification-port';
import type {
  CertificateMessage,
  MessageRef,
  PostedMessage,
  SlackDelivery,
  SlackDeliveryStore,
} from './slack-delivery-store';

/** Row of `slack_deliveries`. */
interface SlackDeliveriesTable {
  idempotency_key: string;
  certificate: string;
  digest_id: string | null;
  receipt: string | null;
  created_at: number;
  updated_at: number;
}

/** Row of `slack_delivered_messages`. */
interface SlackDeliveredMessagesTable {
  idempotency_key: string;
  target: string;
  position: number;
  channel: string;
  ts: string;
  recipient: string | null;
  digest_id: string | null;
  delivered_at: number;
}

/** Row of `slack_certificate_messages`. */
interface SlackCertificateMessagesTable {
  idempotency_key: string;
  target: string;
  channel: string;
  ts: string;
  recipient: string | null;
  managed_certificate_id: string;
  fingerprint_sha256: string;
  kind: string;
  request_id: string | null;
  posted_at: number;
  closed_at: number | null;
}

/** The tables of this store. */
interface SlackDeliveryTables {
  slack_deliveries: SlackDeliveriesTable;
  slack_delivered_messages: SlackDeliveredMessagesTable;
  slack_certificate_messages: SlackCertificateMessagesTable;
}

/** A stored delivery certflow cannot read back; the message says which key and what to do. */
export class SlackDeliveryRecordError extends Error {
  override readonly name = 'SlackDeliveryRecordError';
  constructor(
    readonly idempotencyKey: string,
    problem: string,
  ) {
    super(
      `the Slack delivery record of ${idempotencyKey} in the inventory database is unreadable (${problem}). certflow ` +
        'will not guess whether Slack already has this notification: restore the database from a backup, or delete ' +
        'the rows of that key from slack_delivered_messages and slack_deliveries to send it again',
    );
  }
}

/** Options of {@link SqlSlackDeliveryStore}. */
export interface SqlSlackDeliveryStoreOptions {
  /** The inventory database, migrated (`openInventoryDatabase` hands it out). */
  readonly db: Kysely<InventoryDatabase>;
  /** The clock of `created_at` and `delivered_at`; `Date.now` by default. */
  readonly nowMs?: () => number;
}

/** Keeps the Slack notifier's deliveries in the inventory database. */
export class SqlSlackDeliveryStore implements SlackDeliveryStore {
  private readonly db: Kysely<SlackDeliveryTables>;
  private readonly nowMs: () => number;

  constructor(options: SqlSlackDeliveryStoreOptions) {
    // Migration 003 created these tables in the inventory database; its own type does not list them.
    this.db = options.db as unknown as Kysely<SlackDeliveryTables>;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The deliveries of a key, read back and checked; throws SlackDeliveryRecordError for a corrupt row. */
  async load(idempotencyKey: string): Promise<SlackDelivery | undefined> {
    const row = await this.db
      .selectFrom('slack_deliveries')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const messages = await this.db
      .selectFrom('slack_delivered_messages')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .orderBy('position')
      .execute();
    const delivered = new Map<string, DeliveredMessage>();
    for (const message of messages) {
      delivered.set(message.target, { channel: message.channel, ts: message.ts, recipient: message.recipient });
    }
    return {
      delivered,
      digest: row.digest_id,
      receipt: row.receipt === null ? null : readReceipt(idempotencyKey, row.receipt),
      certificate: readCertificate(idempotencyKey, row.certificate),
      startedAt: new Date(Number(row.created_at)),
      // Every write of the row comes at or after the latest post's begin: a late bound, never an early one.
      lastPostBegunAt: new Date(Number(row.updated_at)),
    };
  }

  /** Inserts the keys' rows, or marks their latest post begun now (a row never loses its first instant). */
  async beginPosting(idempotencyKeys: readonly string[]): Promise<void> {
    if (idempotencyKeys.length === 0) return;
    const at = this.nowMs();
    await this.db
      .insertInto('slack_deliveries')
      .values(
        idempotencyKeys.map((key) => ({
          idempotency_key: key,
          certificate: 'null',
          digest_id: null,
          receipt: null,
          created_at: at,
          updated_at: at,
        })),
      )
      .onConflict((conflict) =>
        conflict.column('idempotency_key').doUpdateSet({ updated_at: (eb) => eb.ref('excluded.updated_at') }),
      )
      .execute();
  }

  /** Records the message for every key it carries in one transaction; a message already recorded stays as it was. */
  async saveMessage(posted: PostedMessage): Promise<void> {
    const at = this.nowMs();
    await this.db.transaction().execute(async (db) => {
      for (const member of posted.members) {
        const key = member.idempotencyKey;
        await db
          .insertInto('slack_deliveries')
          .values({
            idempotency_key: key,
            certificate: JSON.stringify(member.certificate),
            digest_id: posted.digest,
            receipt: null,
            created_at: at,
            updated_at: at,
          })
          .onConflict((conflict) =>
            conflict.column('idempotency_key').doUpdateSet({
              certificate: (eb) => eb.ref('excluded.certificate'),
              digest_id: sql<string | null>`coalesce(slack_deliveries.digest_id, excluded.digest_id)`,
              updated_at: (eb) => eb.ref('excluded.updated_at'),
            }),
          )
          .execute();
        await db
          .insertInto('slack_delivered_messages')
          .values({
            idempotency_key: key,
            target: posted.target,
            position: sql<number>`(select coalesce(max(position) + 1, 0) from slack_delivered_messages where idempotency_key = ${key})`,
            channel: posted.message.channel,
            ts: posted.message.ts,
            recipient: posted.message.recipient,
            digest_id: posted.digest,
            delivered_at: at,
          })
          .onConflict((conflict) => conflict.columns(['idempotency_key', 'target']).doNothing())
          .execute();
        if (member.buttons && member.certificate && posted.digest === null) {
          await db
            .insertInto('slack_certificate_messages')
            .values({
              idempotency_key: key,
              target: posted.target,
              channel: posted.message.channel,
              ts: posted.message.ts,
              recipient: posted.message.recipient,
              managed_certificate_id: member.certificate.managedCertificateId,
              fingerprint_sha256: member.certificate.fingerprintSha256,
              kind: member.buttons.kind,
              request_id: member.buttons.requestId,
              posted_at: at,
              closed_at: null,
            })
            .onConflict((conflict) => conflict.columns(['idempotency_key', 'target']).doNothing())
            .execute();
        }
      }
    });
  }

  /** Open messages of the version, in posting order. */
  async openCertificateMessages(
    managedCertificateId: string,
    fingerprintSha256: string,
  ): Promise<CertificateMessage[]> {
    const rows = await this.db
      .selectFrom('slack_certificate_messages')
      .selectAll()
      .where('managed_certificate_id', '=', managedCertificateId)
      .where('fingerprint_sha256', '=', fingerprintSha256)
      .where('closed_at', 'is', null)
      .orderBy('posted_at')
      .orderBy('idempotency_key')
      .orderBy('target')
      .execute();
    return rows.map((row) => ({
      idempotencyKey: row.idempotency_key,
      target: row.target,
      kind: row.kind,
      message: { channel: row.channel, ts: row.ts, recipient: row.recipient },
    }));
  }

  /** Marks the messages closed (a message already closed keeps its first instant). */
  async closeCertificateMessages(messages: readonly MessageRef[]): Promise<void> {
    const at = this.nowMs();
    for (const { idempotencyKey, target } of messages) {
      let update = this.db
        .updateTable('slack_certificate_messages')
        .set({ closed_at: at })
        .where('idempotency_key', '=', idempotencyKey)
        .where('closed_at', 'is', null);
      if (target !== undefined) update = update.where('target', '=', target);
      await update.execute();
    }
  }

  /** Targets of the request's approval messages. */
  async requestTargets(requestId: string): Promise<ReadonlySet<string>> {
    const rows = await this.db
      .selectFrom('slack_certificate_messages')
      .select('target')
      .where('request_id', '=', requestId)
      .where('kind', '=', 'approval-request')
      .execute();
    return new Set(rows.map((row) => row.target));
  }

  /** Records the finished receipt of a key (also of one that reached nobody, so it is not tried again). */
  async saveReceipt(receipt: NotificationReceipt, certificate: CertificateSummary | null): Promise<void> {
    const at = this.nowMs();
    await this.db
      .insertInto('slack_deliveries')
      .values({
        idempotency_key: receipt.idempotencyKey,
        certificate: JSON.stringify(certificate),
        digest_id: receipt.digest,
        receipt: JSON.stringify(receipt),
        created_at: at,
        updated_at: at,
      })
      .onConflict((conflict) =>
        conflict.column('idempotency_key').doUpdateSet({
          certificate: (eb) => eb.ref('excluded.certificate'),
          receipt: (eb) => eb.ref('excluded.receipt'),
          updated_at: (eb) => eb.ref('excluded.updated_at'),
        }),
      )
      .execute();
  }
}

function parsed(idempotencyKey: string, column: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SlackDeliveryRecordError(
      idempotencyKey,
      `${column} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDeliveredMessage(value: unknown): value is DeliveredMessage {
  return (
    isRecord(value) &&
    typeof value.channel === 'string' &&
    typeof value.ts === 'string' &&
    (value.recipient === null || typeof value.recipient === 'string')
  );
}

function readReceipt(idempotencyKey: string, text: string): NotificationReceipt {
  const value = parsed(idempotencyKey, 'receipt', text);
  const fail = (problem: string): never => {
    throw new SlackDeliveryRecordError(idempotencyKey, `receipt ${problem}`);
  };
  if (!isRecord(value)) return fail('is not an object');
  if (value.idempotencyKey !== idempotencyKey) return fail(`names the key ${JSON.stringify(value.idempotencyKey)}`);
  if (!Array.isArray(value.messages) || !value.messages.every(isDeliveredMessage)) {
    return fail('has messages that are not {channel, ts, recipient}');
  }
  if (value.digest !== null && typeof value.digest !== 'string') return fail('has a digest that is not a string');
  return { idempotencyKey, messages: value.messages, digest: value.digest };
}

function readCertificate(idempotencyKey: string, text: string): CertificateSummary | null {
  const value = parsed(idempotencyKey, 'certificate', text);
  // A campaign's messages are about no one certificate.
  if (value === null) return null;
  if (!isRecord(value) || typeof value.managedCertificateId !== 'string') {
    throw new SlackDeliveryRecordError(idempotencyKey, 'certificate is not a certificate summary');
  }
  return value as unknown as CertificateSummary;
}
