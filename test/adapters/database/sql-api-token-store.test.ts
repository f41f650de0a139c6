import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authenticateBearer, issueApiToken } from '../../../src/adapters/api/api-token-secrets';
import { openInventoryDatabase, type InventoryDatabaseHandle } from '../../../src/adapters/database/database';
import { SqlApiTokenStore } from '../../../src/adapters/database/sql-api-token-store';
import { ApiTokenExistsError } from '../../../src/core/ports/api-token-store';
import { storeBackends } from '../../support/store-backends';

const T0 = new Date('2026-12-01T00:00:00.000Z');
const T1 = '2026-12-02T00:00:00.000Z';
const T2 = '2026-12-03T00:00:00.000Z';

describe.each(storeBackends())('SqlApiTokenStore on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  let dir: string;
  let handle: InventoryDatabaseHandle;
  let tokens: SqlApiTokenStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-api-tokens-'));
    handle = await openInventoryDatabase({ url: await backend.url(dir) });
    tokens = new SqlApiTokenStore({ db: handle.db });
  });
  afterEach(async () => {
    await handle.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("R-API-1: a token is found by its secret's hash only, keeps its instants, and its name stays taken once revoked", async () => {
    const { secret, token } = await issueApiToken(tokens, {
      name: 'ci',
      actor: 'email:alice@example.com',
      expiresAt: T2,
      now: T0,
    });
    expect(await tokens.findByHash(token.secretHash)).toEqual({ ...token, lastUsedAt: null, revokedAt: null });
    expect(await tokens.findByHash('0'.repeat(64))).toBeNull();
    const stored = JSON.stringify(
      await handle.db
        .selectFrom('api_tokens' as never)
        .selectAll()
        .execute(),
    );
    expect(stored).not.toContain(secret);

    await tokens.touchToken('ci', T1);
    expect(await authenticateBearer(tokens, `Bearer ${secret}`, new Date(T1))).toEqual({
      token: { ...token, lastUsedAt: T1, revokedAt: null },
    });
    expect(await authenticateBearer(tokens, `Bearer ${secret}`, new Date(T2))).toEqual({ refused: 'expired' });

    await expect(
      issueApiToken(tokens, { name: 'ci', actor: 'email:bob@example.com', expiresAt: null, now: T0 }),
    ).rejects.toBeInstanceOf(ApiTokenExistsError);
    expect(await tokens.revokeToken('ci', T1)).toBe(true);
    expect(await tokens.revokeToken('ci', T2)).toBe(false);
    expect(await tokens.revokeToken('nobody', T1)).toBe(false);
    expect(await authenticateBearer(tokens, `Bearer ${secret}`, new Date(T1))).toEqual({ refused: 'revoked' });
    await expect(
      issueApiToken(tokens, { name: 'ci', actor: 'email:bob@example.com', expiresAt: null, now: T0 }),
    ).rejects.toBeInstanceOf(ApiTokenExistsError);
  });

  it('R-API-1: tokens are listed oldest first, then by name, with no expiry as null', async () => {
    await issueApiToken(tokens, { name: 'later', actor: 'email:a@example.com', expiresAt: null, now: new Date(T1) });
    await issueApiToken(tokens, { name: 'b', actor: 'email:b@example.com', expiresAt: null, now: T0 });
    await issueApiToken(tokens, { name: 'a', actor: 'email:c@example.com', expiresAt: null, now: T0 });
    const listed = await tokens.listTokens();
    expect(listed.map((token) => [token.name, token.createdAt, token.expiresAt])).toEqual([
      ['a', T0.toISOString(), null],
      ['b', T0.toISOString(), null],
      ['later', T1, null],
    ]);
  });
});
