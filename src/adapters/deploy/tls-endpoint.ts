/**
 * TLS endpoints certflow runs itself, for tests and the demo (R-REN-2): a Node `tls` server serving the certificate,
 * chain and key in a folder (`cert.pem`, `chain.pem`, `key.pem`) and reloading them without a restart, like a real
 * web server after `nginx -s reload`. Each connection gets a tiny HTTP/1.1 200 answer, so `curl` works against it.
 */
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import tls from 'node:tls';
import { readTextIfExists, writeFileAtomic } from './atomic-file';

/** The file names inside an endpoint's folder. */
export const ENDPOINT_FILES = { certificate: 'cert.pem', chain: 'chain.pem', key: 'key.pem' } as const;

/** What an endpoint serves. */
export interface EndpointMaterial {
  readonly certPem: string;
  /** Issuing CA first, without the root. */
  readonly chainPems: readonly string[];
  readonly keyPem: string;
}

/** Where an endpoint listens and which folder it serves. */
export interface ManagedTlsEndpointOptions {
  /** Address to listen on, e.g. `127.0.0.1`. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly folder: string;
  /** Written into the folder before the endpoint starts; without it the folder's files are served as they are. */
  readonly initial?: EndpointMaterial;
}

/** The endpoint could not listen. */
export class TlsEndpointStartError extends Error {
  override readonly name = 'TlsEndpointStartError';
}

/** The folder's files do not make a usable TLS configuration; the endpoint keeps serving what it served before. */
export class TlsEndpointReloadError extends Error {
  override readonly name = 'TlsEndpointReloadError';
}

const BODY = 'certflow managed endpoint\n';
const RESPONSE =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(BODY)}\r\nConnection: close\r\n\r\n${BODY}`;

/** What the endpoint serves after a reload. */
export interface EndpointReload {
  /** False when the folder holds no certificate: handshakes fail until one is installed. */
  readonly serving: boolean;
}

async function readMaterial(folder: string): Promise<tls.SecureContextOptions | null> {
  const certificate = await readTextIfExists(path.join(folder, ENDPOINT_FILES.certificate));
  if (certificate === null) return null;
  const chain = (await readTextIfExists(path.join(folder, ENDPOINT_FILES.chain))) ?? '';
  const key = await readTextIfExists(path.join(folder, ENDPOINT_FILES.key));
  if (key === null) {
    throw new TlsEndpointReloadError(
      `${folder} has ${ENDPOINT_FILES.certificate} but no ${ENDPOINT_FILES.key}; install the certificate again`,
    );
  }
  const joined = certificate.endsWith('\n') || chain === '' ? certificate + chain : `${certificate}\n${chain}`;
  return { cert: joined, key };
}

/** Writes an endpoint's files atomically, the key 0600. */
export async function writeEndpointMaterial(folder: string, material: EndpointMaterial): Promise<void> {
  const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
  await writeFileAtomic(path.join(folder, ENDPOINT_FILES.key), withNewline(material.keyPem), 0o600);
  await writeFileAtomic(path.join(folder, ENDPOINT_FILES.chain), material.chainPems.map(withNewline).join(''), 0o644);
  await writeFileAtomic(path.join(folder, ENDPOINT_FILES.certificate), withNewline(material.certPem), 0o644);
}

/** A running TLS server serving a folder; see the module comment. */
export class ManagedTlsEndpoint {
  private readonly sockets = new Set<net.Socket>();
  private closed: Promise<void> | null = null;

  /** Use {@link startManagedTlsEndpoint}. */
  constructor(
    readonly server: tls.Server,
    readonly folder: string,
  ) {
    // Track raw connections too: a handshake in progress must not keep close() waiting.
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', () => socket.end(RESPONSE));
    });
    // Clients that give up mid-handshake (verification probes, port scans) are normal here.
    server.on('tlsClientError', () => undefined);
  }

  /** The address and port it listens on (the real port when started with 0). */
  address(): { host: string; port: number } {
    const address = this.server.address();
    if (address === null || typeof address === 'string') {
      throw new TlsEndpointStartError(`the endpoint for ${this.folder} is not listening (it was closed)`);
    }
    return { host: address.address, port: address.port };
  }

  /** Re-reads the folder and serves its files from the next handshake on; bad files keep the old context. */
  async reload(): Promise<EndpointReload> {
    const material = await readMaterial(this.folder);
    try {
      this.server.setSecureContext(material ?? {});
    } catch (error) {
      throw new TlsEndpointReloadError(
        `the TLS endpoint${this.server.listening ? ` ${formatAddress(this.address())}` : ''} cannot use the files in ${this.folder} ` +
          `(${error instanceof Error ? error.message : String(error)}); it keeps serving the previous certificate — ` +
          'install a certificate with its own key and PEM chain',
        { cause: error },
      );
    }
    return { serving: material !== null };
  }

  /** Stops listening and closes every open connection. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closed;
  }
}

function formatAddress(address: { host: string; port: number }): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Starts a TLS endpoint serving `folder` (creating it, and writing `initial` into it when given). */
export async function startManagedTlsEndpoint(options: ManagedTlsEndpointOptions): Promise<ManagedTlsEndpoint> {
  await fs.mkdir(options.folder, { recursive: true });
  if (options.initial) await writeEndpointMaterial(options.folder, options.initial);
  const endpoint = new ManagedTlsEndpoint(tls.createServer({}), options.folder);
  await endpoint.reload();
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const where = formatAddress({ host: options.host, port: options.port });
      const fix =
        error.code === 'EADDRINUSE'
          ? 'the port is taken; choose another port, or 0 for a free one'
          : error.code === 'EADDRNOTAVAIL'
            ? 'this machine has no such address; listen on 127.0.0.1 or one of its own addresses'
            : 'check the host and port';
      reject(new TlsEndpointStartError(`cannot listen on ${where} (${error.code ?? error.message}): ${fix}`));
    };
    endpoint.server.once('error', failed);
    endpoint.server.listen({ host: options.host, port: options.port }, () => {
      endpoint.server.off('error', failed);
      resolve();
    });
  });
  return endpoint;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '']);

/** Host names compare case-insensitively, without IPv6 brackets; every loopback spelling is one host. */
function canonicalHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return LOOPBACK_NAMES.has(bare) ? 'loopback' : bare;
}

/** The host to connect to for an endpoint: its bound address, or loopback when it listens on every address. */
export function connectHostOf(endpoint: ManagedTlsEndpoint): string {
  const { host } = endpoint.address();
  if (!WILDCARD_ADDRESSES.has(host)) return host;
  return host === '::' ? '::1' : '127.0.0.1';
}

/** The managed endpoints of this process, found by the `host:port` a certificate location names. */
export class TlsEndpointRegistry {
  private readonly entries: { readonly endpoint: ManagedTlsEndpoint; readonly names: ReadonlySet<string> }[] = [];

  /**
   * Registers an endpoint under its address and `aliases` (e.g. the DNS name the inventory records for it).
   * `localhost`, `127.0.0.1` and `::1` find a loopback endpoint; one listening on every address is found by those
   * and by this machine's hostname.
   */
  add(endpoint: ManagedTlsEndpoint, aliases: readonly string[] = []): void {
    const { host } = endpoint.address();
    const names = new Set([canonicalHost(host), ...aliases.map(canonicalHost)]);
    if (WILDCARD_ADDRESSES.has(host)) {
      names.add('loopback');
      names.add(canonicalHost(os.hostname()));
    }
    this.entries.push({ endpoint, names });
  }

  /** The endpoint answering `host:port`, or null. */
  find(host: string, port: number): ManagedTlsEndpoint | null {
    const wanted = canonicalHost(host);
    const entry = this.entries.find((candidate) => {
      const address = candidate.endpoint.server.address();
      return typeof address === 'object' && address?.port === port && candidate.names.has(wanted);
    });
    return entry?.endpoint ?? null;
  }

  /** Every registered endpoint with its `host:port`, for messages and the demo. */
  list(): { readonly endpoint: ManagedTlsEndpoint; readonly address: string }[] {
    return this.entries
      .filter((entry) => entry.endpoint.server.listening)
      .map((entry) => ({ endpoint: entry.endpoint, address: formatAddress(entry.endpoint.address()) }));
  }

  /** Forgets an endpoint (it keeps running). */
  remove(endpoint: ManagedTlsEndpoint): void {
    const index = this.entries.findIndex((entry) => entry.endpoint === endpoint);
    if (index >= 0) this.entries.splice(index, 1);
  }

  /** Closes every registered endpoint and forgets them. */
  async closeAll(): Promise<void> {
    const endpoints = this.entries.splice(0).map((entry) => entry.endpoint);
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  }
}
