/**
 * A real ACME server for the ACME adapter's tests: Pebble 2.10.3 and pebble-challtestsrv (provisioned into .tools by
 * scripts/provision-pebble.js) on free loopback ports, their configuration in a temp folder. challtestsrv is Pebble's
 * DNS server: every name resolves to 127.0.0.1, so Pebble fetches HTTP-01 answers from `httpPort` on loopback, where
 * the test runs certflow's HTTP server. Pebble's directory is served under its own test root, which only these tests
 * trust (the issuer's caBundle). Pebble can require external account binding with the MAC keys given here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'node:https';
import type { IssueRequest } from '../../src/core/ports/certificate-authority';
import type { KeyStore } from '../../src/core/ports/key-store';
import { freePort } from './ports';
import { until } from './until';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the provisioning script is CommonJS by design
const { provisionedPebble } = require('../../scripts/provision-pebble') as {
  provisionedPebble: () => {
    path: string;
    challtestsrv: string;
    rootPem: string;
    tlsCertificate: string;
    tlsKey: string;
  } | null;
};

/** How to start Pebble. */
export interface PebbleOptions {
  /** Port Pebble's validation authority connects to for HTTP-01 (certflow's HTTP server in the test). */
  readonly httpPort: number;
  /** Key id → base64url HMAC key: Pebble then refuses accounts without a matching binding. */
  readonly eabKeys?: Readonly<Record<string, string>>;
  /** Pebble refuses this share (percent) of good nonces with badNonce, to exercise the retry. */
  readonly nonceRejectPercent?: number;
  /** A DNS server (`host:port`) Pebble resolves with instead of challtestsrv: Knot, for DNS-01 and CAA. */
  readonly dnsServer?: string;
  /** The CAA identities Pebble itself checks; Pebble's default is pebble.letsencrypt.org. */
  readonly caaIdentities?: readonly string[];
  /** How long the certificates Pebble issues are valid (its default profile's validityPeriod); Pebble's own default otherwise. */
  readonly validitySeconds?: number;
}

/** A running Pebble. */
export interface Pebble {
  readonly directoryUrl: string;
  /** PEM file of the root that signs Pebble's directory TLS certificate: the issuer's caBundle. */
  readonly caBundlePath: string;
  /**
   * The DNS server Pebble resolves with (`host:port`, as CERTFLOW_DNS_SERVERS takes it): challtestsrv, which answers
   * every name with 127.0.0.1 and no CAA record, or the `dnsServer` it was given.
   */
  readonly dnsAddress: string;
  /** The roots and intermediates Pebble issues under, PEM, from its management interface. */
  issuingRootPem(): Promise<string>;
  /** Whether Pebble's management interface reports the certificate with this serial (hex) as revoked, and why. */
  revocationReason(serialHex: string): Promise<number | null>;
  /**
   * Makes Pebble answer this certificate's renewal information (RFC 9773) with `response` (its management
   * interface's set-renewal-info), as a CA announcing a revocation would.
   */
  setRenewalInfo(certificatePem: string, response: unknown): Promise<void>;
  /** Both servers' output so far, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

/** Fails with the fix when Pebble is not provisioned: these tests must not pass without a real ACME server. */
function requirePebble() {
  const pebble = provisionedPebble();
  if (pebble === null) {
    throw new Error(
      'Pebble is not provisioned: run `node scripts/provision-pebble.js` (needs Go; `npm test` runs it for you)',
    );
  }
  return pebble;
}

function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, output: string[]): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** GET over https trusting only `ca`; resolves with status and body, or undefined when nothing answers yet. */
async function get(url: string, agent: Agent): Promise<{ status: number; body: string } | undefined> {
  return await new Promise((resolve) => {
    // Pebble refuses requests without a User-Agent (RFC 8555 section 6.1).
    const req = request(url, { agent, headers: { 'User-Agent': 'certflow-tests' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** POST of a JSON body over https trusting only `ca`. */
async function post(url: string, body: string, agent: Agent): Promise<{ status: number; body: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'User-Agent': 'certflow-tests', 'Content-Type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts challtestsrv and Pebble on free loopback ports and waits until Pebble's directory answers. */
export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const tools = requirePebble();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-pebble-'));
  const [listen, management, tlsPort, dnsPort, challengeManagement] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const eabKeys = options.eabKeys ?? {};
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${listen}`,
      managementListenAddress: `127.0.0.1:${management}`,
      certificate: tools.tlsCertificate,
      privateKey: tools.tlsKey,
      httpPort: options.httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: Object.keys(eabKeys).length > 0,
      externalAccountMACKeys: eabKeys,
      retryAfter: { authz: 1, order: 1 },
      ...(options.caaIdentities === undefined ? {} : { caaIdentities: options.caaIdentities }),
      ...(options.validitySeconds === undefined
        ? {}
        : { profiles: { default: { description: 'certflow tests', validityPeriod: options.validitySeconds } } }),
    },
  };
  fs.writeFileSync(path.join(dir, 'pebble-config.json'), JSON.stringify(config, null, 2));
  const output: string[] = [];
  const dns =
    options.dnsServer !== undefined
      ? null
      : startProcess(
          tools.challtestsrv,
          [
            '-dnsserver',
            `127.0.0.1:${dnsPort}`,
            '-management',
            `127.0.0.1:${challengeManagement}`,
            '-http01',
            '',
            '-https01',
            '',
            '-tlsalpn01',
            '',
            '-doh',
            '',
            '-defaultIPv4',
            '127.0.0.1',
            '-defaultIPv6',
            '',
          ],
          {},
          output,
        );
  const dnsAddress = options.dnsServer ?? `127.0.0.1:${dnsPort}`;
  const pebble = startProcess(
    tools.path,
    ['-config', path.join(dir, 'pebble-config.json'), '-dnsserver', dnsAddress],
    {
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: String(options.nonceRejectPercent ?? 0),
      PEBBLE_AUTHZREUSE: '0',
    },
    output,
  );
  const agent = new Agent({ ca: fs.readFileSync(tools.rootPem, 'utf8') });
  const directoryUrl = `https://127.0.0.1:${listen}/dir`;
  const stop = async () => {
    await Promise.all([stopProcess(pebble), dns === null ? undefined : stopProcess(dns)]);
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      async () => {
        if (pebble.exitCode !== null) throw new Error(`Pebble exited with ${pebble.exitCode}:\n${output.join('')}`);
        const answer = await get(directoryUrl, agent);
        return answer?.status === 200 ? true : undefined;
      },
      "Pebble's directory",
      30_000,
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; Pebble and challtestsrv said:\n${output.join('')}`, { cause: error });
  }
  const managementUrl = `https://127.0.0.1:${management}`;
  return {
    directoryUrl,
    caBundlePath: tools.rootPem,
    dnsAddress,
    async issuingRootPem() {
      const answer = await get(`${managementUrl}/roots/0`, agent);
      if (answer?.status !== 200) throw new Error(`Pebble's management interface gave no root: ${answer?.status}`);
      return answer.body;
    },
    async revocationReason(serialHex) {
      const answer = await get(`${managementUrl}/cert-status-by-serial/${serialHex}`, agent);
      if (answer?.status !== 200) return null;
      const status = JSON.parse(answer.body) as { Status?: string; Reason?: number };
      return status.Status === 'Revoked' ? (status.Reason ?? 0) : null;
    },
    async setRenewalInfo(certificatePem, response) {
      const body = JSON.stringify({ Certificate: certificatePem, ARIResponse: JSON.stringify(response) });
      const answer = await post(`${managementUrl}/set-renewal-info/`, body, agent);
      if (answer.status !== 200) throw new Error(`Pebble refused set-renewal-info: ${answer.status} ${answer.body}`);
    },
    log: () => output.join(''),
    stop,
  };
}

/** An issuance request for `dnsNames` with a fresh EC key under `test/<idempotencyKey>` in `keyStore`. */
export async function acmeIssueRequest(
  keyStore: KeyStore,
  idempotencyKey: string,
  dnsNames: string[],
): Promise<IssueRequest> {
  const keyRef = `test/${idempotencyKey}`;
  const subject = `CN=${dnsNames[0]}`;
  await keyStore.ensureKeyPair(keyRef, { algorithm: 'EC', curve: 'P-256' });
  const csrPem = await keyStore.createCsr(keyRef, { subject, dnsNames, ipAddresses: [] });
  return { idempotencyKey, csrPem, subject, dnsNames, ipAddresses: [], validityDays: 90 };
}
