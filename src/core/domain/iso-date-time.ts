/**
 * An ISO 8601 date (`2026-01-31`) or date-time with an offset (`2026-01-31T12:00:00Z`, `…+02:00`, `…+0200`), as the
 * inventory's filters and campaign selectors take them; `Date.parse` then checks the values.
 */
export const ISO_DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
