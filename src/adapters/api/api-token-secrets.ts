/**
 * API token secrets: `cfk_` and 32 random bytes (256 bits) in base64url, stored as their SHA-256 hash. A secret that
 * high in entropy cannot be guessed from its hash, so a slow password hash would add cost to every request and no
 * safety; the hash is what the database and any leaked backup hold.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken, ApiTokenStore } from '../../core/ports/api-token-store';

const SECRET_PREFIX = 'cfk_';
const SECRET_PATTERN = /^cfk_[A-Za-z0-9_-]{43}$/;

/** A token's name: what `certflow tokens revoke` and the audit log call it. */
export const TOKEN_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The SHA-256 hash (hex) a secret is stored and looked up by. */
export function hashApiTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Creates a token and returns its secret, which nothing keeps: the caller shows it once. */
export async function issueApiToken(
  store: ApiTokenStore,
  input: { readonly name: string; readonly actor: string; readonly expiresAt: string | null; readonly now: Date },
): Promise<{ readonly secret: string; readonly token: Omit<ApiToken, 'lastUsedAt' | 'revokedAt'> }> {
  const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
  const token = {
    name: input.name,
    actor: input.actor,
    secretHash: hashApiTokenSecret(secret),
    createdAt: input.now.toISOString(),
    expiresAt: input.expiresAt,
  };
  await store.createToken(token);
  return { secret, token };
}

/** Why a bearer token was refused. */
export type TokenRefusal = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired';

/** The live token an `Authorization: Bearer` header carries, or why there is none. */
export async function authenticateBearer(
  store: ApiTokenStore,
  authorization: string | undefined,
  now: Date,
): Promise<{ readonly token: ApiToken } | { readonly refused: TokenRefusal }> {
  if (authorization === undefined || authorization.trim() === '') return { refused: 'missing' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1] || !SECRET_PATTERN.test(match[1])) return { refused: 'malformed' };
  const presented = hashApiTokenSecret(match[1]);
  const token = await store.findByHash(presented);
  // The lookup is by hash, so its timing tells nothing of the secret; the comparison stays constant-time anyway.
  if (token === null || !timingSafeEqual(Buffer.from(token.secretHash, 'hex'), Buffer.from(presented, 'hex'))) {
    return { refused: 'unknown' };
  }
  if (token.revokedAt !== null) return { refused: 'revoked' };
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now.getTime()) return { refused: 'expired' };
  return { token };
}
