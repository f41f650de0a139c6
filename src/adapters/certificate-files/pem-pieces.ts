/**
 * Cuts a PEM stream into pieces of whole blocks, so a bundle of any size is decoded a piece at a time in bounded
 * memory: a piece ends just before a line that starts `-----BEGIN `, and carries how many blocks and lines came
 * before it, so errors name the block and line of the whole file.
 */

/** A run of whole PEM blocks from a larger file, and where it starts in that file. */
export interface PemPiece {
  readonly bytes: Uint8Array;
  /** Blocks before this piece, counted as the PEM splitter numbers them (BEGIN lines with a label). */
  readonly blocksBefore: number;
  /** Line breaks before this piece. */
  readonly linesBefore: number;
}

/** A single PEM block, or text without any block, longer than the limit: no certificate is that large. */
export class PemBlockTooLargeError extends Error {
  override readonly name = 'PemBlockTooLargeError';
  constructor(
    readonly limitBytes: number,
    readonly line: number,
  ) {
    super(
      `a PEM block starting near line ${line} runs over ${limitBytes} bytes without another BEGIN line: ` +
        'not certificate material — check the file is a certificate bundle, or split it',
    );
  }
}

/** Options of {@link pemPieces}. */
export interface PemPieceOptions {
  /** Cut a piece once this many bytes are buffered (a certificate is 1–2 KiB of PEM, so ~700 per MiB). */
  readonly pieceBytes: number;
  /** Give up on a block that alone grows past this many bytes. */
  readonly maxBlockBytes: number;
}

const BEGIN = Buffer.from('-----BEGIN ');
const LINE_BEGIN = Buffer.from('\n-----BEGIN ');
const DASHES = Buffer.from('-----');
const NEWLINE = 0x0a;

/** Line breaks in `bytes`. */
function countLines(bytes: Uint8Array): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/**
 * BEGIN lines with a label (`-----BEGIN X-----` before the line ends): those the PEM splitter numbers. It also
 * numbers a malformed BEGIN line that an END follows; such a damaged file may see later block numbers off by one.
 */
function countBlocks(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(BEGIN); at !== -1; at = bytes.indexOf(BEGIN, at + BEGIN.length)) {
    const labelEnd = bytes.indexOf(DASHES, at + BEGIN.length);
    const lineEnd = bytes.indexOf(NEWLINE, at);
    if (labelEnd !== -1 && (lineEnd === -1 || labelEnd < lineEnd)) count++;
  }
  return count;
}

/**
 * Splits a byte stream of PEM text into pieces of at least `pieceBytes` (the last may be shorter), each cut before a
 * line starting `-----BEGIN `. Text holding no BEGIN at all is dropped as it streams by, so a large file of prose
 * costs no memory; a block that alone passes `maxBlockBytes` throws {@link PemBlockTooLargeError} after the pieces
 * before it were yielded. Each chunk is searched once as it arrives, and bytes are copied once per piece.
 */
export async function* pemPieces(chunks: AsyncIterable<Uint8Array>, options: PemPieceOptions): AsyncIterable<PemPiece> {
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  /** Offset in the buffer of the last line that starts with BEGIN (0: none after the buffer's start). */
  let lastCut = 0;
  let hasBegin = false;
  /** The buffer's last bytes, to find a marker that straddles two chunks. */
  let tail: Buffer = Buffer.alloc(0);
  let blocksBefore = 0;
  let linesBefore = 0;

  const take = (bytes: Buffer): PemPiece => {
    const piece = { bytes, blocksBefore, linesBefore };
    blocksBefore += countBlocks(bytes);
    linesBefore += countLines(bytes);
    return piece;
  };
  const keep = (rest: Buffer) => {
    buffered = rest.length > 0 ? [rest] : [];
    bufferedBytes = rest.length;
  };

  for await (const chunk of chunks) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const window = Buffer.concat([tail, bytes]);
    const lineBegin = window.lastIndexOf(LINE_BEGIN);
    if (lineBegin !== -1) lastCut = Math.max(lastCut, bufferedBytes - tail.length + lineBegin + 1);
    hasBegin ||= window.includes(BEGIN);
    tail = window.subarray(Math.max(0, window.length - LINE_BEGIN.length));
    buffered.push(bytes);
    bufferedBytes += bytes.length;
    if (bufferedBytes < options.pieceBytes) continue;
    if (lastCut > 0) {
      const pending = Buffer.concat(buffered, bufferedBytes);
      yield take(pending.subarray(0, lastCut));
      // A copy, so the piece yielded above does not keep the whole buffer alive; it starts with its BEGIN line.
      keep(Buffer.from(pending.subarray(lastCut)));
      lastCut = 0;
    } else if (!hasBegin) {
      // Prose without a block: keep only what could be the start of a BEGIN marker cut by the chunk boundary.
      const pending = Buffer.concat(buffered, bufferedBytes);
      const kept = Math.max(0, pending.length - BEGIN.length);
      linesBefore += countLines(pending.subarray(0, kept));
      keep(Buffer.from(pending.subarray(kept)));
    } else if (bufferedBytes > options.maxBlockBytes) {
      throw new PemBlockTooLargeError(options.maxBlockBytes, linesBefore + 1);
    }
  }
  if (bufferedBytes > 0) yield take(Buffer.concat(buffered, bufferedBytes));
}
