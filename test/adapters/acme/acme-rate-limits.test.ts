/**
 * A rate-limited or failing ACME server (issue 19, R-REN-1): the adapter does not wait inside the activity; it
 * surfaces a retryable CaUnavailableError carrying the CA's Retry-After, which the lifecycle's activity failure then
 * turns into the delay of the next attempt. Pebble does not rate-limit, so a loopback stand-in answers as an ACME
 * server does (RFC 8555 sections 6.6 and 7.1).
 */
import type { ServerResponse } from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeAuthority } from '../../../src/adapters/acme/acme-authority';
import { inMemoryAcmeState } from '../../../src/adapters/acme/acme-state';
import { retryAfterSeconds } from '../../../src/adapters/acme/acme-transport';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { type RunningHttpServer, requestUrl, startHttpServer } from '../../../src/adapters/shared/http';
import { permanentOnRejection } from '../../../src/core/activities/lifecycle-failures';
import { CaUnavailableError } from '../../../src/core/ports/certificate-authority';

let folder: string;
let server: RunningHttpServer;
/** Requests the silent directory holds unanswered until the server closes. */
const held: ServerResponse[] = [];

function problem(response: ServerResponse, status: number, type: string, headers: Record<string, string>): void {
  const body = JSON.stringify({ type: `urn:ietf:params:acme:error:${type}`, detail: `stand-in ${type}`, status });
  response.writeHead(status, { 'Content-Type': 'application/problem+json', 'Replay-Nonce': 'bm9uY2U', ...headers });
  response.end(body);
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-acme-limits-'));
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handlers: [
      {
        prefix: '/',
        handler: (request, response) => {
          const { pathname } = requestUrl(request);
          const base = `http://127.0.0.1:${server.port}`;
          if (pathname === '/silent/dir') {
            held.push(response);
          } else if (pathname === '/busy/dir') {
            problem(response, 503, 'serverInternal', { 'Retry-After': '120' });
          } else if (pathname === '/limited/dir') {
            response.writeHead(200, { 'Content-Type': 'application/json' });
            response.end(JSON.stringify({ newNonce: `${base}/limited/nonce`, newAccount: `${base}/limited/account` }));
          } else if (pathname === '/limited/nonce') {
            response.writeHead(200, { 'Replay-Nonce': 'bm9uY2U', 'Cache-Control': 'no-store' });
            response.end();
          } else {
            problem(response, 429, 'rateLimited', { 'Retry-After': '3600' });
          }
          return true;
        },
      },
    ],
  });
}, 30_000);

afterAll(async () => {
  for (const response of held) response.end();
  await server?.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

function authority(directory: string, requestTimeoutSeconds = 10): AcmeAuthority {
  return new AcmeAuthority({
    settings: {
      name: 'acme:stand-in',
      directoryUrl: `${server.url}/${directory}/dir`,
      contact: 'pki-team@example.com',
      eab: null,
      caBundlePath: null,
      challenge: 'http-01',
      caaIdentity: 'stand-in.example',
      requestTimeoutSeconds,
    },
    keyStore: new FileKeyStore(path.join(folder, 'keys')),
    caa: null,
    dnsChallenges: null,
    state: inMemoryAcmeState(),
  });
}

const request = {
  idempotencyKey: 'limited',
  csrPem: '',
  subject: 'CN=www.shop.test',
  dnsNames: ['www.shop.test'],
  ipAddresses: [],
  validityDays: 90,
};

describe('rate limits and server errors (R-REN-1)', () => {
  it.each([
    [
      'rateLimited on the account',
      'limited',
      3600,
      /rateLimited: stand-in rateLimited \(it asked to be asked again after 3600 s\)$/,
    ],
    [
      'a 503 from the directory',
      'busy',
      120,
      /serverInternal: stand-in serverInternal \(it asked to be asked again after 120 s\)$/,
    ],
  ])('R-REN-1: %s is a retryable error carrying Retry-After, at once', async (_case, directory, seconds, message) => {
    const error = await authority(directory)
      .issue(request)
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(CaUnavailableError);
    expect((error as CaUnavailableError).retryAfterSeconds).toBe(seconds);
    expect((error as Error).message).toMatch(message);
  });

  it('R-REN-1: a CA that does not answer within requestTimeoutSeconds is retryable, and its message names the limit and promises no retry (it is also the last message once retries are spent)', async () => {
    const error = await authority('silent', 1)
      .issue(request)
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(CaUnavailableError);
    expect((error as Error).message).toMatch(
      /^acme:stand-in did not answer http:\/\/127\.0\.0\.1:\d+\/silent\/dir within 1 s; check that the CA is up, or raise requestTimeoutSeconds for it in CERTFLOW_ISSUERS_FILE$/,
    );
    expect((error as Error).message).not.toMatch(/retries/);
  });

  it("R-REN-1: the lifecycle's activity failure waits the CA's Retry-After before the next attempt", async () => {
    const failure = await permanentOnRejection(async () => {
      throw new CaUnavailableError('acme:stand-in answered with rateLimited', 3600);
    }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(false);
    expect((failure as ApplicationFailure).nextRetryDelay).toBe('3600s');
  });

  it.each([
    ['seconds', '120', 120],
    ['an HTTP date 90 s ahead', new Date(Date.parse('2026-01-01T00:01:30Z')).toUTCString(), 90],
    ['a date in the past', 'Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['nothing', undefined, null],
    ['garbage', 'soon', null],
  ])('Retry-After as %s', (_case, header, seconds) => {
    expect(retryAfterSeconds(header, Date.parse('2026-01-01T00:00:00Z'))).toBe(seconds);
  });
});
