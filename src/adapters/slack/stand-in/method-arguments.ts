/**
 * Reads Web API arguments the way Slack does: form-encoded bodies (what @slack/web-api sends, nested values as JSON
 * strings) or JSON bodies, plus the query string.
 */

/** A Slack error name raised while handling a call; the stand-in answers `{ ok: false, error: code }`. */
export class SlackMethodError extends Error {
  override readonly name = 'SlackMethodError';
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(`Slack answers "${code}": ${detail}`);
  }
}

/** Arguments of one call, keyed by field name. */
export type MethodArguments = Readonly<Record<string, unknown>>;

/** Parses a request body by its content type; a JSON body that is not an object fails with `invalid_json`. */
export function parseMethodArguments(contentType: string | undefined, body: string, query: URLSearchParams) {
  const fromQuery = Object.fromEntries(query.entries());
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') {
    let parsed: unknown;
    try {
      parsed = body === '' ? {} : JSON.parse(body);
    } catch {
      throw new SlackMethodError('invalid_json', 'the request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SlackMethodError('invalid_json', 'a JSON request body must be an object');
    }
    return { arguments: { ...fromQuery, ...(parsed as Record<string, unknown>) }, json: true };
  }
  return { arguments: { ...fromQuery, ...Object.fromEntries(new URLSearchParams(body).entries()) }, json: false };
}

/** A text argument (numbers and booleans as Slack would read them), or undefined when absent or empty. */
export function optionalText(args: MethodArguments, name: string): string | undefined {
  const value = args[name];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A required text argument; missing fails with `missingCode` (Slack's name differs per method). */
export function requiredText(args: MethodArguments, name: string, missingCode = 'invalid_arguments'): string {
  const value = optionalText(args, name);
  if (value === undefined) throw new SlackMethodError(missingCode, `the "${name}" argument is required`);
  return value;
}

/** A JSON argument: an object or array in a JSON body, a JSON string in a form body; `invalidCode` when malformed. */
export function optionalJson(args: MethodArguments, name: string, invalidCode = 'invalid_arguments'): unknown {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackMethodError(invalidCode, `the "${name}" argument is not valid JSON`);
  }
}

/** The `blocks` argument as a list of block objects; anything else fails with `invalid_blocks_format`. */
export function blocksArgument(args: MethodArguments, name = 'blocks'): readonly Record<string, unknown>[] {
  const blocks = optionalJson(args, name, 'invalid_blocks_format');
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks) || !blocks.every((block) => isObject(block))) {
    throw new SlackMethodError('invalid_blocks_format', `"${name}" must be a JSON array of block objects`);
  }
  return blocks;
}

/** A view definition (`view` argument); missing or malformed fails with `invalid_arguments`. */
export function viewArgument(args: MethodArguments): Record<string, unknown> {
  const view = optionalJson(args, 'view');
  if (!isObject(view)) throw new SlackMethodError('invalid_arguments', 'the "view" argument must be a view object');
  return view;
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
