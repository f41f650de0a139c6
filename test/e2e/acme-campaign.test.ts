/**
 * A CA-compromise campaign moves 200 certificates from certflow's internal CA to an ACME CA (issue 19, R-REN-1,
 * R-CAM-4), end to end: `certflow start` (its embedded dev server and worker) with the Slack stand-in, Pebble and its
 * challenge test server as DNS, 200 certificates of certflow's internal CA on file deploy targets, imported and
 * moved with `certflow campaign start … --issuer acme:pebble` as a security lead would. Each is renewed once through
 * Pebble (HTTP-01 answered by certflow's HTTP server, CAA asked of the challenge server), installed where the old one
 * was, and the old one revoked on the internal CA's CRL.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { x509 } from '../../src/adapters/shared/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { SqlCampaignStore } from '../../src/adapters/database/sql-campaign-store';
import type { CampaignProgress } from '../../src/core/domain/campaigns/model';
import { readDatabaseUrl } from '../../src/runtime/config-readers';
import { compromisedCertificateFiles, importAndStartCompromiseCampaign } from '../support/compromised-certificates';
import { type Pebble, startPebble } from '../support/pebble';
import { writePebbleIssuersFile } from '../support/pebble-issuer';
import { freePort } from '../support/ports';
import { pemFilesFor } from '../../src/adapters/deploy/file-deployer';
import { runCertflowToEnd } from '../support/processes';
import { until } from '../support/until';
import { type SlackStart, startCertflowWithSlack } from '../support/slack-start';

const CERTIFICATES = 200;
const LEAD = 'email:sec@example.com';
const PASSPHRASE = 'e2e acme campaign passphrase';

let work: string;
let pebble: Pebble;
let started: SlackStart | undefined;
let env: NodeJS.ProcessEnv;
let httpPort: number;
let files: string[];
let issuerDn: string;
/** The internal CA's certificates as they sat on their targets before the campaign, by file. */
const before = new Map<string, X509Certificate>();

function explain(error: Error): never {
  const said = started ? [...started.certflow.stdout, ...started.certflow.stderr].slice(-200).join('\n') : '';
  throw new Error(`${error.message}\ncertflow said:\n${said}\nPebble said:\n${pebble.log().slice(-4000)}`);
}

/** A certificate's SHA-256 fingerprint as the inventory spells it: lower-case hex without colons. */
const fingerprintOf = (certificate: X509Certificate) => certificate.fingerprint256.replaceAll(':', '').toLowerCase();

/** A serial in one spelling: lower-case hex without leading zeros. */
const serialOf = (hex: string) => hex.toLowerCase().replace(/^0+/, '');

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-acme-campaign-'));
  httpPort = await freePort();
  // challtestsrv answers every name with 127.0.0.1 (so Pebble's HTTP-01 reaches certflow) and no CAA record.
  pebble = await startPebble({ httpPort });
  const dataDir = path.join(work, 'data');
  // certflow's own internal CA, made in the data folder before certflow starts (it then opens the same CA), issues
  // the 200 certificates, as earlier renewals through it would have.
  ({ files, issuerDn } = await compromisedCertificateFiles(work, CERTIFICATES, {
    hostPrefix: 'fleet',
    ca: {
      folder: path.join(dataDir, 'ca', 'internal'),
      passphrase: PASSPHRASE,
      publicBaseUrl: `http://127.0.0.1:${httpPort}`,
    },
  }));
  for (const file of files) before.set(file, new X509Certificate(fs.readFileSync(file)));
  const issuersFile = path.join(work, 'issuers.yaml');
  writePebbleIssuersFile(issuersFile, pebble, 'pebble.example');
  started = await startCertflowWithSlack({
    botToken: 'xoxb-e2e-acme-campaign',
    signingSecret: 'e2e-acme-campaign-signing-secret',
    users: [
      { id: 'U0OWNER', name: 'owner', email: 'owner@example.com' },
      { id: 'U0BOB', name: 'bob', email: 'bob@example.com' },
    ],
    env: {
      CERTFLOW_DATA_DIR: dataDir,
      CERTFLOW_CA_PASSPHRASE: PASSPHRASE,
      CERTFLOW_HTTP_PORT: String(httpPort),
      CERTFLOW_ISSUERS_FILE: issuersFile,
      CERTFLOW_DNS_SERVERS: pebble.dnsAddress,
      CERTFLOW_SECURITY_LEADS: LEAD,
      // No TLS endpoint: its certificate would be the internal CA's 201st, selected by the campaign too.
      CERTFLOW_TLS_ENDPOINTS: '',
    },
  });
  env = started.env;
}, 600_000);

afterAll(async () => {
  await started?.close();
  await pebble?.stop();
  fs.rmSync(work, { recursive: true, force: true });
}, 180_000);

/** Checks that `leaf` chains through `chain` to `root`, each certificate signed by the next. */
function expectChainedTo(leaf: X509Certificate, chain: X509Certificate[], root: X509Certificate, file: string): void {
  const links = [leaf, ...chain.filter((certificate) => certificate.fingerprint256 !== root.fingerprint256), root];
  for (let index = 0; index + 1 < links.length; index += 1) {
    const [child, parent] = [links[index]!, links[index + 1]!];
    expect(
      child.checkIssued(parent) && child.verify(parent.publicKey),
      `${file}: ${child.subject} ← ${parent.subject}`,
    ).toBe(true);
  }
}

describe('a campaign moves certificates from the internal CA to an ACME CA (Pebble), end to end', () => {
  it('R-REN-1, R-CAM-4 (issue 19): 200 internal-CA certificates are each renewed once through acme:pebble, installed on their targets, their predecessors revoked on the internal CRL, and the campaign completes', async () => {
    const cliEnv = { ...env, CERTFLOW_SECURITY_LEADS: '', CERTFLOW_ACTOR: LEAD };
    const id = await importAndStartCompromiseCampaign(files, issuerDn, cliEnv, {
      parallel: 20,
      issuer: 'acme:pebble',
    }).catch(explain);

    // Polled as a security lead would, every few seconds; a status that fails under load is asked again.
    let last = '';
    const end = await until(
      async () => {
        const status = await runCertflowToEnd(['campaign', 'status', id, '--json'], cliEnv);
        last = status.code === 0 ? status.stdout : status.out;
        if (status.code !== 0) return undefined;
        const progress = JSON.parse(status.stdout) as CampaignProgress;
        if (progress.status === 'running' || progress.status === 'paused') {
          await new Promise((resolve) => setTimeout(resolve, 5_000));
          return undefined;
        }
        return progress;
      },
      `campaign ${id} to finish`,
      1_500_000,
    ).catch((error: Error) => explain(new Error(`${error.message}; last status:\n${last}`)));
    expect(end.status, JSON.stringify(end.failureReasons)).toBe('completed');
    expect(end.total).toBe(CERTIFICATES);
    expect(end.counts.failed).toBe(0);
    expect(end.counts['old-revoked']).toBe(CERTIFICATES);

    const { db, store } = await openInventoryDatabase({
      url: readDatabaseUrl(env, process.cwd(), env.CERTFLOW_DATA_DIR!),
    });
    try {
      // Exactly once: one issuance, installation and revocation per certificate (one audit row per idempotency key,
      // so a repeat would be a second row), each issuance through acme:pebble.
      const rows = async (action: string) => (await store.queryAudit({ action }, { limit: 1000 })).items;
      const members = await new SqlCampaignStore({ db }).listMembers(id);
      expect(members).toHaveLength(CERTIFICATES);
      const selected = new Set(members.map((member) => member.fingerprintSha256));
      expect([...selected].sort()).toEqual([...before.values()].map(fingerprintOf).sort());
      const issued = await rows('certificate.issued');
      expect(issued.map((row) => row.details.replaces).sort()).toEqual([...selected].sort());
      expect(issued.filter((row) => row.details.ca !== 'acme:pebble')).toEqual([]);
      for (const action of ['certificate.installed', 'certificate.verified']) {
        expect(new Set((await rows(action)).map((row) => row.subject)).size, action).toBe(CERTIFICATES);
        expect(await rows(action), action).toHaveLength(CERTIFICATES);
      }
      const revoked = await rows('certificate.revoked');
      expect(revoked.map((row) => row.subject).sort()).toEqual([...selected].sort());

      // Each target now holds a certificate Pebble issued for its name, chained to Pebble's root, with its key.
      const root = new X509Certificate(await pebble.issuingRootPem());
      const current = new Set<string>();
      for (const member of members) {
        const managed = await store.getManagedCertificate(member.managedCertificateId);
        current.add(String(managed?.currentFingerprint));
      }
      const installedFingerprints = new Set<string>();
      for (const [file, old] of before) {
        const installed = pemFilesFor(file);
        const now = new X509Certificate(fs.readFileSync(installed.certificate));
        expect(now.fingerprint256, file).not.toBe(old.fingerprint256);
        installedFingerprints.add(fingerprintOf(now));
        expect(now.subjectAltName, file).toBe(old.subjectAltName);
        expect(now.issuer, file).toMatch(/Pebble Intermediate CA/);
        const chain = x509.PemConverter.decode(fs.readFileSync(installed.chain, 'utf8')).map(
          (der) => new X509Certificate(Buffer.from(der)),
        );
        expectChainedTo(now, chain, root, file);
        expect(now.checkPrivateKey(createPrivateKey(fs.readFileSync(installed.key))), file).toBe(true);
      }
      // What each target holds is what the inventory says each certificate is now: the certificate Pebble issued.
      expect([...installedFingerprints].sort()).toEqual([...current].sort());
      expect([...current].sort()).toEqual(issued.map((row) => row.subject).sort());
    } finally {
      await store.close();
    }

    // The internal CA's published CRL lists every replaced certificate.
    const response = await fetch(`http://127.0.0.1:${httpPort}/ca/internal/crl`);
    expect(response.status).toBe(200);
    const crl = new x509.X509Crl(new Uint8Array(await response.arrayBuffer()));
    const listed = new Set(crl.entries.map((entry) => serialOf(entry.serialNumber)));
    const missing = [...before.values()].filter((old) => !listed.has(serialOf(old.serialNumber)));
    expect(missing.map((old) => old.subjectAltName)).toEqual([]);
  }, 1_800_000);
});
