/**
 * The dashboard's sessions in the inventory database (table `web_sessions`, migration 025): the cookie secret's
 * SHA-256 hash, the API token the session was opened with, the principal, and when it was created and expires
 * (epoch milliseconds).
 */
import type { Kysely, Selectable } from 'kysely';
import type { WebSession, WebSessionStore } from '../../core/ports/web-session-store';
import type { InventoryDatabase } from './kysely-inventory-store';

/** Row of `web_sessions`. */
interface WebSessionsTable {
  secret_hash: string;
  token_name: string;
  token_secret_hash: string;
  actor: string;
  created_at: number;
  expires_at: number;
}

function sessionFromRow(row: Selectable<WebSessionsTable>): WebSession {
  return {
    secretHash: row.secret_hash,
    tokenName: row.token_name,
    tokenSecretHash: row.token_secret_hash,
    actor: row.actor,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
  };
}

/** Keeps the dashboard's sessions in `web_sessions`. */
export class SqlWebSessionStore implements WebSessionStore {
  private readonly db: Kysely<{ web_sessions: WebSessionsTable }>;

  constructor(options: { readonly db: Kysely<InventoryDatabase> }) {
    // Migration 025 created the table in the inventory database; its own type does not list it.
    this.db = options.db as unknown as Kysely<{ web_sessions: WebSessionsTable }>;
  }

  async createSession(session: WebSession): Promise<void> {
    await this.db
      .insertInto('web_sessions')
      .values({
        secret_hash: session.secretHash,
        token_name: session.tokenName,
        token_secret_hash: session.tokenSecretHash,
        actor: session.actor,
        created_at: Date.parse(session.createdAt),
        expires_at: Date.parse(session.expiresAt),
      })
      .execute();
  }

  async findSession(secretHash: string, now: string): Promise<WebSession | null> {
    const row = await this.db
      .selectFrom('web_sessions')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .where('expires_at', '>', Date.parse(now))
      .executeTakeFirst();
    return row === undefined ? null : sessionFromRow(row);
  }

  async deleteSession(secretHash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('web_sessions').where('secret_hash', '=', secretHash).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    const result = await this.db
      .deleteFrom('web_sessions')
      .where('expires_at', '<=', Date.parse(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
