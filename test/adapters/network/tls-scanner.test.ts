import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import type tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTrustStore, TrustStoreError, trustStoreOf } from '../../../src/adapters/network/trust-store';
import { createTlsScanner, ScanLimitsError } from '../../../src/adapters/network/tls-scanner';
import type {
  EndpointObservation,
  NetworkScanner,
  ScanLimits,
  ScanTarget,
  StartTlsProtocol,
} from '../../../src/core/ports/network-scanner';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  issueCertificate,
  privateKeyPem,
  type IssuedCertificate,
} from '../../support/certificate-factory';
import { freePort } from '../../support/ports';
import { until } from '../../support/until';
import {
  hangingUpServer,
  httpServer,
  LoopbackServers,
  resettingServer,
  servingContext,
  slowTlsServer,
  startTlsServer,
  tarpitServer,
  tlsServer,
  type ServedIdentity,
} from './loopback-servers';

const DAY_MS = 86_400_000;
const LIMITS: ScanLimits = { concurrency: 16, connectTimeoutMs: 5_000, handshakeTimeoutMs: 5_000 };
/** Short enough that a tarpit ends the test quickly; a loopback handshake needs far less even on a loaded machine. */
const TARPIT_LIMITS: ScanLimits = { ...LIMITS, handshakeTimeoutMs: 750 };

let root: IssuedCertificate;
let intermediate: IssuedCertificate;
let leaf: IssuedCertificate;
let chained: ServedIdentity;
let scanner: NetworkScanner;
const servers = new LoopbackServers();

function leafFor(issuer: IssuedCertificate, name: string): IssuedCertificate {
  const now = Date.now();
  return createLeaf(issuer, {
    subject: `CN=${name}, O=Certflow Scan Test`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 30 * DAY_MS),
  });
}

function identity(...chain: IssuedCertificate[]): ServedIdentity {
  return { chain: chain.map((certificate) => certificate.pem), key: privateKeyPem(chain[0]!.key) };
}

async function scanAll(
  targets: Iterable<ScanTarget> | AsyncIterable<ScanTarget>,
  limits = LIMITS,
  using = scanner,
): Promise<EndpointObservation[]> {
  const observations: EndpointObservation[] = [];
  for await (const observation of using.scan(targets, limits)) observations.push(observation);
  return observations;
}

async function scanOne(target: ScanTarget, limits = LIMITS, using = scanner): Promise<EndpointObservation> {
  const [observation, ...rest] = await scanAll([target], limits, using);
  expect(rest).toEqual([]);
  return observation!;
}

function served(observation: EndpointObservation): Extract<EndpointObservation, { outcome: 'served' }> {
  if (observation.outcome !== 'served')
    throw new Error(`expected a served chain, got ${observation.outcome}: ${observation.message}`);
  return observation;
}

function subjects(observation: EndpointObservation): string[] {
  return served(observation).chain.map((certificate) => certificate.facts.subject.text);
}

beforeAll(() => {
  root = createRootCa({ subject: 'CN=Scan Test Root, O=Certflow Scan Test' });
  intermediate = createIntermediateCa(root, { subject: 'CN=Scan Test Issuing CA, O=Certflow Scan Test' });
  leaf = leafFor(intermediate, 'scan-target.test');
  chained = identity(leaf, intermediate);
  scanner = createTlsScanner({ trustStore: trustStoreOf([root.pem]) });
});

afterEach(async () => {
  await servers.closeAll();
});

describe('the TLS scanner (R-INV-2 discovery, R-MON-6 re-checks)', () => {
  it('R-INV-2: an endpoint that connected while the scanner was too busy to look is read, not timed out', async () => {
    const port = await servers.listen(tlsServer(chained).server);
    const limits = { ...LIMITS, connectTimeoutMs: 50 };
    const first = scanner
      .scan([{ host: '127.0.0.1', port }], limits)
      [Symbol.asyncIterator]()
      .next();
    // The connection is under way; the event loop is then held past the connect timeout, as a scanner busy with
    // other handshakes would be, while the kernel completes the connection.
    await new Promise((resolve) => setImmediate(resolve));
    const busyUntil = Date.now() + 4 * limits.connectTimeoutMs;
    while (Date.now() < busyUntil);
    const observation = (await first).value as EndpointObservation;
    expect(observation.outcome).toBe('served');
  });

  it('R-INV-2: records the served chain leaf first, the protocol and cipher, and sends no SNI to an address', async () => {
    const { server, serverNames } = tlsServer(chained);
    const port = await servers.listen(server);
    const observation = served(await scanOne({ host: '127.0.0.1', port }));
    expect(subjects(observation)).toEqual([leaf.subject, intermediate.subject]);
    expect(observation.chain[0]!.der).toEqual(leaf.der);
    expect(observation.protocol).toBe('TLSv1.3');
    expect(observation.cipher).toMatch(/^TLS_(AES|CHACHA20)_/);
    expect(observation.verdict).toEqual({ trusted: true });
    expect(observation.errors).toEqual([]);
    expect(Date.parse(observation.observedAt)).not.toBeNaN();
    expect(serverNames).toEqual([]);
  });

  it('R-MON-6: the same chain against the platform roots does not reach a trusted root', async () => {
    const port = await servers.listen(tlsServer(chained).server);
    const observation = served(await scanOne({ host: '127.0.0.1', port }, LIMITS, createTlsScanner()));
    expect(observation.verdict).toEqual({ trusted: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    expect(subjects(observation)).toEqual([leaf.subject, intermediate.subject]);
  });

  it('R-MON-6: a leaf served without its intermediate is an incomplete chain', async () => {
    const port = await servers.listen(tlsServer(identity(leaf)).server);
    const observation = served(await scanOne({ host: '127.0.0.1', port }));
    expect(subjects(observation)).toEqual([leaf.subject]);
    expect(observation.verdict).toEqual({ trusted: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('R-INV-2: the chain is what was served: a served root is recorded, an unserved trust anchor is not', async () => {
    const port = await servers.listen(tlsServer(identity(leaf, intermediate, root)).server);
    const observation = served(await scanOne({ host: '127.0.0.1', port }));
    expect(subjects(observation)).toEqual([leaf.subject, intermediate.subject, root.subject]);
    expect(observation.verdict.trusted).toBe(true);
  });

  it('R-INV-2: certificates served in a strange order or twice are recorded in the order sent, each once', async () => {
    const port = await servers.listen(tlsServer(identity(leaf, root, intermediate, intermediate)).server);
    const observation = served(await scanOne({ host: '127.0.0.1', port }));
    expect(subjects(observation)).toEqual([leaf.subject, root.subject, intermediate.subject]);
  });

  it('R-MON-6: a self-signed certificate is served and judged self-signed', async () => {
    const now = Date.now();
    const selfSigned = issueCertificate({
      subject: 'CN=self-signed.scan.test',
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + DAY_MS),
    });
    const port = await servers.listen(tlsServer(identity(selfSigned)).server);
    const observation = served(await scanOne({ host: '127.0.0.1', port }));
    expect(subjects(observation)).toEqual(['CN=self-signed.scan.test']);
    expect(observation.verdict).toEqual({ trusted: false, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('R-MON-6: an expired intermediate is served and the verdict says it expired', async () => {
    const expired = createIntermediateCa(root, {
      subject: 'CN=Expired Issuing CA, O=Certflow Scan Test',
      notBefore: new Date(Date.now() - 400 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    const expiredLeaf = leafFor(expired, 'expired-chain.scan.test');
    const port = await servers.listen(tlsServer(identity(expiredLeaf, expired)).server);
    const observation = served(await scanOne({ host: '127.0.0.1', port }));
    expect(subjects(observation)).toEqual([expiredLeaf.subject, expired.subject]);
    expect(observation.verdict).toEqual({ trusted: false, code: 'CERT_HAS_EXPIRED' });
    expect(Date.parse(observation.chain[1]!.facts.notAfter)).toBeLessThan(Date.now());
  });

  it.for(['TLSv1', 'TLSv1.1'] as const)(
    'R-MON-6: an endpoint offering only %s is observed, not refused',
    async (version, context) => {
      let server: tls.Server;
      try {
        server = tlsServer(chained, {
          minVersion: version,
          maxVersion: version,
          ciphers: 'DEFAULT:@SECLEVEL=0',
        }).server;
      } catch (error) {
        context.skip(`the local OpenSSL cannot serve ${version}: ${(error as Error).message}`);
        return;
      }
      const port = await servers.listen(server);
      const observation = await scanOne({ host: '127.0.0.1', port });
      if (
        observation.outcome !== 'served' &&
        /no protocols available|unsupported protocol/i.test(observation.message)
      ) {
        context.skip(`the local OpenSSL will not speak ${version}: ${observation.message}`);
      }
      expect(served(observation).protocol).toBe(version);
      expect(subjects(observation)).toEqual([leaf.subject, intermediate.subject]);
    },
  );

  it('R-INV-2: SNI chooses between two certificates on one address', async () => {
    const shop = leafFor(intermediate, 'shop.scan.test');
    const api = leafFor(intermediate, 'api.scan.test');
    const contexts: Record<string, tls.SecureContext> = {
      'shop.scan.test': servingContext(identity(shop, intermediate)),
      'api.scan.test': servingContext(identity(api, intermediate)),
    };
    const { server, serverNames } = tlsServer(chained, {
      SNICallback: (name, callback) => callback(null, contexts[name]),
    });
    const port = await servers.listen(server);
    const observations = await scanAll([
      { host: '127.0.0.1', port, sni: 'shop.scan.test' },
      { host: '127.0.0.1', port, sni: 'api.scan.test' },
      { host: '127.0.0.1', port, sni: '127.0.0.1' },
    ]);
    const leafBySni = new Map(observations.map((observation) => [observation.target.sni, subjects(observation)[0]]));
    expect(leafBySni).toEqual(
      new Map([
        ['shop.scan.test', shop.subject],
        ['api.scan.test', api.subject],
        ['127.0.0.1', leaf.subject],
      ]),
    );
    expect(serverNames.sort()).toEqual(['api.scan.test', 'shop.scan.test']);
  });

  const STARTTLS: [StartTlsProtocol, string, string][] = [
    ['smtp', 'STARTTLS', '454 4.7.0 TLS not available'],
    ['imap', 'a001 STARTTLS', 'a001 NO STARTTLS disabled'],
    ['pop3', 'STLS', '-ERR STLS not supported'],
    ['ldap', '1.3.6.1.4.1.1466.20037', 'result code 2 (StartTLS is not supported)'],
    ['postgres', '0000000804d2162f', 'answered N'],
  ];

  it.each(STARTTLS)(
    'R-INV-2: STARTTLS over %s finds the certificate behind the greeting',
    async (protocol, request) => {
      const { server, heard } = startTlsServer(protocol, servingContext(chained));
      const port = await servers.listen(server);
      const observation = served(await scanOne({ host: '127.0.0.1', port, startTls: protocol }));
      expect(subjects(observation)).toEqual([leaf.subject, intermediate.subject]);
      expect(heard.some((line) => line.includes(request))).toBe(true);
      if (protocol === 'smtp') expect(heard).toEqual(['EHLO certflow.invalid', 'STARTTLS']);
    },
  );

  it.each(STARTTLS)(
    'a %s server refusing the upgrade is starttls-refused with its answer',
    async (protocol, _request, answer) => {
      const port = await servers.listen(startTlsServer(protocol, servingContext(chained), { refuse: true }).server);
      const observation = await scanOne({ host: '127.0.0.1', port, startTls: protocol });
      expect(observation.outcome).toBe('starttls-refused');
      expect(observation.outcome !== 'served' && observation.message).toContain(answer);
    },
  );

  it('R-INV-2: a TLS endpoint asked for STARTTLS is refused, not hung', async () => {
    const port = await servers.listen(tlsServer(chained).server);
    const observation = await scanOne({ host: '127.0.0.1', port, startTls: 'postgres' }, TARPIT_LIMITS);
    expect(observation.outcome).toBe('starttls-refused');
    expect(observation.outcome !== 'served' && observation.message).toContain(
      'closed the connection before the upgrade',
    );
  });

  it.each<[string, () => net.Server, StartTlsProtocol | undefined, string, string]>([
    ['a tarpit (accepts, says nothing)', tarpitServer, undefined, 'timeout', 'did not finish within 750 ms'],
    ['a tarpit behind a STARTTLS greeting', tarpitServer, 'smtp', 'timeout', 'STARTTLS dialogue did not finish'],
    ['a reset', resettingServer, undefined, 'reset', 'reset'],
    ['a half-open endpoint (hangs up before TLS)', hangingUpServer, undefined, 'reset', ''],
    ['a plain HTTP server', httpServer, undefined, 'not-tls', 'does not speak TLS'],
  ])('R-INV-2: %s ends as a per-target failure within its timeout', async (_name, make, startTls, outcome, message) => {
    const port = await servers.listen(make());
    const observation = await scanOne({ host: '127.0.0.1', port, ...(startTls ? { startTls } : {}) }, TARPIT_LIMITS);
    expect(observation.outcome).toBe(outcome);
    expect(observation.outcome !== 'served' && observation.message).toContain(message);
    expect(observation.outcome !== 'served' && observation.message).toContain(`127.0.0.1:${port}`);
  });

  it('R-INV-2: a refused port is a per-target failure', async () => {
    const port = await freePort();
    const observation = await scanOne({ host: '127.0.0.1', port });
    expect(observation).toMatchObject({ outcome: 'refused', target: { host: '127.0.0.1', port } });
  });

  it('R-INV-2: a handshake slower than the timeout is a timeout; released, the same server is observed', async () => {
    const slow = slowTlsServer(servingContext(chained));
    const port = await servers.listen(slow.server);
    const observation = await scanOne({ host: '127.0.0.1', port }, TARPIT_LIMITS);
    expect(observation.outcome).toBe('timeout');
    slow.release();
    expect(subjects(await scanOne({ host: '127.0.0.1', port }))).toEqual([leaf.subject, intermediate.subject]);
  });

  it('R-INV-2: 2,048 targets (127.1.0.0/21, most refused) stream through with bounded concurrency and no hang', async () => {
    const port = await freePort();
    const listening = ['127.1.0.10', '127.1.3.3', '127.1.7.200'];
    for (const host of listening) await servers.listen(tlsServer(chained).server, host, port);
    const concurrency = 64;
    let pulled = 0;
    let received = 0;
    let mostInFlight = 0;
    async function* targets(): AsyncGenerator<ScanTarget> {
      for (let index = 0; index < 2048; index++) {
        pulled++;
        yield { host: `127.1.${index >> 8}.${index & 0xff}`, port };
      }
    }
    const outcomes = new Map<string, number>();
    const servedHosts: string[] = [];
    for await (const observation of scanner.scan(targets(), { ...LIMITS, concurrency })) {
      mostInFlight = Math.max(mostInFlight, pulled - received);
      received++;
      outcomes.set(observation.outcome, (outcomes.get(observation.outcome) ?? 0) + 1);
      if (observation.outcome === 'served') servedHosts.push(observation.target.host);
    }
    expect(received).toBe(2048);
    expect(Object.fromEntries(outcomes)).toEqual({ served: 3, refused: 2045 });
    expect(servedHosts.sort()).toEqual(listening.sort());
    // A target is pulled only when a slot is free: never more than `concurrency` pulled and not yet observed.
    expect(mostInFlight).toBeLessThanOrEqual(concurrency);
  });

  it('a rate limit paces new connections without losing any target', async () => {
    const port = await freePort();
    const targets = Array.from({ length: 20 }, (_, index) => ({ host: `127.2.0.${index + 1}`, port }));
    const observations = await scanAll(targets, { ...LIMITS, connectionsPerSecond: 200 });
    expect(observations.map((observation) => observation.outcome)).toEqual(Array(20).fill('refused'));
  });

  it('a consumer that stops early closes the connections still in flight', async () => {
    const tarpitPort = await servers.listen(tarpitServer());
    const refusedPort = await freePort();
    const targets = [
      ...Array.from({ length: 5 }, () => ({ host: '127.0.0.1', port: tarpitPort })),
      { host: '127.0.0.1', port: refusedPort },
    ];
    await until(() => (servers.openConnections === 0 ? true : undefined), 'no connection open before the scan');
    for await (const observation of scanner.scan(targets, { ...LIMITS, handshakeTimeoutMs: 60_000 })) {
      expect(observation.outcome).toBe('refused');
      await until(() => (servers.openConnections === 5 ? true : undefined), 'the tarpit to hold five connections');
      break;
    }
    await until(() => (servers.openConnections === 0 ? true : undefined), 'the scan to close its tarpit connections');
  });

  it.each<[Partial<ScanLimits>, string]>([
    [{ concurrency: 0 }, 'concurrency is 0: it must be a number above 0'],
    [{ concurrency: 2.5 }, 'concurrency is 2.5: it must be a whole number'],
    [{ connectTimeoutMs: -1 }, 'connectTimeoutMs is -1'],
    [{ handshakeTimeoutMs: Number.NaN }, 'handshakeTimeoutMs is NaN'],
    [{ connectionsPerSecond: 0 }, 'connectionsPerSecond is 0'],
  ])('refuses limits that make no scan: %j', async (limits, message) => {
    await expect(scanAll([{ host: '127.0.0.1', port: 1 }], { ...LIMITS, ...limits })).rejects.toThrow(ScanLimitsError);
    await expect(scanAll([], { ...LIMITS, ...limits })).rejects.toThrow(message);
  });

  it('R-MON-6: a PEM bundle named as the trust store decides the verdict; an unreadable one is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-trust-'));
    try {
      fs.writeFileSync(path.join(dir, 'roots.pem'), createRootCa({ subject: 'CN=Unrelated Root' }).pem + root.pem);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'no certificates here\n');
      const port = await servers.listen(tlsServer(chained).server);
      const bundled = createTlsScanner({ trustStore: loadTrustStore(path.join(dir, 'roots.pem')) });
      expect(served(await scanOne({ host: '127.0.0.1', port }, LIMITS, bundled)).verdict).toEqual({ trusted: true });
      expect(() => loadTrustStore(path.join(dir, 'missing.pem'))).toThrow(TrustStoreError);
      expect(() => loadTrustStore(path.join(dir, 'missing.pem'))).toThrow('give the path of a PEM bundle');
      expect(() => loadTrustStore(path.join(dir, 'notes.txt'))).toThrow('holds no certificate');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
