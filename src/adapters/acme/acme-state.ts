/**
 * What the ACME adapter remembers between calls and processes: the HTTP-01 answers certflow's HTTP server serves,
 * and each order by the idempotency key of the issuance that placed it (a retried issuance continues that order or
 * returns its certificate; revocation finds the certificate by serial). The SQL store shares it through the inventory
 * database (migration 016); the in-memory one serves a single process.
 */
import type { Kysely } from 'kysely';
import type { InventoryDatabase } from '../database/kysely-inventory-store';

/** An order the adapter placed, and the certificate once it has one. */
export interface AcmeOrderRecord {
  readonly issuer: string;
  readonly idempotencyKey: string;
  readonly orderUrl: string;
  readonly certificatePem: string | null;
  /** Hex, lower case. */
  readonly serialNumber: string | null;
  /** The issuing CA's DN as X509Certificate prints it. */
  readonly issuerDn: string | null;
}

/** The ACME adapter's memory. Every method is idempotent. */
export interface AcmeState {
  /** Makes `/.well-known/acme-challenge/<token>` answer `keyAuthorization`. */
  putHttp01(token: string, keyAuthorization: string): Promise<void>;
  /** The answer for a token, or null when no order waits on it. */
  http01(token: string): Promise<string | null>;
  removeHttp01(token: string): Promise<void>;
  order(issuer: string, idempotencyKey: string): Promise<AcmeOrderRecord | null>;
  /** Records an order; a later save of the same issuer and key (with the certificate) replaces it. */
  saveOrder(record: AcmeOrderRecord): Promise<void>;
  /** The certificate this issuer issued with this serial number (hex, lower case), or null. */
  certificateBySerial(issuer: string, serialNumber: string): Promise<string | null>;
  /** Whether a certificate this issuer issued names this issuer DN. */
  issuedUnder(issuer: string, issuerDn: string): Promise<boolean>;
}

/** An {@link AcmeState} for one process (tests, a worker that also serves HTTP). */
export function inMemoryAcmeState(): AcmeState {
  const answers = new Map<string, string>();
  const orders = new Map<string, AcmeOrderRecord>();
  const issued = (issuer: string) => [...orders.values()].filter((order) => order.issuer === issuer);
  return {
    async putHttp01(token, keyAuthorization) {
      answers.set(token, keyAuthorization);
    },
    async http01(token) {
      return answers.get(token) ?? null;
    },
    async removeHttp01(token) {
      answers.delete(token);
    },
    async order(issuer, idempotencyKey) {
      return orders.get(`${issuer}\0${idempotencyKey}`) ?? null;
    },
    async saveOrder(record) {
      orders.set(`${record.issuer}\0${record.idempotencyKey}`, record);
    },
    async certificateBySerial(issuer, serialNumber) {
      return issued(issuer).find((order) => order.serialNumber === serialNumber)?.certificatePem ?? null;
    },
    async issuedUnder(issuer, issuerDn) {
      return issued(issuer).some((order) => order.issuerDn === issuerDn);
    },
  };
}

interface AcmeStateTables {
  acme_http01_challenges: { token: string; key_authorization: string; created_at: number };
  acme_orders: {
    issuer: string;
    idempotency_key: string;
    order_url: string;
    certificate_pem: string | null;
    serial_number: string | null;
    issuer_dn: string | null;
    created_at: number;
  };
}

/** An {@link AcmeState} in the inventory database (migration 016), shared by the worker and certflow's HTTP server. */
export function sqlAcmeState(inventory: Kysely<InventoryDatabase>): AcmeState {
  // Migration 016 created the tables in the inventory database; its own type does not list them.
  const db = inventory as unknown as Kysely<AcmeStateTables>;
  return {
    async putHttp01(token, keyAuthorization) {
      await db
        .insertInto('acme_http01_challenges')
        .values({ token, key_authorization: keyAuthorization, created_at: Date.now() })
        .onConflict((conflict) => conflict.column('token').doUpdateSet({ key_authorization: keyAuthorization }))
        .execute();
    },
    async http01(token) {
      const row = await db
        .selectFrom('acme_http01_challenges')
        .select('key_authorization')
        .where('token', '=', token)
        .executeTakeFirst();
      return row?.key_authorization ?? null;
    },
    async removeHttp01(token) {
      await db.deleteFrom('acme_http01_challenges').where('token', '=', token).execute();
    },
    async order(issuer, idempotencyKey) {
      const row = await db
        .selectFrom('acme_orders')
        .selectAll()
        .where('issuer', '=', issuer)
        .where('idempotency_key', '=', idempotencyKey)
        .executeTakeFirst();
      if (row === undefined) return null;
      return {
        issuer: row.issuer,
        idempotencyKey: row.idempotency_key,
        orderUrl: row.order_url,
        certificatePem: row.certificate_pem,
        serialNumber: row.serial_number,
        issuerDn: row.issuer_dn,
      };
    },
    async saveOrder(record) {
      const columns = {
        order_url: record.orderUrl,
        certificate_pem: record.certificatePem,
        serial_number: record.serialNumber,
        issuer_dn: record.issuerDn,
      };
      await db
        .insertInto('acme_orders')
        .values({ issuer: record.issuer, idempotency_key: record.idempotencyKey, created_at: Date.now(), ...columns })
        .onConflict((conflict) => conflict.columns(['issuer', 'idempotency_key']).doUpdateSet(columns))
        .execute();
    },
    async certificateBySerial(issuer, serialNumber) {
      const row = await db
        .selectFrom('acme_orders')
        .select('certificate_pem')
        .where('issuer', '=', issuer)
        .where('serial_number', '=', serialNumber)
        .executeTakeFirst();
      return row?.certificate_pem ?? null;
    },
    async issuedUnder(issuer, issuerDn) {
      const row = await db
        .selectFrom('acme_orders')
        .select('issuer')
        .where('issuer', '=', issuer)
        .where('issuer_dn', '=', issuerDn)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
