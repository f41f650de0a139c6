/**
 * The dashboard's sign-in sessions (issue 20, R-REP-1): a session stands for the API token it was opened with, so
 * revoking the token ends it. Only the hash of the session secret is kept; the browser holds the secret in an
 * HttpOnly cookie.
 */

/** One session as stored. */
export interface WebSession {
  /** SHA-256 (hex) of the cookie's secret: what the session is found by. */
  readonly secretHash: string;
  /** The API token it was opened with (its name, for the audit log) and that token's secret hash. */
  readonly tokenName: string;
  readonly tokenSecretHash: string;
  /** The principal the session acts as: the token's actor. */
  readonly actor: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** Keeps the dashboard's sessions. */
export interface WebSessionStore {
  createSession(session: WebSession): Promise<void>;
  /** The unexpired session whose secret hashes to `secretHash`; null when none is. */
  findSession(secretHash: string, now: string): Promise<WebSession | null>;
  /** Ends a session (sign-out); false when there was none. */
  deleteSession(secretHash: string): Promise<boolean>;
  /** Forgets every session that expired before `now`; returns how many. */
  deleteExpiredSessions(now: string): Promise<number>;
}
