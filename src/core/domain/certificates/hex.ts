/** Removes the `:` or space separators people paste into key ids, serials and fingerprints, and lowercases. */
export function normalizeHex(text: string): string {
  return text.replace(/[:\s]/g, '').toLowerCase();
}
