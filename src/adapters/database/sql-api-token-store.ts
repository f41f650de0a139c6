/**
 * API tokens in the inventory database (table `api_tokens`, migration 017): the secret's SHA-256 hash, the principal,
 * and when the token was created, last used, expires and was revoked (epoch milliseconds).
 */
import type { Kysely, Selectable } from 'kysely';
import { ApiTokenExistsError, type ApiToken, type ApiTokenStore } from '../../core/ports/api-token-store';
import type { InventoryDatabase } from './kysely-inventory-store';

/** Row of `api_tokens`. */
interface ApiTokensTable {
  name: string;
  actor: string;
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const isoOrNull = (at: number | string | null): string | null =>
  at === null ? null : new Date(Number(at)).toISOString();

function tokenFromRow(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    name: row.name,
    actor: row.actor,
    secretHash: row.secret_hash,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    expiresAt: isoOrNull(row.expires_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}

/** Keeps API tokens in `api_tokens`. */
export class SqlApiTokenStore implements ApiTokenStore {
  private readonly db: Kysely<{ api_tokens: ApiTokensTable }>;

  constructor(options: { readonly db: Kysely<InventoryDatabase> }) {
    // Migration 017 created the table in the inventory database; its own type does not list it.
    this.db = options.db as unknown as Kysely<{ api_tokens: ApiTokensTable }>;
  }

  async createToken(token: Omit<ApiToken, 'lastUsedAt' | 'revokedAt'>): Promise<void> {
    const taken = async () =>
      (await this.db.selectFrom('api_tokens').select('name').where('name', '=', token.name).executeTakeFirst()) !==
      undefined;
    if (await taken()) throw new ApiTokenExistsError(token.name);
    try {
      await this.db
        .insertInto('api_tokens')
        .values({
          name: token.name,
          actor: token.actor,
          secret_hash: token.secretHash,
          created_at: Date.parse(token.createdAt),
          expires_at: token.expiresAt === null ? null : Date.parse(token.expiresAt),
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
    } catch (error) {
      // Another process created the same name between the check and the insert.
      if (await taken()) throw new ApiTokenExistsError(token.name);
      throw error;
    }
  }

  async findByHash(secretHash: string): Promise<ApiToken | null> {
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
    return row === undefined ? null : tokenFromRow(row);
  }

  async listTokens(): Promise<readonly ApiToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map(tokenFromRow);
  }

  async revokeToken(name: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: Date.parse(at) })
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touchToken(name: string, at: string): Promise<void> {
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: Date.parse(at) })
      .where('name', '=', name)
      .execute();
  }
}
