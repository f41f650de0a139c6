/**
 * A per-token rate limit: a token bucket per token name that holds `burst` requests and refills at `perMinute`.
 * In memory, per process: a limit to keep one client from starving the others, not an accounting.
 */

/** Limits of {@link TokenRateLimiter}. */
export interface RateLimitOptions {
  readonly perMinute: number;
  readonly burst: number;
}

/** Token buckets by key. */
export class TokenRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Takes one request from `key`'s bucket: null when allowed, or the seconds until the next one is. */
  take(key: string, nowMs: number): number | null {
    const rate = this.options.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.options.burst, at: nowMs };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + Math.max(0, nowMs - bucket.at) * rate);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
  }
}
