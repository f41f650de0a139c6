/**
 * API tokens (issue 20, R-API-1): a name, the principal it acts as, and only the hash of its secret. The HTTP API
 * authenticates bearer tokens through this port; `certflow tokens` creates, lists and revokes them.
 */

/** One token as stored: never the secret, only its SHA-256 hash (hex). */
export interface ApiToken {
  readonly name: string;
  /** The principal the token acts as, e.g. `email:alice@example.com`; its roles come from the server's configuration. */
  readonly actor: string;
  readonly secretHash: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** A token name is taken (by a live or a revoked token: names stay unique so the audit log stays unambiguous). */
export class ApiTokenExistsError extends Error {
  override readonly name = 'ApiTokenExistsError';
  constructor(readonly tokenName: string) {
    super(`a token named "${tokenName}" already exists: choose another --name (certflow tokens list shows them)`);
  }
}

/** Keeps API tokens. */
export interface ApiTokenStore {
  /** Records a new token; throws ApiTokenExistsError when the name is taken. */
  createToken(token: Omit<ApiToken, 'lastUsedAt' | 'revokedAt'>): Promise<void>;
  /** The token whose secret hashes to `secretHash`, revoked or not; null when none does. */
  findByHash(secretHash: string): Promise<ApiToken | null>;
  /** Every token, oldest first. */
  listTokens(): Promise<readonly ApiToken[]>;
  /** Revokes the named token; false when no live token has that name. */
  revokeToken(name: string, at: string): Promise<boolean>;
  /** Notes a use of the token. */
  touchToken(name: string, at: string): Promise<void>;
}
