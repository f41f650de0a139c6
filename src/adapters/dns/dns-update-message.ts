/**
 * The wire form of an RFC 2136 UPDATE of TXT records, signed with TSIG HMAC-SHA256 (RFC 8945), and the reading of
 * the server's answer: its rcode, its TSIG error and whether its MAC is the server's. Encoded by hand because
 * dns-packet, the usual npm encoder, writes no TSIG record and no class NONE, both of which an update needs.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

const TYPE_SOA = 6;
const TYPE_TXT = 16;
const TYPE_TSIG = 250;
const CLASS_IN = 1;
/** Class NONE in an update's RR deletes that one record (RFC 2136 §2.5.4). */
const CLASS_NONE = 254;
const CLASS_ANY = 255;
const OPCODE_UPDATE = 5;
const ALGORITHM = 'hmac-sha256';
/** Seconds of clock difference the server accepts (RFC 8945 §10 recommends 300). */
const FUDGE = 300;

/** DNS rcodes (RFC 1035, RFC 2136) and TSIG errors (RFC 8945) by number. */
const RCODES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

/** The name of a DNS rcode or TSIG error number. */
export function rcodeName(code: number): string {
  return RCODES[code] ?? `RCODE${code}`;
}

/** A TSIG key: its name and its secret, decoded from base64. */
export interface TsigSigningKey {
  readonly name: string;
  readonly secret: Buffer;
}

/** One TXT record to add to or delete from a zone. */
export interface TxtUpdate {
  readonly zone: string;
  readonly action: 'add' | 'delete';
  readonly name: string;
  readonly value: string;
  readonly ttl: number;
}

/** An encoded, signed update and what reading its answer needs. */
export interface SignedUpdate {
  readonly id: number;
  readonly message: Buffer;
  readonly mac: Buffer;
}

/** What the server said: the rcode, the TSIG error, and whether its answer was signed with the key. */
export interface UpdateAnswer {
  readonly id: number;
  readonly rcode: string;
  readonly tsigError: string | null;
  readonly signed: boolean;
}

/** Encodes `update` as an UPDATE message for its zone, signed with `key` at `nowSeconds`. */
export function encodeSignedUpdate(update: TxtUpdate, key: TsigSigningKey, nowSeconds: number): SignedUpdate {
  const id = randomInt(0, 0x10000);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(OPCODE_UPDATE << 11, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(1, 8); // UPCOUNT
  const zone = Buffer.concat([encodeName(update.zone), u16(TYPE_SOA), u16(CLASS_IN)]);
  const rdata = txtRdata(update.value);
  const record = Buffer.concat([
    encodeName(update.name),
    u16(TYPE_TXT),
    u16(update.action === 'add' ? CLASS_IN : CLASS_NONE),
    u32(update.action === 'add' ? update.ttl : 0),
    u16(rdata.length),
    rdata,
  ]);
  const unsigned = Buffer.concat([header, zone, record]);
  const time = timeSigned(nowSeconds);
  const mac = hmac(key, [unsigned, tsigVariables(key.name, time, FUDGE, 0, Buffer.alloc(0))]);
  const tsigRdata = Buffer.concat([
    encodeName(ALGORITHM),
    time,
    u16(FUDGE),
    u16(mac.length),
    mac,
    u16(id),
    u16(0),
    u16(0),
  ]);
  const tsig = Buffer.concat([
    encodeName(key.name),
    u16(TYPE_TSIG),
    u16(CLASS_ANY),
    u32(0),
    u16(tsigRdata.length),
    tsigRdata,
  ]);
  const message = Buffer.concat([unsigned, tsig]);
  message.writeUInt16BE(1, 10); // ARCOUNT: the TSIG record
  return { id, message, mac };
}

/** Reads the server's answer to `request`; throws `DnsWireError` when it is not a DNS message. */
export function readUpdateAnswer(answer: Buffer, request: SignedUpdate, key: TsigSigningKey): UpdateAnswer {
  if (answer.length < 12) throw new DnsWireError(`the answer has ${answer.length} bytes, fewer than a DNS header`);
  const id = answer.readUInt16BE(0);
  const rcode = rcodeName(answer.readUInt16BE(2) & 0x0f);
  const counts = [4, 6, 8, 10].map((offset) => answer.readUInt16BE(offset));
  let offset = 12;
  for (let index = 0; index < counts[0]!; index += 1) offset = skipName(answer, offset) + 4;
  const records = counts[1]! + counts[2]! + counts[3]!;
  let tsigStart = -1;
  for (let index = 0; index < records; index += 1) {
    const start = offset;
    offset = skipName(answer, offset);
    const type = readU16(answer, offset);
    const length = readU16(answer, offset + 8);
    offset += 10 + length;
    if (offset > answer.length) throw new DnsWireError('a record runs past the end of the answer');
    if (type === TYPE_TSIG && index === records - 1) tsigStart = start;
  }
  if (tsigStart < 0) return { id, rcode, tsigError: null, signed: false };
  let field = skipName(answer, skipName(answer, tsigStart) + 10);
  const time = answer.subarray(field, field + 6);
  const fudge = readU16(answer, field + 6);
  const macSize = readU16(answer, field + 8);
  const mac = answer.subarray(field + 10, field + 10 + macSize);
  field += 10 + macSize;
  const originalId = readU16(answer, field);
  const errorCode = readU16(answer, field + 2);
  const otherLength = readU16(answer, field + 4);
  const other = answer.subarray(field + 6, field + 6 + otherLength);
  const tsigError = errorCode === 0 ? null : rcodeName(errorCode);
  if (macSize === 0) return { id, rcode, tsigError, signed: false };
  const body = Buffer.from(answer.subarray(0, tsigStart));
  body.writeUInt16BE(originalId, 0);
  body.writeUInt16BE(counts[3]! - 1, 10);
  const expected = hmac(key, [
    u16(request.mac.length),
    request.mac,
    body,
    tsigVariables(key.name, time, fudge, errorCode, other),
  ]);
  const signed = expected.length === mac.length && timingSafeEqual(expected, mac);
  return { id, rcode, tsigError, signed };
}

/** An answer that is not a well-formed DNS message. */
export class DnsWireError extends Error {
  override readonly name = 'DnsWireError';
}

/** The TSIG variables that follow the message in the MAC's input (RFC 8945 §4.3.3). */
function tsigVariables(keyName: string, time: Buffer, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([
    encodeName(keyName),
    u16(CLASS_ANY),
    u32(0),
    encodeName(ALGORITHM),
    time,
    u16(fudge),
    u16(error),
    u16(other.length),
    other,
  ]);
}

function hmac(key: TsigSigningKey, parts: readonly Buffer[]): Buffer {
  const mac = createHmac('sha256', key.secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** A name in canonical wire form: lower case, uncompressed, as TSIG's MAC input requires. */
function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').toLowerCase().split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new DnsWireError(`the label "${label}" of ${name} is longer than 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** TXT RDATA: the value as character-strings of at most 255 bytes each. */
function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let offset = 0; offset === 0 || offset < bytes.length; offset += 255) {
    const chunk = bytes.subarray(offset, offset + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

function skipName(message: Buffer, offset: number): number {
  for (let at = offset; at < message.length;) {
    const length = message[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2;
    at += 1 + length;
  }
  throw new DnsWireError('a name runs past the end of the answer');
}

function readU16(message: Buffer, offset: number): number {
  if (offset + 2 > message.length) throw new DnsWireError('the answer ends inside a record');
  return message.readUInt16BE(offset);
}

function timeSigned(seconds: number): Buffer {
  const time = Buffer.alloc(6);
  time.writeUIntBE(Math.floor(seconds), 0, 6);
  return time;
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}
