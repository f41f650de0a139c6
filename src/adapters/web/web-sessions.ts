/**
 * Signing in to the dashboard with an API token (issue 20): the token is checked once, then the browser holds a
 * session secret in an HttpOnly, SameSite=Strict cookie (Secure, and named `__Host-…`, when certflow is served over
 * https). The database keeps only the secret's SHA-256 hash; a session ends at sign-out, after {@link SESSION_TTL_MS},
 * or as soon as its token is revoked or expires. Every form carries a CSRF token derived from the session secret
 * (an HMAC), so a page of another site can neither read it nor post without it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiToken, ApiTokenStore } from '../../core/ports/api-token-store';
import type { WebSession, WebSessionStore } from '../../core/ports/web-session-store';

/** How long a session lasts at most: a working day. */
export const SESSION_TTL_MS = 8 * 3_600_000;

/** The form field every POST carries its CSRF token in. */
export const CSRF_FIELD = 'csrf';

/** Checks an API token's secret: the runtime passes the HTTP API's own check, so both agree on what is valid. */
export type AuthenticateToken = (secret: string, now: Date) => Promise<{ token: ApiToken } | { refused: string }>;

/** Who is signed in, as the dashboard's pages and actions see it. */
export interface SignedIn {
  readonly session: WebSession;
  /** The cookie's secret: forms' CSRF tokens derive from it; never shown. */
  readonly secret: string;
  readonly csrfToken: string;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The CSRF token of a session: an HMAC of a fixed label under the session secret. */
export function csrfTokenOf(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('certflow dashboard csrf').digest('base64url');
}

/** Whether `presented` is the session's CSRF token (constant-time). */
export function csrfTokenMatches(sessionSecret: string, presented: string | null | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionSecret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The value of one cookie of a `Cookie:` header; null when absent. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const SESSION_SECRET = /^[A-Za-z0-9_-]{43}$/;

/** Sessions of the dashboard: sign in, who is signed in, sign out. */
export class WebSessions {
  /** The cookie's name: `__Host-` binds it to this host and path `/` when it is Secure. */
  readonly cookieName: string;

  constructor(
    private readonly deps: {
      readonly sessions: WebSessionStore;
      readonly tokens: Pick<ApiTokenStore, 'findByHash'>;
      readonly authenticateToken: AuthenticateToken;
      /** certflow is served over https: the cookie gets `Secure`. */
      readonly secure: boolean;
    },
  ) {
    this.cookieName = deps.secure ? '__Host-certflow_session' : 'certflow_session';
  }

  /** Opens a session for a valid API token; says why not otherwise. */
  async signIn(
    tokenSecret: string,
    now: Date,
  ): Promise<{ readonly secret: string; readonly session: WebSession } | { readonly refused: string }> {
    const checked = await this.deps.authenticateToken(tokenSecret.trim(), now);
    if ('refused' in checked) return checked;
    const { token } = checked;
    const expiresMs = Math.min(
      now.getTime() + SESSION_TTL_MS,
      token.expiresAt === null ? Infinity : Date.parse(token.expiresAt),
    );
    const secret = randomBytes(32).toString('base64url');
    const session: WebSession = {
      secretHash: sha256Hex(secret),
      tokenName: token.name,
      tokenSecretHash: token.secretHash,
      actor: token.actor,
      createdAt: now.toISOString(),
      expiresAt: new Date(expiresMs).toISOString(),
    };
    await this.deps.sessions.deleteExpiredSessions(now.toISOString());
    await this.deps.sessions.createSession(session);
    return { secret, session };
  }

  /** The request's live session, or null: no cookie, an unknown or expired session, or its token no longer valid. */
  async current(request: IncomingMessage, now: Date): Promise<SignedIn | null> {
    const secret = readCookie(request.headers.cookie, this.cookieName);
    if (secret === null || !SESSION_SECRET.test(secret)) return null;
    const session = await this.deps.sessions.findSession(sha256Hex(secret), now.toISOString());
    if (session === null) return null;
    const token = await this.deps.tokens.findByHash(session.tokenSecretHash);
    if (
      token === null ||
      token.revokedAt !== null ||
      (token.expiresAt !== null && Date.parse(token.expiresAt) <= now.getTime())
    ) {
      await this.deps.sessions.deleteSession(session.secretHash);
      return null;
    }
    return { session, secret, csrfToken: csrfTokenOf(secret) };
  }

  /** Ends the session. */
  async signOut(signedIn: SignedIn): Promise<void> {
    await this.deps.sessions.deleteSession(signedIn.session.secretHash);
  }

  /** The `Set-Cookie` value that hands the browser its session. */
  sessionCookie(secret: string, session: WebSession, now: Date): string {
    const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - now.getTime()) / 1000));
    return `${this.cookieName}=${secret}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${this.deps.secure ? '; Secure' : ''}`;
  }

  /** The `Set-Cookie` value that makes the browser forget its session. */
  clearedCookie(): string {
    return `${this.cookieName}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${this.deps.secure ? '; Secure' : ''}`;
  }
}
