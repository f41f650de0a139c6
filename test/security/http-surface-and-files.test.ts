/**
 * Security regressions of certflow's HTTP server and data folder: oversized requests are refused before they are
 * read, nothing outside the routes is served (encoded traversal included), and the key store and CA folders keep
 * their modes after an issuance, a renewal and a CRL re-sign. The Slack replay regression is in
 * test/adapters/slack/request-guard.test.ts ("R-SEC-1: a replayed Request renewal…").
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x509 } from '../../src/adapters/shared/x509';
import { parseCertificateDer } from '../../src/core/domain/certificates/parse-certificate';
import { bootstrapEndpointCertificates } from '../../src/runtime/services';
import { ownerGroupFixture } from '../support/lifecycle-fixtures';
import { openTestServices, type TestServices } from '../support/services';

let services: TestServices;

beforeAll(async () => {
  services = await openTestServices(
    { CERTFLOW_CODEC_TOKEN: 'codec-token-for-the-surface-test' },
    { tlsEndpoints: [{ host: '127.0.0.1', port: 0 }] },
  );
  await services.store.upsertOwnerGroup(
    ownerGroupFixture({ id: 'web', contacts: [{ email: 'web@example.com' }], approvers: [], slack: {} }),
  );
  await bootstrapEndpointCertificates(services, { ownerGroup: 'web', lifetimeDays: 90, now: new Date() });
});
afterAll(async () => {
  await services?.close();
});

/** Sends only a request head over a raw socket and resolves with what the server answers before any body. */
function headOnly(head: string): Promise<string> {
  const { port } = new URL(services.http.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      // The status line and headers are enough: the server must not wait for a body it was never sent.
      if (answer.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(head);
  });
}

const ROUTES = ['/slack/events', '/jira/webhook', '/ca/internal/crl', '/certificates/any', '/codec/decode', '/other'];

describe('R-SEC-1: requests larger than the limit are refused before they are read', () => {
  it.each(ROUTES)('R-SEC-1: POST %s declaring 64 MiB gets 413 without sending a byte of body', async (route) => {
    const answer = await headOnly(
      `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer codec-token-for-the-surface-test\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('R-SEC-1: a chunked body over the limit to the codec endpoint gets 413', async () => {
    const response = await fetch(`${services.http.url}/codec/decode`, {
      method: 'POST',
      headers: { Authorization: 'Bearer codec-token-for-the-surface-test', 'Content-Type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`{"payloads":[{"data":"${'A'.repeat(2 * 1024 * 1024)}"}]}`));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect(response.status).toBe(413);
  });
});

describe('R-SEC-1: nothing outside the routes is served', () => {
  const attempts = [
    '/ca/..%2f..%2f..%2fetc%2fpasswd',
    '/ca/internal/..%2f..%2fpassphrase',
    '/ca/internal/%2e%2e/%2e%2e/passphrase',
    '/ca/internal/%2e%2e%2fauthority%2froot.key.pem',
    '/ca/internal/authority/root.key.pem',
    '/ca/internal/%252e%252e%252fauthority%252froot.key.pem',
    '/ca/internal/..\\..\\passphrase',
    '/ca/internal/%5c..%5c..%5cpassphrase',
    '/certificates/..%2f..%2finventory.sqlite',
    '/certificates/%2e%2e/keys',
    '/codec/..%2f..%2fkeys',
    '/keys/endpoints',
    '/inventory.sqlite',
    '/ca/internal/issued',
    '//etc/passwd',
  ];
  it.each(attempts)('R-SEC-1: GET %s serves no file', async (target) => {
    const answer = await rawGet(Number(new URL(services.http.url).port), target);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body).not.toMatch(/PRIVATE KEY|root:x:0|SQLite format|"passphrase"/);
    const passphrase = await fs.readFile(path.join(services.folder, 'ca', 'passphrase'), 'utf8');
    expect(answer.body).not.toContain(passphrase.trim());
  });
});

/** A GET whose target is sent exactly as written (fetch would normalise `..` and backslashes away). */
function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: rest.join('\r\n\r\n') });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

/** Every entry under `folder` with its permission bits. */
async function modes(folder: string): Promise<{ entry: string; mode: number; directory: boolean }[]> {
  const found: { entry: string; mode: number; directory: boolean }[] = [];
  for (const name of await fs.readdir(folder, { recursive: true })) {
    const stat = await fs.stat(path.join(folder, name));
    found.push({ entry: name, mode: stat.mode & 0o777, directory: stat.isDirectory() });
  }
  return found;
}

/** Folders 0700; private files 0600; public certificates may be read by others but written by no one else. */
async function expectPrivate(folder: string): Promise<void> {
  expect((await fs.stat(folder)).mode & 0o777, folder).toBe(0o700);
  for (const { entry, mode, directory } of await modes(folder)) {
    const publicCertificate = /(^|\/)(root|issuing)\.pem$/.test(entry);
    if (directory) expect(mode, entry).toBe(0o700);
    else if (publicCertificate) expect(mode & 0o022, entry).toBe(0);
    else expect(mode, entry).toBe(0o600);
  }
}

describe('the key store and the CA keep their modes', () => {
  it('key store and CA folders are 0700 and their private files 0600, after issuance, renewal and a CRL re-sign', async () => {
    await expectPrivate(path.join(services.folder, 'keys'));
    await expectPrivate(path.join(services.folder, 'ca'));

    // A renewal's steps: a new key for cycle 2, its CSR, the CA's signature, and the old certificate's revocation.
    const { keyStore, issuers } = services.lifecycle;
    const ca = issuers.get('internal');
    const ref = 'security-test/cycle-2';
    await keyStore.ensureKeyPair(ref, { algorithm: 'EC', curve: 'P-256' });
    const request = { subject: 'CN=renewed.example.com', dnsNames: ['renewed.example.com'], ipAddresses: [] };
    const issued = await ca.issue({
      idempotencyKey: 'security-test-renewal',
      csrPem: await keyStore.createCsr(ref, request),
      ...request,
      validityDays: 30,
    });
    await ca.revoke({
      idempotencyKey: 'security-test-revocation',
      serialNumber: issued.serialNumber,
      issuer: parseCertificateDer(new Uint8Array(new x509.X509Certificate(issued.certificatePem).rawData)).facts.issuer
        .text,
      reason: 'superseded',
    });
    await expectPrivate(path.join(services.folder, 'keys'));
    await expectPrivate(path.join(services.folder, 'ca'));
  });
});
