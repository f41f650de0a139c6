/**
 * The plaintext dialogues that upgrade a connection to TLS, as `openssl s_client -starttls` speaks them: SMTP (EHLO,
 * STARTTLS), IMAP (a001 STARTTLS), POP3 (STLS), LDAP (the StartTLS extended operation) and PostgreSQL (SSLRequest).
 */
import type { Socket } from 'node:net';
import type { StartTlsProtocol } from '../../core/ports/network-scanner';

/** The server declined the upgrade (or spoke another protocol); the message quotes its answer. */
export class StartTlsRefusedError extends Error {
  override readonly name = 'StartTlsRefusedError';
}

/** A greeting or answer longer than this is not the protocol the target was said to speak. */
const MAX_ANSWER_BYTES = 16_384;

/** Reads what a socket sends, line by line or byte by byte, until the dialogue hands the socket over to TLS. */
class PlaintextReader {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private ended = false;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.wake?.();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
  }

  /** Stops reading: what follows belongs to TLS. */
  release(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
  }

  /** The next line without its line end. */
  async line(): Promise<string> {
    for (;;) {
      const end = this.buffered.indexOf(0x0a);
      if (end >= 0) {
        const line = this.buffered.subarray(0, end).toString('latin1').replace(/\r$/, '');
        this.buffered = this.buffered.subarray(end + 1);
        return line;
      }
      await this.more('a line');
    }
  }

  /** Exactly `count` bytes. */
  async bytes(count: number): Promise<Buffer> {
    while (this.buffered.length < count) await this.more(`${count} bytes`);
    const bytes = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    return bytes;
  }

  private async more(what: string): Promise<void> {
    if (this.buffered.length > MAX_ANSWER_BYTES) {
      throw new StartTlsRefusedError(
        `the server sent ${this.buffered.length} bytes without ${what}: ${quote(this.buffered)}`,
      );
    }
    if (this.ended) {
      throw new StartTlsRefusedError(
        `the server closed the connection before the upgrade${this.buffered.length ? `: ${quote(this.buffered)}` : ''}`,
      );
    }
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
  }
}

/** Runs the protocol's upgrade dialogue on a connected socket; resolves when the server is ready for the ClientHello. */
export async function negotiateStartTls(socket: Socket, protocol: StartTlsProtocol): Promise<void> {
  const reader = new PlaintextReader(socket);
  try {
    await DIALOGUES[protocol](reader, (text) => socket.write(text));
  } finally {
    reader.release();
  }
}

type Dialogue = (reader: PlaintextReader, send: (data: string | Uint8Array) => void) => Promise<void>;

const DIALOGUES: Record<StartTlsProtocol, Dialogue> = {
  async smtp(reader, send) {
    await expectSmtpReply(reader, '220', 'greeting');
    send('EHLO certflow.invalid\r\n');
    await expectSmtpReply(reader, '250', 'EHLO');
    send('STARTTLS\r\n');
    await expectSmtpReply(reader, '220', 'STARTTLS');
  },
  async imap(reader, send) {
    const greeting = await reader.line();
    if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw refused('IMAP greeting', greeting);
    send('a001 STARTTLS\r\n');
    for (;;) {
      const line = await reader.line();
      if (line.startsWith('* ')) continue;
      if (/^a001 OK\b/i.test(line)) return;
      throw refused('IMAP STARTTLS', line);
    }
  },
  async pop3(reader, send) {
    const greeting = await reader.line();
    if (!greeting.startsWith('+OK')) throw refused('POP3 greeting', greeting);
    send('STLS\r\n');
    const answer = await reader.line();
    if (!answer.startsWith('+OK')) throw refused('POP3 STLS', answer);
  },
  async ldap(reader, send) {
    send(LDAP_START_TLS_REQUEST);
    const { resultCode, diagnostic } = await readLdapExtendedResponse(reader);
    if (resultCode !== 0) {
      throw new StartTlsRefusedError(
        `the LDAP server refused StartTLS: result code ${resultCode}${diagnostic ? ` (${diagnostic})` : ''}`,
      );
    }
  },
  async postgres(reader, send) {
    send(POSTGRES_SSL_REQUEST);
    const answer = (await reader.bytes(1)).toString('latin1');
    if (answer === 'S') return;
    if (answer === 'N') throw new StartTlsRefusedError('the PostgreSQL server answered N: it does not accept SSL');
    throw new StartTlsRefusedError(
      `the server answered the PostgreSQL SSLRequest with ${JSON.stringify(answer)}, not S`,
    );
  },
};

/** Reads one SMTP reply (continuation lines `250-…`, last line `250 …`) and requires its code. */
async function expectSmtpReply(reader: PlaintextReader, code: string, step: string): Promise<void> {
  const lines: string[] = [];
  for (;;) {
    const line = await reader.line();
    lines.push(line);
    if (!/^\d{3}-/.test(line)) break;
  }
  const last = lines.at(-1)!;
  if (!last.startsWith(`${code} `) && last !== code) throw refused(`SMTP ${step}`, lines.join(' / '));
}

function refused(step: string, answer: string): StartTlsRefusedError {
  return new StartTlsRefusedError(`the server answered the ${step} with ${JSON.stringify(answer.slice(0, 200))}`);
}

function quote(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 80).toString('latin1'));
}

/** StartupMessage's SSLRequest: length 8, code 80877103. */
const POSTGRES_SSL_REQUEST = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

const LDAP_START_TLS_OID = '1.3.6.1.4.1.1466.20037';

/** LDAPMessage { messageID 1, extendedReq [APPLICATION 23] { requestName [0] StartTLS OID } }, BER by hand. */
const LDAP_START_TLS_REQUEST = (() => {
  const name = Buffer.from(LDAP_START_TLS_OID, 'latin1');
  const request = Buffer.concat([Buffer.from([0x80, name.length]), name]);
  const operation = Buffer.concat([Buffer.from([0x77, request.length]), request]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), operation]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
})();

/** Reads one BER tag and length from the reader (definite lengths only, as LDAP requires). */
async function readTagAndLength(reader: PlaintextReader): Promise<{ tag: number; length: number }> {
  const [tag, first] = await reader.bytes(2);
  if (first! < 0x80) return { tag: tag!, length: first! };
  const octets = first! & 0x7f;
  if (octets === 0 || octets > 3) throw new StartTlsRefusedError('the LDAP answer has a length LDAP does not use');
  const length = [...(await reader.bytes(octets))].reduce((value, byte) => value * 256 + byte, 0);
  return { tag: tag!, length };
}

/** Reads the ExtendedResponse ([APPLICATION 24]) to the StartTLS request: its result code and diagnostic message. */
async function readLdapExtendedResponse(reader: PlaintextReader): Promise<{ resultCode: number; diagnostic: string }> {
  const message = await readTagAndLength(reader);
  if (message.tag !== 0x30) {
    throw new StartTlsRefusedError(`the server did not answer in LDAP: first byte 0x${message.tag.toString(16)}`);
  }
  if (message.length > MAX_ANSWER_BYTES) {
    throw new StartTlsRefusedError('the LDAP answer is too long to be a StartTLS answer');
  }
  const [, operation] = berElements(await reader.bytes(message.length));
  if (operation?.tag !== 0x78) {
    throw new StartTlsRefusedError('the LDAP server answered with another operation than an ExtendedResponse');
  }
  // LDAPResult: resultCode ENUMERATED, matchedDN, diagnosticMessage, then optional fields.
  const [resultCode, , diagnostic] = berElements(operation.value);
  if (resultCode?.tag !== 0x0a) throw new StartTlsRefusedError('the LDAP ExtendedResponse has no result code');
  return {
    resultCode: [...resultCode.value].reduce((code, byte) => code * 256 + byte, 0),
    diagnostic: diagnostic?.value.toString('utf8') ?? '',
  };
}

/** The top-level BER elements of `bytes` (definite lengths). */
function berElements(bytes: Buffer): { tag: number; value: Buffer }[] {
  const elements: { tag: number; value: Buffer }[] = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const tag = bytes[offset]!;
    let length = bytes[offset + 1]!;
    offset += 2;
    if (length >= 0x80) {
      const octets = length & 0x7f;
      length = [...bytes.subarray(offset, offset + octets)].reduce((value, byte) => value * 256 + byte, 0);
      offset += octets;
    }
    const value = bytes.subarray(offset, offset + length);
    if (value.length !== length) throw new StartTlsRefusedError('the LDAP answer is truncated');
    elements.push({ tag, value });
    offset += length;
  }
  return elements;
}
