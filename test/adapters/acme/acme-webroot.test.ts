/**
 * HTTP-01 answered from a web root (issue 19, R-REN-1): Pebble 2.10.3 validates against a small static web server on
 * loopback serving a web root folder, the way nginx serves /var/www; certflow's own HTTP server is not running at
 * all. The challenge file is written there, and gone once the order is done.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeAuthority } from '../../../src/adapters/acme/acme-authority';
import { inMemoryAcmeState } from '../../../src/adapters/acme/acme-state';
import { DeployFileError } from '../../../src/adapters/deploy/atomic-file';
import { WebrootChallengeFiles } from '../../../src/adapters/deploy/webroot-challenges';
import { FileKeyStore } from '../../../src/adapters/keys/file-key-store';
import { acmeIssueRequest, type Pebble, startPebble } from '../../support/pebble';
import { pebbleIssuer } from '../../support/pebble-issuer';

let folder: string;
let webroot: string;
let server: Server;
let pebble: Pebble;
let keyStore: FileKeyStore;
/** Paths the static server was asked for, to show the CA fetched the answer from the web root. */
const served: string[] = [];

/** A static file server for `root`: what a web server in front of a web root does, and nothing more. */
function staticServer(root: string): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    served.push(url.pathname);
    response.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(fs.readFileSync(file));
  });
}

function authority(webroots: Record<string, string>): AcmeAuthority {
  return new AcmeAuthority({
    settings: pebbleIssuer(pebble, { webroots }),
    keyStore,
    state: inMemoryAcmeState(),
    caa: null,
    dnsChallenges: null,
    webroots: new WebrootChallengeFiles(),
  });
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-webroot-'));
  webroot = path.join(folder, 'www');
  fs.mkdirSync(webroot);
  keyStore = new FileKeyStore(path.join(folder, 'keys'));
  server = staticServer(webroot);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the static server has no port');
  pebble = await startPebble({ httpPort: address.port });
}, 60_000);

afterAll(async () => {
  await pebble?.stop();
  await new Promise((resolve) => server?.close(resolve));
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('HTTP-01 from a web root, validated by Pebble', () => {
  it(
    "R-REN-1: the answer is written into the name's web root, fetched there by the CA, and removed after",
    { timeout: 120_000 },
    async () => {
      const ca = authority({ 'www.shop.test': webroot });
      const issued = await ca.issue(await acmeIssueRequest(keyStore, 'webroot-1', ['www.shop.test']));
      expect(issued.certificatePem).toContain('BEGIN CERTIFICATE');
      expect(served.some((each) => each.startsWith('/.well-known/acme-challenge/'))).toBe(true);
      expect(fs.readdirSync(path.join(webroot, '.well-known', 'acme-challenge'))).toEqual([]);
    },
  );

  it('R-REN-1: a web root that does not exist fails naming the folder and the fix, before the CA looks', async () => {
    const missing = path.join(folder, 'no-such-www');
    const error = await authority({ 'gone.shop.test': missing })
      .issue(await acmeIssueRequest(keyStore, 'webroot-2', ['gone.shop.test']))
      .then(
        () => null,
        (failure: unknown) => failure as Error,
      );
    expect(error?.message).toContain(missing);
    expect(error?.message).toMatch(/create it or correct the location/);
  }, 60_000);
});

describe('WebrootChallengeFiles', () => {
  it('R-REN-1: writes the key authorization exactly, readable by the web server, and both steps are idempotent', async () => {
    const files = new WebrootChallengeFiles();
    const answer = { webroot, token: 'tok_en-123', keyAuthorization: 'tok_en-123.thumbprint' };
    await files.present(answer);
    await files.present(answer);
    const file = path.join(webroot, '.well-known', 'acme-challenge', 'tok_en-123');
    expect(fs.readFileSync(file, 'utf8')).toBe('tok_en-123.thumbprint');
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    await files.cleanUp(answer);
    await files.cleanUp(answer);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('R-REN-1: a token that is not base64url never becomes a path', async () => {
    const files = new WebrootChallengeFiles();
    await expect(files.present({ webroot, token: '../../etc/passwd', keyAuthorization: 'x' })).rejects.toThrow(
      /not base64url/,
    );
    await expect(
      files.present({ webroot: path.join(folder, 'absent'), token: 'abc', keyAuthorization: 'x' }),
    ).rejects.toBeInstanceOf(DeployFileError);
  });
});
