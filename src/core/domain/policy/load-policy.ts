/**
 * Reads a policy file (YAML or JSON) into a complete `Policy`, and names a policy's content with a hash so that a
 * policy change is detectable and every certificate can be re-evaluated (R-POL-6).
 */
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { LineCounter, parseDocument } from 'yaml';
import { type z } from 'zod';
import { type Policy, policySchema } from './policy';

/** A policy file cannot be used; lists every problem with the key's path so all can be fixed in one pass. */
export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
  constructor(
    readonly sourceName: string,
    readonly problems: readonly string[],
  ) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    super(
      `${sourceName}: the certflow policy has ${count}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n` +
        'Fix the problems above; examples/certflow-policy.yaml shows every key with its default.',
    );
  }
}

type SchemaDef = { readonly type: string } & Readonly<Record<string, unknown>>;

function defOf(schema: unknown): SchemaDef {
  return (schema as { _zod: { def: SchemaDef } })._zod.def;
}

/** The keys an object at `path` may have, found by walking the schema; empty when the path leads elsewhere. */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  let def = defOf(policySchema);
  const unwrap = (): void => {
    for (;;) {
      if (['default', 'prefault', 'optional', 'nullable'].includes(def.type)) def = defOf(def.innerType);
      else if (def.type === 'pipe') def = defOf(defOf(def.in).type === 'transform' ? def.out : def.in);
      else return;
    }
  };
  unwrap();
  for (const segment of path) {
    if (def.type === 'object') {
      const child = (def.shape as Record<string, unknown>)[String(segment)];
      if (child === undefined) return [];
      def = defOf(child);
    } else if (def.type === 'record') def = defOf(def.valueType);
    else if (def.type === 'array') def = defOf(def.element);
    else return [];
    unwrap();
  }
  return def.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : [];
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(segment)))
      text += text === '' ? String(segment) : `.${String(segment)}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(top level)' : text;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map((key) => {
      const closest = allowed
        .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
        .sort((a, b) => a.distance - b.distance)[0];
      const hint =
        closest !== undefined && closest.distance <= Math.max(2, Math.floor(key.length / 3))
          ? ` (did you mean "${closest.candidate}"?)`
          : '';
      return `${formatPath([...issue.path, key])}: unknown key${hint}; allowed here: ${allowed.join(', ')}`;
    });
  }
  const path = formatPath(issue.path);
  if (issue.code === 'custom') return [`${path}: ${issue.message}`];
  if (issue.input === undefined) return [`${path}: missing; ${issue.message}`];
  return [`${path}: ${issue.message}, got ${describeValue(issue.input)}`];
}

/** Validates already-parsed policy data (e.g. from the HTTP API) into a complete `Policy`. */
export function validatePolicy(data: unknown, sourceName: string): Policy {
  const result = policySchema.safeParse(data ?? {}, { reportInput: true });
  if (!result.success) throw new PolicyFileError(sourceName, result.error.issues.flatMap(describeIssue));
  const policy: Policy = result.data;
  return policy;
}

/**
 * Parses a policy file's text (YAML, or JSON, which is YAML too) into a complete `Policy` with NIST's defaults for
 * every key left out. An empty file is the default policy. Unknown keys are errors: a typo must not silently
 * switch a rule back to its default.
 */
export function parsePolicy(text: string, sourceName: string): Policy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    throw new PolicyFileError(
      sourceName,
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        const where = `line ${position.line}, column ${position.col}: `;
        return `${where}${error.message.split('\n')[0] ?? error.code} (the file is not valid YAML or JSON)`;
      }),
    );
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new PolicyFileError(sourceName, [`cannot be read: ${(error as Error).message}`]);
  }
  return validatePolicy(data, sourceName);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The policy with every NIST SP 1800-16B default, as an empty policy file gives it. Frozen. */
export const DEFAULT_POLICY: Policy = deepFreeze(validatePolicy({}, 'the built-in default policy'));

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A stable content hash of a policy (SHA-256 of its canonical JSON, lowercase hex). Policies that differ only in
 * key order, or in spelling out a default, hash the same.
 */
export function policyVersion(policy: Policy): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(policy))));
}
