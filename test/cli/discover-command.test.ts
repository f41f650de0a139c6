import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main';
import { LoopbackServers, tlsServer } from '../adapters/network/loopback-servers';
import {
  createIntermediateCa,
  createLeaf,
  createRootCa,
  privateKeyPem,
  type IssuedCertificate,
} from '../support/certificate-factory';
import { freePort } from '../support/ports';
import { runCli } from '../support/run-cli';

const DAY = 86_400_000;
let dir: string;
let env: NodeJS.ProcessEnv;
let root: IssuedCertificate;
let shop: IssuedCertificate;
let port: number;
let deadPort: number;
const servers = new LoopbackServers();

const run = (...argv: string[]) => runCli(argv, { env, cwd: dir });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-discover-'));
  env = {
    CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
    USER: 'tester',
    // Nothing listens here: discovery reports lifecycles as not started instead of reaching someone's Temporal.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  root = createRootCa();
  const issuing = createIntermediateCa(root);
  shop = createLeaf(issuing, {
    subject: 'CN=shop.example.com, O=Example Corp, C=US',
    subjectAltNames: { dns: ['shop.example.com'] },
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 89 * DAY),
  });
  fs.writeFileSync(path.join(dir, 'roots.pem'), root.pem);
  port = await servers.listen(tlsServer({ chain: [shop.pem, issuing.pem], key: privateKeyPem(shop.key) }).server);
  deadPort = await freePort();
});
afterAll(async () => {
  await servers.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('certflow discover', () => {
  it('R-INV-2: scans a loopback TLS endpoint, imports its chain at host:port (+SNI) and lists the new leaf for assignment', async () => {
    const result = await run('discover', `127.0.0.1:${port}=shop.example.com`, '--trust-store', 'roots.pem', '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(EXIT.ok);
    const { discovery, lifecycles } = JSON.parse(result.out) as {
      discovery: {
        endpoints: { served: number };
        certificates: { new: number };
        findings: { opened: number };
        unowned: { count: number };
      };
      lifecycles: { notStarted?: string };
    };
    expect(discovery.endpoints.served).toBe(1);
    expect(discovery.certificates.new).toBe(2);
    expect(discovery.findings.opened).toBe(0);
    expect(discovery.unowned.count).toBe(1);
    expect(lifecycles.notStarted).toBeDefined();

    const unowned = await run('list', '--unowned', '--role', 'end-entity', '--json');
    const page = JSON.parse(unowned.out) as {
      items: Array<{ facts: { subject: { commonName: string } }; metadata: { locations: unknown[] } }>;
    };
    expect(page.items.map((item) => [item.facts.subject.commonName, item.metadata.locations])).toEqual([
      ['shop.example.com', [{ kind: 'endpoint', host: '127.0.0.1', port, sni: 'shop.example.com' }]],
    ]);
  });

  it('R-MON-6: a wrong name and an untrusted chain are findings shown by list --findings, once however often the scan runs', async () => {
    for (let scan = 0; scan < 2; scan += 1) {
      const result = await run('discover', `127.0.0.1:${port}=www.example.com`);
      expect(result.code).toBe(EXIT.ok);
      expect(result.out).toContain('Scanned 1 endpoint');
    }
    const listed = await run('list', '--findings', '--host', '127.0.0.1');
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.out).toMatch(/HIGH +name-mismatch +127\.0\.0\.1:\d+ \(SNI www\.example\.com\)/);
    expect(listed.out).toMatch(/HIGH +chain-untrusted/);
    expect(listed.out).toContain('Deploy a certificate that lists www.example.com as a subject alternative name');
    expect(listed.out).toContain('1–2 of 2 findings');
    const json = JSON.parse((await run('list', '--findings', '--kind', 'name-mismatch', '--json')).out) as {
      total: number;
    };
    expect(json.total).toBe(1);
  });

  it('R-INV-4: a dead port is a per-endpoint result with exit 1; the rest of the scan goes on', async () => {
    const result = await run(
      'discover',
      `127.0.0.1:${deadPort},${port}=shop.example.com`,
      '--trust-store',
      'roots.pem',
      '--connect-timeout',
      '2s',
    );
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toContain('Scanned 2 endpoints');
    expect(result.out).toMatch(/1 served a certificate, 1 did not \(1 refused\)/);
    expect(result.out).toContain(`127.0.0.1:${deadPort}`);
  });

  it.each([
    [['discover'], 'certflow scans only what it is given'],
    [['discover', '10.0.0.0/33:443'], 'a prefix length is 0–32'],
    [['discover', '127.0.0.1'], 'a port is missing: write 127.0.0.1:443, or give --ports 443,8443'],
    [['discover', '10.0.0.0/8:443'], 'raise --max-addresses'],
    [['discover', '127.0.0.1:443', '--rate', 'fast'], '--rate "fast" must be new connections per second'],
    [['discover', '127.0.0.1:443', '--connect-timeout', '0s'], '--connect-timeout "0s" must be more than 0'],
    [['discover', '127.0.0.1:443', '--trust-store', 'missing.pem'], '--trust-store: cannot read the trust store'],
    [['discover', '--targets-file', 'missing.txt'], '--targets-file: cannot read '],
    [['list', '--findings', '--kind', 'bogus'], '--kind "bogus" must be one of'],
    [['list', '--findings', '--weak'], '--findings lists findings'],
  ])('R-INV-2: %j is refused with the fix, exit 2', async (argv, message) => {
    const result = await run(...argv);
    expect(result.err).toContain(message);
    expect(result.code).toBe(EXIT.usage);
  });

  it('R-INV-2: --ports completes targets written without ports, on the command line and in a targets file', async () => {
    fs.writeFileSync(path.join(dir, 'targets.txt'), '# the shop\n127.0.0.1=shop.example.com  # loopback\n');
    const result = await run(
      'discover',
      '--targets-file',
      'targets.txt',
      '--ports',
      String(port),
      '--trust-store',
      'roots.pem',
      '--json',
    );
    expect(result.err).toBe('');
    const { discovery } = JSON.parse(result.out) as { discovery: { endpoints: { served: number } } };
    expect(discovery.endpoints.served).toBe(1);
  });
});
