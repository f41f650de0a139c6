/**
 * A real authoritative DNS server for the CAA and DNS-01 tests: Debian's Knot DNS (`knotd`, installed by
 * scripts/bootstrap.js) on a free loopback port, its configuration, zones and journal in a temp folder. It serves
 * `example.test` (CAA records at several levels, an in-zone and an out-of-zone CNAME) and `other.test`, accepts
 * TSIG-signed (HMAC-SHA256) updates of TXT records in both, and has `broken.test` configured without a zone file,
 * so it answers SERVFAIL there. Names in no zone get REFUSED.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import { until } from './until';

const KNOTD = '/usr/sbin/knotd';

/** The TSIG key the server accepts updates with. */
export interface TsigKey {
  readonly name: string;
  /** Base64, as tsig-keygen and knot write it. */
  readonly secret: string;
}

/** A running Knot server. */
export interface DnsServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, as CERTFLOW_DNS_SERVERS takes it. */
  readonly address: string;
  readonly key: TsigKey;
  /** The server's log so far, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

const EXAMPLE_ZONE = `$ORIGIN example.test.
$TTL 60
@         SOA   ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
@         NS    ns
ns        A     127.0.0.1
@         CAA   0 issue "ca.example.net"
@         CAA   0 issuewild ";"
@         CAA   0 iodef "mailto:security@example.test"
shop      CAA   0 issue "other-ca.example"
locked    CAA   0 issue ";"
critical  CAA   128 tbs "Unknown"
critical  CAA   0 issue "ca.example.net"
wild      CAA   0 issue ";"
wild      CAA   0 issuewild "ca.example.net"
www       CNAME shop
cdn       CNAME edge.other.test.
a.deep    A     127.0.0.1
`;

const OTHER_ZONE = `$ORIGIN other.test.
$TTL 60
@         SOA   ns.other.test. hostmaster.other.test. 1 3600 600 86400 60
@         NS    ns
ns        A     127.0.0.1
edge      CAA   0 issue "cdn-ca.example"
`;

/** Fails, saying how to install it, when knotd is missing: these tests must not pass without a real server. */
export function requireKnot(): void {
  if (!fs.existsSync(KNOTD)) {
    throw new Error(
      'Knot DNS is not installed: install it (`sudo apt-get install -y knot` on Debian or Ubuntu) and run the ' +
        'tests again; `npm test` installs it when it runs as root with apt-get',
    );
  }
}

/** Starts knotd on a free loopback port and waits until it answers. */
export async function startDnsServer(): Promise<DnsServer> {
  requireKnot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-knot-'));
  const key: TsigKey = { name: 'certflow-test', secret: randomBytes(32).toString('base64') };
  fs.writeFileSync(path.join(dir, 'example.test.zone'), EXAMPLE_ZONE);
  fs.writeFileSync(path.join(dir, 'other.test.zone'), OTHER_ZONE);
  // Knot keeps the journal of applied updates here and fails every update when the folder is missing.
  fs.mkdirSync(path.join(dir, 'db'));
  // knotd binds UDP and TCP on one port; another process can take the port between freePort and the bind: retry.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const config = path.join(dir, 'knot.conf');
    fs.writeFileSync(config, knotConfig(dir, port, key));
    let output = '';
    const child: ChildProcess = spawn(KNOTD, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    const ready = await until(async () => {
      if (exited) return 'exited' as const;
      try {
        await resolver.resolveSoa('example.test');
        return 'ready' as const;
      } catch {
        return undefined;
      }
    }, `knotd to answer on 127.0.0.1:${port}`).catch((error: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${error.message}; its log:\n${output}`);
    });
    if (ready === 'exited') {
      if (attempt < 3 && /address already in use/i.test(output)) continue;
      throw new Error(`knotd exited: ${output}`);
    }
    return {
      host: '127.0.0.1',
      port,
      address: `127.0.0.1:${port}`,
      key,
      log: () => output,
      async stop() {
        if (!exited) {
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await gone;
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

function knotConfig(dir: string, port: number, key: TsigKey): string {
  return `server:
    rundir: "${dir}"
    listen: 127.0.0.1@${port}
log:
  - target: stderr
    any: info
database:
    storage: "${dir}/db"
key:
  - id: ${key.name}
    algorithm: hmac-sha256
    secret: ${key.secret}
acl:
  - id: challenge-updates
    key: ${key.name}
    action: update
    update-type: [TXT]
template:
  - id: default
    storage: "${dir}"
    file: "%s.zone"
    acl: challenge-updates
    zonefile-sync: -1
zone:
  - domain: example.test
  - domain: other.test
  - domain: broken.test
`;
}
