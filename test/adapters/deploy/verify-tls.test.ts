import net from 'node:net';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyTlsEndpoint } from '../../../src/adapters/deploy/verify-tls';
import { privateKeyPem } from '../../support/certificate-factory';
import { freePort } from '../../support/ports';
import { deployFixtures, type TestLeaf } from './deploy-fixtures';

const { intermediate, leaf, root } = deployFixtures();
const served = leaf(1);
const other = leaf(2);

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A plain TLS server serving `certificate` with `chain`, recording the SNI names clients send. */
async function tlsServer(certificate: TestLeaf, chain: readonly string[]) {
  const sniNames: string[] = [];
  const server = tls.createServer({
    cert: certificate.certificate.pem + chain.join(''),
    key: privateKeyPem(certificate.certificate.key),
    // Called only when a client sends SNI.
    SNICallback: (name, done) => {
      sniNames.push(name);
      done(null);
    },
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => socket.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  return { port: await listen(server), sniNames };
}

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return (server.address() as net.AddressInfo).port;
}

const check = (port: number, overrides: Partial<Parameters<typeof verifyTlsEndpoint>[0]> = {}) =>
  verifyTlsEndpoint({
    host: '127.0.0.1',
    port,
    expectedFingerprint: served.fingerprint,
    trustAnchorPems: [root.pem],
    names: ['localhost', '127.0.0.1'],
    timeoutMs: 10_000,
    ...overrides,
  });

describe('verifyTlsEndpoint', () => {
  it('R-REN-2: the expected certificate with its intermediate and names is ok', async () => {
    const { port } = await tlsServer(served, [intermediate.pem]);
    expect(await check(port)).toEqual({
      location: { kind: 'endpoint', host: '127.0.0.1', port },
      ok: true,
      servedFingerprint: served.fingerprint,
      chainComplete: true,
      namesMatch: true,
      problems: [],
    });
  });

  it('R-REN-2: another served certificate is not ok and reports the served fingerprint', async () => {
    const { port } = await tlsServer(other, [intermediate.pem]);
    const result = await check(port, { expectedFingerprint: served.fingerprint.toUpperCase().replace(/(..)/g, '$1:') });
    expect(result).toMatchObject({ ok: false, servedFingerprint: other.fingerprint, chainComplete: true });
    expect(result.problems).toEqual([
      `127.0.0.1:${port} serves certificate ${other.fingerprint}, not the expected ${served.fingerprint}`,
    ]);
  });

  it('R-REN-2: a server that sends no intermediate has an incomplete chain', async () => {
    const { port } = await tlsServer(served, []);
    const result = await check(port);
    expect(result).toMatchObject({ ok: false, servedFingerprint: served.fingerprint, chainComplete: false });
    expect(result.problems).toEqual([
      expect.stringMatching(/does not reach a trust anchor .*the server sends 1 certificate; install the intermediate/),
    ]);
  });

  it('R-REN-2: a name the certificate does not cover fails namesMatch alone', async () => {
    const { port } = await tlsServer(served, [intermediate.pem]);
    const result = await check(port, { names: ['localhost', 'www.example.com', '192.0.2.1'] });
    expect(result).toMatchObject({ ok: false, chainComplete: true, namesMatch: false });
    expect(result.problems).toEqual(['the served certificate does not cover www.example.com, 192.0.2.1']);
  });

  it('R-REN-2: nothing listening is a result with a problem, not a throw', async () => {
    const port = await freePort();
    const result = await check(port);
    expect(result).toMatchObject({ ok: false, servedFingerprint: null, chainComplete: false, namesMatch: false });
    expect(result.problems).toEqual([expect.stringMatching(/nothing is listening at 127\.0\.0\.1:\d+/)]);
  });

  it('a server that never answers times out with a problem', async () => {
    const silent = net.createServer(() => undefined);
    const port = await listen(silent);
    const result = await check(port, { timeoutMs: 200 });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/no TLS answer from 127\.0\.0\.1:\d+ within 200 ms/)]);
  });

  it('a server that is not TLS is a handshake problem', async () => {
    const plain = net.createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const port = await listen(plain);
    const result = await check(port);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatch(/127\.0\.0\.1:\d+/);
  });

  it('an unreadable trust anchor is a problem, not a throw', async () => {
    const result = await check(1, {
      trustAnchorPems: ['-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n'],
    });
    expect(result.problems[0]).toMatch(/trust anchor is not readable/);
  });

  it('without trust anchors the chain is never complete', async () => {
    const { port } = await tlsServer(served, [intermediate.pem]);
    const result = await check(port, { trustAnchorPems: [] });
    expect(result).toMatchObject({ ok: false, chainComplete: false, servedFingerprint: served.fingerprint });
  });

  it('sends SNI for a name and never for an IP address', async () => {
    const { port, sniNames } = await tlsServer(served, [intermediate.pem]);
    const results = [await check(port), await check(port, { servername: '127.0.0.1' })];
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    expect(sniNames).toEqual([]);
    expect((await check(port, { servername: 'localhost' })).ok).toBe(true);
    expect(sniNames).toEqual(['localhost']);
  });
});
