// npm run bench -- discovery: network discovery (R-INV-2) over 1,000 TLS endpoints on loopback addresses
// (127.77.0.0/22, one port), each serving its own certificate and the intermediate; a few answer their handshake a
// second late and a few are dead (nothing listens). The same targets are scanned, in one run, by certflow's scanner,
// by `nmap -Pn -n -T4 --script ssl-cert` (Debian's nmap) and by a plain loop of `openssl s_client`; each prints
// endpoints/s and how many of the served certificates it found. Goal: certflow at least 5× nmap's rate with every
// certificate found. The endpoints run in their own process (bench/discovery-endpoints.js), as real servers would:
// their handshakes (EC P-256 keys, the same for every tool) never share a process or an event loop with the scanner.
// CERTFLOW_BENCH_ENDPOINTS=200 runs a smaller set; CERTFLOW_BENCH_CONCURRENCY sets certflow's concurrency;
// CERTFLOW_BENCH_COMPARE=nmap leaves out the (slow) openssl loop, =none measures certflow alone.
import { execFile, fork, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bench, describe } from 'vitest';
import { createTlsScanner } from '../src/adapters/network/tls-scanner';
import { trustStoreOf } from '../src/adapters/network/trust-store';
import type { ScanTarget } from '../src/core/ports/network-scanner';
import {
  createIntermediateCa,
  createRootCa,
  issueCertificate,
  privateKeyPem,
  testKeyPair,
} from '../test/support/certificate-factory';

const run = promisify(execFile);
const ENDPOINTS = Number(process.env.CERTFLOW_BENCH_ENDPOINTS ?? 1000);
const CONCURRENCY = Number(process.env.CERTFLOW_BENCH_CONCURRENCY ?? 256);
/** One in this many endpoints is dead, and one in this many (others) answers its handshake SLOW_MS late. */
const DEAD_EVERY = 33;
const SLOW_EVERY = 31;
const SLOW_MS = 1000;
/** Ports nmap's ssl-cert script runs on without service detection (shortport.ssl), tried in turn. */
const SSL_PORTS = [8443, 4911, 9001, 6697];
const GOAL = 5;
const COMPARE = (process.env.CERTFLOW_BENCH_COMPARE ?? 'nmap,openssl').split(',');

type Mode = 'served' | 'slow' | 'dead';
interface Endpoint {
  readonly host: string;
  readonly mode: Mode;
  readonly cert: string;
}

interface Result {
  readonly tool: string;
  readonly seconds: number;
  readonly found: number;
  readonly note?: string;
}

function fingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** SHA-256 of the first certificate of each PEM block in `text` (the served leaf, in the tools' output). */
function pemFingerprints(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((match) =>
    fingerprint(Buffer.from(match[1]!.replace(/\s/g, ''), 'base64')),
  );
}

function makeEndpoints(): {
  endpoints: Endpoint[];
  leaves: Set<string>;
  intermediate: string;
  key: string;
  root: string;
} {
  const root = createRootCa({ subject: 'CN=Discovery Bench Root, O=Certflow Bench' });
  const intermediate = createIntermediateCa(root, { subject: 'CN=Discovery Bench Issuing CA, O=Certflow Bench' });
  const key = testKeyPair('ec-p256', 2);
  const now = Date.now();
  const leaves = new Set<string>();
  const endpoints = Array.from({ length: ENDPOINTS }, (_, index): Endpoint => {
    const host = `127.77.${index >> 8}.${index & 0xff}`;
    const mode: Mode =
      index % DEAD_EVERY === DEAD_EVERY - 1 ? 'dead' : index % SLOW_EVERY === SLOW_EVERY - 1 ? 'slow' : 'served';
    const leaf = issueCertificate({
      subject: `CN=endpoint-${index}.discovery.bench, O=Certflow Bench`,
      issuer: intermediate,
      key,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 30 * 86_400_000),
      subjectAltNames: { dns: [`endpoint-${index}.discovery.bench`] },
    });
    if (mode !== 'dead') leaves.add(fingerprint(leaf.der));
    return { host, mode, cert: leaf.pem };
  });
  return { endpoints, leaves, intermediate: intermediate.pem, key: privateKeyPem(key), root: root.pem };
}

/** Forks the endpoints' process and has it listen on the first of SSL_PORTS free on all of their addresses. */
async function startServers(
  endpoints: readonly Endpoint[],
  intermediate: string,
  key: string,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = fork(path.join(__dirname, 'discovery-endpoints.js'), { stdio: 'inherit' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const answer = await Promise.race([
    new Promise<{ port?: number; error?: string }>((resolve) => {
      child.once('message', resolve);
      child.send({ endpoints, ports: SSL_PORTS, key, intermediate, slowMs: SLOW_MS });
    }),
    exited.then((code): { port?: number; error?: string } => ({
      error: `the endpoints' process exited (${String(code)}) before listening`,
    })),
  ]);
  if (answer.port !== undefined) {
    const port = answer.port;
    return {
      port,
      stop: async () => {
        child.send('stop');
        await exited;
      },
    };
  }
  child.kill();
  if (answer.error === 'EADDRINUSE') {
    throw new Error(`ports ${SSL_PORTS.join(', ')} are all in use on 127.77.0.0/22: free one and run the bench again`);
  }
  throw new Error(`the bench's endpoints did not start: ${answer.error}`);
}

async function measureCertflow(
  targets: readonly ScanTarget[],
  leaves: ReadonlySet<string>,
  root: string,
): Promise<Result> {
  const scanner = createTlsScanner({ trustStore: trustStoreOf([root]) });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const found = new Set<string>();
  const failures = new Map<string, number>();
  for await (const observation of scanner.scan(targets, {
    concurrency: CONCURRENCY,
    connectTimeoutMs: 3_000,
    handshakeTimeoutMs: 5_000,
  })) {
    const leaf = observation.outcome === 'served' ? observation.chain[0] : undefined;
    if (leaf && leaves.has(fingerprint(leaf.der))) found.add(fingerprint(leaf.der));
    else failures.set(observation.outcome, (failures.get(observation.outcome) ?? 0) + 1);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    tool: `certflow scan (concurrency ${CONCURRENCY})`,
    seconds: (performance.now() - started) / 1000,
    found: found.size,
    note: [
      `${((cpu.user + cpu.system) / 1000 / targets.length).toFixed(2)} ms CPU an endpoint`,
      ...[...failures].map(([outcome, count]) => `${count} ${outcome}`),
    ].join(', '),
  };
}

async function measureNmap(targets: readonly ScanTarget[], port: number, leaves: ReadonlySet<string>): Promise<Result> {
  const tool = 'nmap -Pn -n -T4 --script ssl-cert';
  if (spawnSync('nmap', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return {
      tool,
      seconds: NaN,
      found: 0,
      note: 'nmap is not installed: `sudo apt-get install -y nmap` (npm run bench installs it as root)',
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-discovery-bench-'));
  try {
    const list = path.join(dir, 'targets.txt');
    fs.writeFileSync(list, targets.map((target) => target.host).join('\n'));
    const started = performance.now();
    const { stdout } = await run(
      'nmap',
      ['-Pn', '-n', '-T4', '-p', String(port), '--script', 'ssl-cert', '-iL', list, '-oX', '-'],
      {
        maxBuffer: 512 * 1024 * 1024,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const xml = stdout.replace(/&#45;/g, '-').replace(/&#xa;/g, '\n');
    const found = new Set(pemFingerprints(xml).filter((print) => leaves.has(print)));
    return { tool, seconds, found: found.size };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl s_client -connect host:port < /dev/null`: what it printed, the served leaf among it. */
function opensslClient(target: ScanTarget): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `${target.host}:${target.port}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.on('close', () => resolve(stdout));
  });
}

async function measureOpensslLoop(targets: readonly ScanTarget[], leaves: ReadonlySet<string>): Promise<Result> {
  const found = new Set<string>();
  const started = performance.now();
  for (const target of targets) {
    const stdout = await opensslClient(target);
    for (const print of pemFingerprints(stdout)) if (leaves.has(print)) found.add(print);
  }
  return {
    tool: 'openssl s_client, one endpoint after another',
    seconds: (performance.now() - started) / 1000,
    found: found.size,
  };
}

function print(
  results: readonly Result[],
  expected: number,
  slow: number,
  dead: number,
  port: number,
  loadBefore: number,
): void {
  console.log(
    `\ndiscovery: ${ENDPOINTS.toLocaleString('en-US')} TLS endpoints on 127.77.0.0/22 port ${port}, each with its own ` +
      `certificate (${expected} served: ${slow} of them ${SLOW_MS} ms late; ${dead} dead); load average ` +
      `${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after, on ${os.availableParallelism()} cores`,
  );
  for (const result of results) {
    const rate = Number.isNaN(result.seconds) ? 'n/a' : `${(ENDPOINTS / result.seconds).toFixed(1)} endpoints/s`;
    const time = Number.isNaN(result.seconds) ? '' : `${result.seconds.toFixed(1)} s`;
    console.log(
      `  ${result.tool.padEnd(48)} ${rate.padStart(20)} ${time.padStart(8)}  ${result.found}/${expected} certificates` +
        (result.note ? `  (${result.note})` : ''),
    );
  }
  const [certflow, nmap] = results;
  if (!certflow || !nmap || Number.isNaN(nmap.seconds)) {
    console.log('  goal (≥ 5× nmap with every certificate found): not measured, nmap did not run');
    return;
  }
  const ratio = nmap.seconds / certflow.seconds;
  const met = ratio >= GOAL && certflow.found === expected;
  console.log(
    `  certflow / nmap: ${ratio.toFixed(1)}×; goal (≥ ${GOAL}× nmap with every certificate found): ${met ? 'met' : 'MISSED'}` +
      (certflow.found === expected ? '' : ` (certflow found ${certflow.found} of ${expected})`),
  );
}

describe('network discovery over loopback TLS endpoints', () => {
  bench(
    `certflow vs nmap vs openssl s_client over ${ENDPOINTS.toLocaleString('en-US')} endpoints`,
    async () => {
      const loadBefore = os.loadavg()[0]!;
      const { endpoints, leaves, intermediate, key, root } = makeEndpoints();
      const servers = await startServers(endpoints, intermediate, key);
      const { port } = servers;
      try {
        const targets = endpoints.map((endpoint) => ({ host: endpoint.host, port }));
        const results = [
          await measureCertflow(targets, leaves, root),
          ...(COMPARE.includes('nmap') ? [await measureNmap(targets, port, leaves)] : []),
          ...(COMPARE.includes('openssl') ? [await measureOpensslLoop(targets, leaves)] : []),
        ];
        const slow = endpoints.filter((endpoint) => endpoint.mode === 'slow').length;
        const dead = endpoints.filter((endpoint) => endpoint.mode === 'dead').length;
        print(results, leaves.size, slow, dead, port, loadBefore);
      } finally {
        await servers.stop();
      }
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
