/**
 * Servers the scanner tests and the discovery bench look at, on loopback only: TLS endpoints with chosen chains,
 * STARTTLS servers speaking each protocol's real greeting, and the endpoints that misbehave (tarpits, resets,
 * half-open, slow, plain HTTP).
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { StartTlsProtocol } from '../../../src/core/ports/network-scanner';

/** Closes every server a test started. */
export class LoopbackServers {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();

  /** Listens on `host` (127.0.0.1 unless told), a port the OS picks unless told; resolves with the port. */
  async listen(server: net.Server, host = '127.0.0.1', port = 0): Promise<number> {
    this.servers.push(server);
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, resolve);
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** Connections still open on the servers' side. */
  get openConnections(): number {
    return this.sockets.size;
  }

  async closeAll(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A TLS endpoint's certificate: the chain it serves (leaf first, PEM) and the leaf's key. */
export interface ServedIdentity {
  readonly chain: readonly string[];
  readonly key: string;
}

/** A secure context serving `identity`, with the given protocol range. */
export function servingContext(identity: ServedIdentity, options: tls.SecureContextOptions = {}): tls.SecureContext {
  return tls.createSecureContext({ cert: identity.chain.join(''), key: identity.key, ...options });
}

/** A TLS server; records the SNI names clients sent (a ClientHello without SNI records nothing). */
export function tlsServer(
  identity: ServedIdentity,
  options: tls.TlsOptions = {},
): { server: tls.Server; serverNames: string[] } {
  const serverNames: string[] = [];
  const chosen = options.SNICallback;
  const server = tls.createServer({
    cert: identity.chain.join(''),
    key: identity.key,
    ...options,
    SNICallback: (name, callback) => {
      serverNames.push(name);
      if (chosen) chosen(name, callback);
      else callback(null, undefined);
    },
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', () => undefined);
    socket.end();
  });
  return { server, serverNames };
}

/** Accepts TCP and says nothing, ever (it reads, so it notices when the client hangs up). */
export function tarpitServer(): net.Server {
  return net.createServer((socket) => socket.resume());
}

/** Accepts TCP, then resets the connection (RST). */
export function resettingServer(): net.Server {
  return net.createServer((socket) => socket.resetAndDestroy());
}

/** Accepts TCP, then closes its side cleanly before any TLS. */
export function hangingUpServer(): net.Server {
  return net.createServer((socket) => socket.end());
}

/** A plain HTTP server: it answers a ClientHello with 400 Bad Request. */
export function httpServer(): http.Server {
  return http.createServer((_request, response) => response.end('plain HTTP\n'));
}

/** Starts TLS only once `release()` is called: a handshake as slow as the test wants. */
export function slowTlsServer(context: tls.SecureContext): { server: net.Server; release: () => void } {
  const waiting: net.Socket[] = [];
  let released = false;
  const start = (socket: net.Socket): void => {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    secure.on('error', () => undefined);
    secure.on('secure', () => secure.end());
  };
  const server = net.createServer((socket) => (released ? start(socket) : waiting.push(socket)));
  return {
    server,
    release: () => {
      released = true;
      waiting.splice(0).forEach(start);
    },
  };
}

/** How a STARTTLS server answers the upgrade request. */
export interface StartTlsServerOptions {
  /** Decline the upgrade as real servers do. */
  readonly refuse?: boolean;
}

/** What a STARTTLS server heard before the upgrade, for the test to check the client's side of the dialogue. */
export interface StartTlsServer {
  readonly server: net.Server;
  readonly heard: string[];
}

const GREETINGS: Record<StartTlsProtocol, string | null> = {
  smtp: '220 mail.scan.test ESMTP ready\r\n',
  imap: '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n',
  pop3: '+OK POP3 ready\r\n',
  ldap: null,
  postgres: null,
};

/** An LDAPResult-carrying ExtendedResponse to message 1, BER. */
function ldapExtendedResponse(resultCode: number, diagnostic: string): Buffer {
  const text = Buffer.from(diagnostic);
  const result = Buffer.concat([Buffer.from([0x0a, 1, resultCode, 0x04, 0, 0x04, text.length]), text]);
  const operation = Buffer.concat([Buffer.from([0x78, result.length]), result]);
  const body = Buffer.concat([Buffer.from([0x02, 1, 1]), operation]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** A server speaking `protocol`'s plaintext greeting and upgrade, then TLS with `context` (unless it refuses). */
export function startTlsServer(
  protocol: StartTlsProtocol,
  context: tls.SecureContext,
  options: StartTlsServerOptions = {},
): StartTlsServer {
  const heard: string[] = [];
  const server = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    const upgrade = (): void => {
      socket.removeAllListeners('data');
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      secure.on('error', () => undefined);
      secure.on('secure', () => secure.end());
    };
    const answer = (reply: string, accepted: boolean): void => {
      socket.write(reply);
      if (accepted) upgrade();
    };
    const onLine = (line: string): void => {
      heard.push(line);
      const ok = !options.refuse;
      if (protocol === 'smtp' && /^EHLO /.test(line))
        socket.write('250-mail.scan.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
      else if (protocol === 'smtp' && line === 'STARTTLS')
        answer(ok ? '220 2.0.0 Ready to start TLS\r\n' : '454 4.7.0 TLS not available\r\n', ok);
      else if (protocol === 'imap' && line === 'a001 STARTTLS')
        answer(ok ? 'a001 OK Begin TLS negotiation now\r\n' : 'a001 NO STARTTLS disabled\r\n', ok);
      else if (protocol === 'pop3' && line === 'STLS')
        answer(ok ? '+OK Begin TLS negotiation\r\n' : '-ERR STLS not supported\r\n', ok);
      else socket.write(protocol === 'pop3' ? '-ERR unknown command\r\n' : '500 unknown command\r\n');
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (protocol === 'postgres' && buffered.length >= 8) {
        heard.push(buffered.subarray(0, 8).toString('hex'));
        answer(options.refuse ? 'N' : 'S', !options.refuse);
      } else if (protocol === 'ldap' && buffered.length >= 2 && buffered.length >= 2 + buffered[1]!) {
        heard.push(buffered.toString('latin1'));
        socket.write(
          options.refuse ? ldapExtendedResponse(2, 'StartTLS is not supported') : ldapExtendedResponse(0, ''),
        );
        if (!options.refuse) upgrade();
      } else {
        let end: number;
        while ((end = buffered.indexOf(0x0a)) >= 0 && socket.listenerCount('data') > 0) {
          const line = buffered.subarray(0, end).toString('latin1').replace(/\r$/, '');
          buffered = buffered.subarray(end + 1);
          onLine(line);
        }
      }
    });
    const greeting = GREETINGS[protocol];
    if (greeting) socket.write(greeting);
  });
  return { server, heard };
}
