/** Structure-aware mutation arbitraries the fuzz properties share: bytes and text changed the way files break. */
import fc from 'fast-check';

/** One edit of a byte string: what a bad copy, a truncated download or a hand edit does to a file. */
type ByteEdit =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; at: number; length: number }
  // A DER length octet made long-form or huge: the classic way a parser reads past its input.
  | { kind: 'length'; at: number; value: number };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    value: fc.constantFrom(0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0x89, 0xff),
  }),
);

function applyEdit(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  if (bytes.length === 0) return edit.kind === 'insert' ? edit.bytes : bytes;
  const at = edit.at % bytes.length;
  switch (edit.kind) {
    case 'flip':
    case 'set':
    case 'length': {
      const copy = Uint8Array.from(bytes);
      copy[at] = edit.kind === 'flip' ? copy[at]! ^ edit.mask : edit.value;
      return copy;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + edit.length)]);
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), ...edit.bytes, ...bytes.subarray(at)]);
    case 'duplicate':
      return Uint8Array.from([...bytes.subarray(0, at + edit.length), ...bytes.subarray(at)]);
  }
}

/** Bytes from one of `seeds` with up to `maxEdits` edits applied (none for some runs: the seeds themselves). */
export function mutatedBytes(seeds: readonly Uint8Array[], maxEdits = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(byteEdit, { maxLength: maxEdits }))
    .map(([seed, edits]) => edits.reduce(applyEdit, seed));
}

/** Text from one of `seeds` with characters replaced, removed or inserted, lines dropped or repeated. */
export function mutatedText(seeds: readonly string[], extra: fc.Arbitrary<string> = fc.string()): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), at: position, text: extra }),
    fc.record({ kind: fc.constant('insert' as const), at: position, text: extra }),
    fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('drop-line' as const), at: position }),
    fc.record({ kind: fc.constant('repeat-line' as const), at: position, times: fc.integer({ min: 2, max: 5 }) }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 4 })).map(([seed, edits]) =>
    edits.reduce((text, change) => {
      if (change.kind === 'drop-line' || change.kind === 'repeat-line') {
        const lines = text.split('\n');
        const line = Math.floor(change.at * lines.length);
        const repeated = change.kind === 'drop-line' ? [] : Array<string>(change.times).fill(lines[line] ?? '');
        return [...lines.slice(0, line), ...repeated, ...lines.slice(line + 1)].join('\n');
      }
      const at = Math.floor(change.at * (text.length + 1));
      if (change.kind === 'insert') return text.slice(0, at) + change.text + text.slice(at);
      if (change.kind === 'delete') return text.slice(0, at) + text.slice(at + change.length);
      return text.slice(0, at) + change.text + text.slice(at + change.text.length);
    }, seed),
  );
}

/** Strings people and attackers put in fields: empty, huge, control characters, markup, other scripts, lone surrogates. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '../../etc/passwd',
    '%2e%2e%2f',
    '<script>alert(1)</script>',
    '*bold* <!here> <@U123>',
    '${jndi:ldap://x}',
    '__proto__',
    'constructor',
    'NaN',
    '-1',
    '1e309',
    '9'.repeat(400),
    'x'.repeat(70_000),
  ),
);
