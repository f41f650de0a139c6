import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateBearer, issueApiToken } from '../../../src/adapters/api/api-token-secrets';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import { SqlApiTokenStore } from '../../../src/adapters/database/sql-api-token-store';
import { SqlWebSessionStore } from '../../../src/adapters/database/sql-web-session-store';
import {
  csrfTokenMatches,
  csrfTokenOf,
  readCookie,
  SESSION_TTL_MS,
  WebSessions,
} from '../../../src/adapters/web/web-sessions';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';

const NOW = new Date('2026-12-01T09:00:00.000Z');

let store: InventoryStore;
let tokens: SqlApiTokenStore;
let sessionStore: SqlWebSessionStore;
let sessions: WebSessions;

beforeAll(async () => {
  const opened = await openInventoryDatabase({ url: ':memory:' });
  store = opened.store;
  tokens = new SqlApiTokenStore({ db: opened.db });
  sessionStore = new SqlWebSessionStore({ db: opened.db });
  sessions = new WebSessions({
    sessions: sessionStore,
    tokens,
    authenticateToken: (secret, now) => authenticateBearer(tokens, `Bearer ${secret}`, now),
    secure: false,
  });
});

afterAll(async () => {
  await store?.close();
});

/** A request carrying only this Cookie header. */
function requestWithCookie(cookie: string): http.IncomingMessage {
  const request = new http.IncomingMessage(null as never);
  request.headers = { cookie };
  return request;
}

describe('dashboard sessions (issue 20, R-SEC-2)', () => {
  it('a valid token opens a session stored only as a hash; its cookie is HttpOnly and SameSite=Strict; a revoked token ends it', async () => {
    const { secret: tokenSecret } = await issueApiToken(tokens, {
      name: 'alice',
      actor: 'email:alice@example.com',
      expiresAt: null,
      now: NOW,
    });
    const opened = await sessions.signIn(tokenSecret, NOW);
    if ('refused' in opened) throw new Error(opened.refused);
    expect(opened.session.actor).toBe('email:alice@example.com');
    expect(opened.session.secretHash).not.toContain(opened.secret);
    expect(Date.parse(opened.session.expiresAt) - NOW.getTime()).toBe(SESSION_TTL_MS);
    const cookie = sessions.sessionCookie(opened.secret, opened.session, NOW);
    expect(cookie).toMatch(/^certflow_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);

    const request = requestWithCookie(`other=1; certflow_session=${opened.secret}`);
    const current = await sessions.current(request, NOW);
    expect(current?.session.tokenName).toBe('alice');
    expect(current?.csrfToken).toBe(csrfTokenOf(opened.secret));
    expect(await sessions.current(request, new Date(NOW.getTime() + SESSION_TTL_MS))).toBeNull();
    expect(await sessions.current(requestWithCookie('certflow_session=forged'), NOW)).toBeNull();

    await tokens.revokeToken('alice', NOW.toISOString());
    expect(await sessions.current(request, NOW)).toBeNull();
    expect(await sessionStore.findSession(opened.session.secretHash, NOW.toISOString())).toBeNull();
  });

  it('a session ends with its token’s expiry when that comes first; unknown and malformed tokens are refused', async () => {
    const expiresAt = new Date(NOW.getTime() + 3_600_000).toISOString();
    const { secret } = await issueApiToken(tokens, {
      name: 'short',
      actor: 'email:bob@example.com',
      expiresAt,
      now: NOW,
    });
    const opened = await sessions.signIn(`  ${secret}\n`, NOW);
    if ('refused' in opened) throw new Error(opened.refused);
    expect(opened.session.expiresAt).toBe(expiresAt);
    expect(await sessions.signIn('cfk_' + 'x'.repeat(43), NOW)).toEqual({ refused: 'unknown' });
    expect(await sessions.signIn('not a token', NOW)).toEqual({ refused: 'malformed' });
  });

  it('Secure cookies are __Host- cookies', () => {
    const secure = new WebSessions({
      sessions: sessionStore,
      tokens,
      authenticateToken: () => Promise.resolve({ refused: 'unknown' }),
      secure: true,
    });
    expect(secure.clearedCookie()).toBe(
      '__Host-certflow_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure',
    );
  });

  it.each([
    ['the token of the session', (secret: string) => csrfTokenOf(secret), true],
    ['another session’s token', () => csrfTokenOf('B'.repeat(43)), false],
    ['an empty field', () => '', false],
    ['no field', () => null, false],
  ])('the CSRF check accepts only the session’s own token: %s', (_name, presented, accepted) => {
    const secret = 'A'.repeat(43);
    expect(csrfTokenMatches(secret, presented(secret))).toBe(accepted);
  });

  it.each([
    ['a=1; certflow_session=abc', 'abc'],
    ['certflow_session=abc', 'abc'],
    ['xcertflow_session=abc', null],
    ['', null],
  ])('reads the session cookie from %j', (header, value) => {
    expect(readCookie(header, 'certflow_session')).toBe(value);
  });
});
