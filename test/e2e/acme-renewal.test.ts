/**
 * End to end through a real ACME CA (issue 19, R-REN-1, R-CAA-1): `certflow start` with the Slack stand-in, Pebble
 * (its names resolved by a Knot server that also holds the CAA records) and an owner group that renews through
 * `acme:pebble`. A certificate Pebble issued through certflow is reminded (the reminder names the issuer it renews
 * through), approved in Slack, renewed through Pebble
 * (HTTP-01 answered by certflow's HTTP server), installed by the file deployer, served over TLS and its predecessor
 * revoked through ACME. A certificate whose name's CAA forbids the CA fails before any order is placed.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeAuthority } from '../../src/adapters/acme/acme-authority';
import { sqlAcmeState } from '../../src/adapters/acme/acme-state';
import { openInventoryDatabase } from '../../src/adapters/database/database';
import { FileKeyStore } from '../../src/adapters/keys/file-key-store';
import { readDatabaseUrl } from '../../src/runtime/config-readers';
import { ACTION_IDS } from '../../src/adapters/slack/views/block-ids';
import { createRootCa, issueCertificate } from '../support/certificate-factory';
import { type DnsServer, startDnsServer } from '../support/dns-server';
import { acmeIssueRequest, type Pebble, startPebble } from '../support/pebble';
import { pebbleIssuer, writePebbleIssuersFile } from '../support/pebble-issuer';
import { freePort } from '../support/ports';
import { runCertflowToEnd } from '../support/processes';
import { type SlackStart, startCertflowWithSlack } from '../support/slack-start';
import { until } from '../support/until';

const TOKEN = 'xoxb-e2e-acme';
const SECRET = 'e2e-acme-signing-secret';
const DAY_SECONDS = 86_400;
const NAME = 'a.deep.example.test';

let work: string;
let dns: DnsServer;
let pebble: Pebble;
let started: SlackStart | undefined;
let env: NodeJS.ProcessEnv;

/** Where the file deployer installs the certificate, and the TLS server that serves those files. */
let sitePem: string;
let siteServer: tls.Server;
let sitePort: number;

function explain(error: Error): never {
  const said = started ? [...started.certflow.stdout, ...started.certflow.stderr].join('\n') : '';
  throw new Error(`${error.message}\ncertflow said:\n${said}\nPebble said:\n${pebble.log().slice(-4000)}`);
}

const ordersPlaced = () => pebble.log().match(/Added order /g)?.length ?? 0;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-acme-e2e-'));
  dns = await startDnsServer();
  const httpPort = await freePort();
  // example.test's CAA lets ca.example.net issue; locked.example.test forbids every CA.
  // Certificates of one hour, so the first is inside its reminder window a minute after it is issued.
  pebble = await startPebble({
    httpPort,
    dnsServer: dns.address,
    caaIdentities: ['ca.example.net'],
    validitySeconds: 3600,
  });
  const issuersFile = path.join(work, 'issuers.yaml');
  writePebbleIssuersFile(issuersFile, pebble, 'ca.example.net');
  // The replaced certificate is revoked about 9 s after its successor is verified. The first reminder of a one-hour
  // certificate falls 36 s into its life (150 days, beyond any lifetime here, compressed to 99 % of it), so the
  // lifecycle started a minute later reminds at once.
  const policyFile = path.join(work, 'policy.yaml');
  fs.writeFileSync(
    policyFile,
    JSON.stringify({
      renewal: { revocationDelayDays: 0.0001 },
      schedule: { reminderDays: [150, 60, 30], maxLeadFraction: 0.99 },
    }),
  );
  started = await startCertflowWithSlack({
    botToken: TOKEN,
    signingSecret: SECRET,
    users: [
      { id: 'U0OWNER', name: 'owner', email: 'owner@example.com' },
      { id: 'U0BOB', name: 'bob', email: 'bob@example.com' },
    ],
    env: {
      CERTFLOW_HTTP_PORT: String(httpPort),
      CERTFLOW_ISSUERS_FILE: issuersFile,
      CERTFLOW_POLICY_FILE: policyFile,
      CERTFLOW_DNS_SERVERS: dns.address,
    },
  });
  env = started.env;

  // The first certificate comes from Pebble through certflow's ACME adapter, as an earlier renewal would have
  // ordered it: same account key, same order records, so certflow can revoke it later.
  const { db, store } = await openInventoryDatabase({
    url: readDatabaseUrl(env, process.cwd(), env.CERTFLOW_DATA_DIR!),
  });
  try {
    const keyStore = new FileKeyStore(path.join(env.CERTFLOW_DATA_DIR!, 'keys'));
    const settings = pebbleIssuer(pebble, { caaIdentity: 'ca.example.net', requestTimeoutSeconds: 20 });
    const authority = new AcmeAuthority({
      settings,
      keyStore,
      state: sqlAcmeState(db),
      caa: null,
      dnsChallenges: null,
    });
    const first = await authority.issue(await acmeIssueRequest(keyStore, 'e2e-first', [NAME]));
    sitePem = path.join(work, 'site', 'site.pem');
    fs.mkdirSync(path.dirname(sitePem), { recursive: true });
    fs.writeFileSync(sitePem, `${first.certificatePem.trim()}\n`);
    fs.writeFileSync(
      path.join(work, 'site', 'site.chain.pem'),
      first.chainPems.map((pem) => `${pem.trim()}\n`).join(''),
    );
    fs.writeFileSync(path.join(work, 'site', 'site.key'), await keyStore.readPrivateKeyPem('test/e2e-first'), {
      mode: 0o600,
    });
  } finally {
    await store.close();
  }
  // A web server serving whatever the file deployer installed, read afresh on every connection.
  siteServer = tls.createServer({
    SNICallback: (_name, done) =>
      done(
        null,
        tls.createSecureContext({
          cert: [
            fs.readFileSync(path.join(work, 'site', 'site.pem'), 'utf8').trim(),
            fs.readFileSync(path.join(work, 'site', 'site.chain.pem'), 'utf8').trim(),
          ].join('\n'),
          key: fs.readFileSync(path.join(work, 'site', 'site.key'), 'utf8'),
        }),
      ),
  });
  sitePort = await freePort();
  await new Promise<void>((resolve) => siteServer.listen(sitePort, '127.0.0.1', resolve));

  // A certificate for a name whose CAA forbids every CA (from a CA of the test's own).
  const locked = issueCertificate({
    subject: 'CN=locked.example.test',
    issuer: createRootCa({ subject: 'CN=Test Old CA' }),
    subjectAltNames: { dns: ['locked.example.test'] },
    notAfter: new Date(Date.now() + 60 * DAY_SECONDS * 1000),
    ca: false,
  });
  fs.mkdirSync(path.join(work, 'locked'));
  fs.writeFileSync(path.join(work, 'locked', 'locked.pem'), locked.pem);
}, 240_000);

afterAll(async () => {
  await started?.close();
  await new Promise((resolve) => siteServer?.close(resolve));
  await Promise.all([pebble?.stop(), dns?.stop()]);
  fs.rmSync(work, { recursive: true, force: true });
}, 180_000);

/** The certificate the site serves over TLS now, verified against Pebble's issuing root. */
async function served(): Promise<X509Certificate> {
  const root = await pebble.issuingRootPem();
  return await new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: sitePort, servername: NAME, ca: root }, () => {
      const certificate = socket.getPeerX509Certificate();
      socket.end();
      if (certificate === undefined) reject(new Error('no certificate served'));
      else resolve(certificate);
    });
    socket.on('error', reject);
  });
}

/** Imports `file` for group demo, so its lifecycle starts knowing its owners; returns its managed id. */
async function importAndFind(file: string, subject: string): Promise<string> {
  const imported = await runCertflowToEnd(['import', file, '--owner', 'demo'], env);
  expect(imported.code, imported.out).toBe(0);
  const listed = jsonOf((await runCertflowToEnd(['list', '--search', subject, '--json'], env)).out) as {
    items: { id: string }[];
  };
  const item = listed.items[0];
  if (item === undefined) throw new Error(`${subject} was not imported`);
  return item.id;
}

/** Asks for the renewal as the owner and approves it as bob in Slack; returns the approval request's text. */
async function renewApproved(id: string): Promise<string> {
  const { standIn } = started!;
  const before = new Set(standIn.messages(standIn.dmChannel('U0BOB') ?? '').map((message) => message.ts));
  // The lifecycle learns its owner group from the metadata import a moment later: ask until it knows the owner.
  await until(async () => {
    const renew = await runCertflowToEnd(['renew', id, '--reason', 'e2e through Pebble', '--json'], {
      ...env,
      CERTFLOW_ACTOR: 'email:owner@example.com',
    });
    return renew.code === 0 ? true : undefined;
  }, `the renewal request of ${id}`).catch(explain);
  const approval = await until(() => {
    const dm = standIn.dmChannel('U0BOB');
    if (dm === undefined) return undefined;
    const found = standIn
      .messages(dm)
      .find((message) => !before.has(message.ts) && JSON.stringify(message.blocks).includes(ACTION_IDS.approveRequest));
    return found === undefined ? undefined : { dm, found };
  }, `the approval request of ${id}`).catch(explain);
  const appUrl = `http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/slack/events`;
  const clicked = await standIn
    .as('U0BOB', { appUrl })
    .click({ channel: approval.dm, ts: approval.found.ts, actionId: ACTION_IDS.approveRequest });
  expect(clicked.status).toBe(200);
  return JSON.stringify(approval.found.blocks);
}

/** The JSON document a command printed, without the stderr lines that follow it (warnings). */
function jsonOf(out: string): unknown {
  return JSON.parse(out.slice(0, out.indexOf('\n}') + 2));
}

async function lifecycleView(id: string) {
  const result = await runCertflowToEnd(['lifecycle', 'status', id, '--json'], env);
  return jsonOf(result.out) as {
    lifecycle: { cycle: number; phase: string; records: { kind: string; detail: string }[] };
  };
}

describe('renewal through an ACME CA (Pebble), end to end', () => {
  it('R-REN-1, R-MON-1: a group on acme:pebble is reminded (naming the issuer), approved in Slack, renewed through Pebble (HTTP-01 by certflow), installed, served over TLS, and the old certificate revoked through ACME', async () => {
    const updated = await runCertflowToEnd(['groups', 'update', 'demo', '--issuer', 'acme:pebble'], env);
    expect(updated.code, updated.out).toBe(0);
    const old = new X509Certificate(fs.readFileSync(sitePem, 'utf8'));
    expect((await served()).fingerprint256).toBe(old.fingerprint256);
    const id = await importAndFind(sitePem, NAME);

    // Inside its reminder window from the start: the owners' channel is reminded, with the issuer it renews through.
    const { standIn } = started!;
    const reminder = await until(
      () =>
        standIn
          .messages('C0DEMO')
          .map((message) => JSON.stringify(message))
          .find((message) => message.includes(NAME) && message.includes('expires in')),
      'the reminder in the owners channel',
      120_000,
    ).catch(explain);
    expect(reminder).toContain("*Renews through*\\nacme:pebble (the owner group's setting)");

    const approval = await renewApproved(id);
    expect(approval).toContain("acme:pebble (the owner group's setting)");

    const renewed = await until(
      async () => {
        const view = await lifecycleView(id);
        return view.lifecycle.cycle === 2 ? view : undefined;
      },
      'the renewal through Pebble',
      180_000,
    ).catch(explain);
    expect(renewed.lifecycle.cycle).toBe(2);

    // Installed by the file deployer and served over TLS, chained to Pebble's root.
    const now = await served();
    expect(now.fingerprint256).not.toBe(old.fingerprint256);
    expect(now.subjectAltName).toContain(`DNS:${NAME}`);
    expect(now.issuer).toMatch(/Pebble Intermediate CA/);

    // The replaced certificate is revoked through ACME: Pebble reports it revoked as superseded (reason 4).
    const reason = await until(
      async () => (await pebble.revocationReason(old.serialNumber.toLowerCase())) ?? undefined,
      'Pebble reporting the old certificate revoked',
      120_000,
    ).catch(explain);
    expect(reason).toBe(4);
  }, 600_000);

  it('R-CAA-1: a name whose CAA forbids the CA fails before an order is placed: the renewal fails with the CAA record and fix, the owners are told and the audit log has it', async () => {
    const { standIn } = started!;
    const id = await importAndFind(path.join(work, 'locked', 'locked.pem'), 'locked.example.test');
    const orders = ordersPlaced();
    await renewApproved(id);
    const failed = await until(
      async () => {
        const view = await lifecycleView(id);
        return view.lifecycle.records.find((record) => record.kind === 'renewal.failed');
      },
      'the failed renewal',
      180_000,
    ).catch(explain);
    expect(failed.detail).toMatch(
      /the CA \(acme:pebble\) did not issue a certificate: .*may not issue for locked\.example\.test/,
    );
    expect(ordersPlaced()).toBe(orders);
    // The owners' escalation names the CAA problem.
    await until(
      () =>
        standIn
          .messages('C0DEMO')
          .find(
            (message) => JSON.stringify(message).includes('locked.example.test') && /CAA/.test(JSON.stringify(message)),
          ),
      'the escalation naming CAA',
    ).catch(explain);
    const audit = await runCertflowToEnd(['audit', 'list', '--action', 'renewal.failed', '--json'], env);
    expect(audit.out).toMatch(/CAA/);
  }, 600_000);
});
