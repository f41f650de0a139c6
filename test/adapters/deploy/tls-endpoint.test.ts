import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ENDPOINT_FILES,
  type ManagedTlsEndpoint,
  startManagedTlsEndpoint,
  TlsEndpointRegistry,
  TlsEndpointReloadError,
  TlsEndpointStartError,
} from '../../../src/adapters/deploy/tls-endpoint';
import { verifyTlsEndpoint } from '../../../src/adapters/deploy/verify-tls';
import { privateKeyPem } from '../../support/certificate-factory';
import { deployFixtures, modeOf, temporaryFolder, type TestLeaf } from './deploy-fixtures';

const { intermediate, leaf, root } = deployFixtures();
const first = leaf(1);
const second = leaf(2);
const material = (served: TestLeaf) => ({
  certPem: served.certificate.pem,
  chainPems: [intermediate.pem],
  keyPem: privateKeyPem(served.certificate.key),
});

/** Sends an HTTP request over TLS, as curl would, and returns the whole answer. */
function httpsGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: root.pem, servername: 'localhost' }, () =>
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'),
    );
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

const served = (endpoint: ManagedTlsEndpoint, expected: string) =>
  verifyTlsEndpoint({
    host: '127.0.0.1',
    port: endpoint.address().port,
    expectedFingerprint: expected,
    trustAnchorPems: [root.pem],
    names: ['localhost'],
    timeoutMs: 10_000,
  });

describe('ManagedTlsEndpoint', () => {
  const registry = new TlsEndpointRegistry();
  let folder: string;
  let remove: () => void;
  beforeEach(() => ({ folder, remove } = temporaryFolder('endpoint')));
  afterEach(async () => {
    await registry.closeAll();
    remove();
  });
  afterAll(() => registry.closeAll());

  it('serves the initial certificate from its folder, key 0600, with an HTTP answer curl understands', async () => {
    const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder, initial: material(first) });
    registry.add(endpoint);
    expect(modeOf(path.join(folder, ENDPOINT_FILES.key))).toBe(0o600);
    expect(endpoint.address()).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
    const answer = await httpsGet(endpoint.address().port);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain('certflow managed endpoint');
    expect((await served(endpoint, first.fingerprint)).ok).toBe(true);
  });

  it('reload serves the folder’s new files from the next handshake on', async () => {
    const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder, initial: material(first) });
    registry.add(endpoint);
    fs.writeFileSync(path.join(folder, ENDPOINT_FILES.certificate), second.certificate.pem);
    fs.writeFileSync(path.join(folder, ENDPOINT_FILES.key), privateKeyPem(second.certificate.key));
    expect((await served(endpoint, first.fingerprint)).servedFingerprint).toBe(first.fingerprint);
    expect(await endpoint.reload()).toEqual({ serving: true });
    expect((await served(endpoint, second.fingerprint)).ok).toBe(true);
  });

  it('a reload with a key that does not match keeps the old certificate and says what to fix', async () => {
    const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder, initial: material(first) });
    registry.add(endpoint);
    fs.writeFileSync(path.join(folder, ENDPOINT_FILES.certificate), second.certificate.pem);
    const error = await endpoint.reload().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TlsEndpointReloadError);
    expect((error as Error).message).toMatch(/keeps serving the previous certificate/);
    fs.writeFileSync(path.join(folder, ENDPOINT_FILES.key), 'garbage');
    await expect(endpoint.reload()).rejects.toBeInstanceOf(TlsEndpointReloadError);
    expect((await served(endpoint, first.fingerprint)).ok).toBe(true);
  });

  it('an empty folder starts an endpoint whose handshakes fail until a certificate is installed', async () => {
    const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder });
    registry.add(endpoint);
    const result = await served(endpoint, first.fingerprint);
    expect(result).toMatchObject({ ok: false, servedFingerprint: null });
    expect(result.problems[0]).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed/);
  });

  it('a port already taken is a TlsEndpointStartError with the fix', async () => {
    const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder, initial: material(first) });
    registry.add(endpoint);
    const error = await startManagedTlsEndpoint({ host: '127.0.0.1', port: endpoint.address().port, folder }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TlsEndpointStartError);
    expect((error as Error).message).toMatch(/EADDRINUSE.*choose another port, or 0/);
  });

  it('close() ends open connections too', async () => {
    const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder, initial: material(first) });
    const socket = tls.connect({
      host: '127.0.0.1',
      port: endpoint.address().port,
      ca: root.pem,
      servername: 'localhost',
    });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    await endpoint.close();
    await ended;
    expect(endpoint.server.listening).toBe(false);
  });
});

describe('TlsEndpointRegistry', () => {
  it('finds endpoints by host:port, any loopback spelling or an alias, and closes them all', async () => {
    const { folder, remove } = temporaryFolder('registry');
    const registry = new TlsEndpointRegistry();
    try {
      const endpoint = await startManagedTlsEndpoint({ host: '127.0.0.1', port: 0, folder, initial: material(first) });
      registry.add(endpoint, ['API.example.test']);
      const { port } = endpoint.address();
      for (const host of ['127.0.0.1', 'localhost', 'LOCALHOST', '::1', '[::1]', 'api.example.test']) {
        expect(registry.find(host, port)).toBe(endpoint);
      }
      expect(registry.find('www.example.test', port)).toBeNull();
      expect(registry.find('localhost', port === 65_535 ? 1 : port + 1)).toBeNull();
      expect(registry.list()).toEqual([{ endpoint, address: `127.0.0.1:${port}` }]);
      await registry.closeAll();
      expect(endpoint.server.listening).toBe(false);
      expect(registry.list()).toEqual([]);
    } finally {
      await registry.closeAll();
      remove();
    }
  });
});
