/**
 * Checks of what callers hand the inventory store, so bad input fails with its field's name and the fix before
 * anything is written, and the conversions between ISO 8601 instants and the epoch milliseconds stored.
 */
import { normalizeHex } from '../../core/domain/certificates/hex';
import { ISO_DATE_OR_INSTANT } from '../../core/domain/iso-date-time';
import { InventoryInputError } from '../../core/ports/inventory-errors';

const MAX_PAGE = 1000;
const ISO_EXAMPLE = 'use an ISO 8601 date or UTC date-time such as 2026-01-31 or 2026-01-31T12:00:00Z';

/** A page request checked: `limit` from 1 to 1000, `offset` 0 or more (0 when left out). */
export function checkPage(page: { limit: number; offset?: number }): { limit: number; offset: number } {
  if (page === null || typeof page !== 'object') throw new InventoryInputError('page', 'must be { limit, offset? }');
  const { limit, offset = 0 } = page;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InventoryInputError('page.limit', `${String(limit)} is not a whole number from 1 to ${MAX_PAGE}`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InventoryInputError('page.offset', `${String(offset)} is not a whole number of 0 or more`);
  }
  return { limit, offset };
}

/** A batch size checked: a whole number from 1 to 10000. */
export function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new InventoryInputError('batchSize', `${String(batchSize)} is not a whole number from 1 to 10000`);
  }
  return batchSize;
}

/** An audit sequence number checked (`filter.afterSeq`). */
export function checkSeq(seq: number): number {
  if (!Number.isInteger(seq) || seq < 0)
    throw new InventoryInputError('filter.afterSeq', `${String(seq)} is not a sequence number`);
  return seq;
}

/** A value checked to be a list; the caller checks its items. */
export function checkList<T>(value: unknown, field: string): readonly T[] {
  if (!Array.isArray(value)) throw new InventoryInputError(field, 'must be a list');
  return value as readonly T[];
}

/** A value checked to be true or false. */
export function checkBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new InventoryInputError(field, 'must be true or false');
  return value;
}

/** A value checked to be text, possibly empty. */
export function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InventoryInputError(field, 'must be text');
  return value;
}

/** Non-empty text, trimmed, of at most `maxLength` characters. */
export function requireText(value: unknown, field: string, maxLength = Infinity): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InventoryInputError(field, 'must be non-empty text');
  const trimmed = value.trim();
  if (trimmed.length > maxLength) throw new InventoryInputError(field, `is longer than ${maxLength} characters`);
  return trimmed;
}

/** A TCP port (1-65535). */
export function requirePort(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    throw new InventoryInputError(field, `${String(value)} is not a TCP port (1-65535)`);
  }
  return value as number;
}

/** A value checked to be one of `allowed`. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InventoryInputError(field, `"${String(value)}" is not one of ${allowed.join(', ')}`);
}

/** A full SHA-256 fingerprint (64 hex digits), normalised. */
export function fullFingerprint(value: unknown, field: string): string {
  const hex = typeof value === 'string' ? normalizeHex(value) : '';
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new InventoryInputError(field, `"${String(value)}" is not a SHA-256 fingerprint (64 hex digits)`);
  }
  return hex;
}

/** A certificate id or fingerprint prefix of at least `minimum` hex digits, normalised. */
export function hexPrefix(value: unknown, field: string, minimum: number): string {
  const hex = typeof value === 'string' ? normalizeHex(value) : '';
  if (!/^[0-9a-f]+$/.test(hex) || hex.length > 64) {
    throw new InventoryInputError(field, `"${String(value)}" is not a certificate id or fingerprint (hex digits)`);
  }
  if (hex.length < minimum) {
    throw new InventoryInputError(
      field,
      `"${hex}" is too short: give at least ${minimum} hex digits of the fingerprint`,
    );
  }
  return hex;
}

/** An ISO 8601 date or UTC date-time as epoch milliseconds, the form the inventory stores instants in. */
export function parseInstant(value: unknown, field: string): number {
  const ms = typeof value === 'string' && ISO_DATE_OR_INSTANT.test(value.trim()) ? Date.parse(value.trim()) : NaN;
  if (!Number.isFinite(ms)) throw new InventoryInputError(field, `"${String(value)}" is not a date: ${ISO_EXAMPLE}`);
  return ms;
}

/** A stored instant (epoch milliseconds, text when PostgreSQL returns a bigint) as ISO 8601 UTC. */
export function isoOf(ms: number | string): string {
  return new Date(Number(ms)).toISOString();
}
