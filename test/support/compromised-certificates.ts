import fs from 'node:fs';
import path from 'node:path';
import { openInternalCa } from '../../src/adapters/ca/internal-ca';
import type { InternalCaOptions } from '../../src/adapters/ca/internal-ca-settings';
import { FileKeyStore } from '../../src/adapters/keys/file-key-store';
import { decodeCertificates } from '../../src/core/domain/certificates/decode-certificates';
import { DEMO_GROUP_ID } from '../../src/adapters/slack/stand-in/demo-workspace';
import { runCertflow, runCertflowToEnd } from './processes';

/**
 * `count` certificates (`<hostPrefix>-<n>.example.com`) of a compromised CA (by default "Old Corp"; another
 * `organization` makes a CA of another name) as PEM files, the way they sit on servers before `certflow import`.
 * `ca` issues them from that CA instead, such as certflow's own internal CA in a data folder before it starts.
 */
export async function compromisedCertificateFiles(
  folder: string,
  count: number,
  {
    organization = 'Old Corp',
    hostPrefix = 'svc',
    ca,
  }: { organization?: string; hostPrefix?: string; ca?: InternalCaOptions } = {},
): Promise<{ files: string[]; issuerDn: string }> {
  const oldCa = await openInternalCa(
    ca ?? {
      folder: path.join(folder, 'old-ca'),
      passphrase: 'e2e passphrase',
      publicBaseUrl: 'http://127.0.0.1:1',
      name: 'old',
      organization,
    },
  );
  const keys = new FileKeyStore(path.join(folder, 'old-keys'));
  const files: string[] = [];
  for (let n = 1; n <= count; n += 1) {
    const name = `${hostPrefix}-${n}.example.com`;
    const keyRef = `seed/${n}`;
    await keys.ensureKeyPair(keyRef, { algorithm: 'EC', curve: 'P-256' });
    const subject = `CN=${name}, O=Example`;
    const issued = await oldCa.issue({
      idempotencyKey: `seed-${n}`,
      csrPem: await keys.createCsr(keyRef, { subject, dnsNames: [name], ipAddresses: [] }),
      subject,
      dnsNames: [name],
      ipAddresses: [],
      validityDays: 200,
    });
    const file = path.join(folder, 'srv', String(n), 'cert.pem');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, issued.certificatePem);
    files.push(file);
  }
  const issuerDn = decodeCertificates(new TextEncoder().encode(oldCa.issuingPem()), 'old CA').certificates[0]?.facts
    .subject.text;
  if (!issuerDn) throw new Error('the old CA has no issuing certificate');
  return { files, issuerDn };
}

/**
 * Imports `files` for the demo owner group and starts a CA-compromise campaign over their issuer with the CLI, as a
 * security lead would, `parallel` renewals at a time (4 by default), renewing through `issuer` when given (each
 * certificate's own issuer otherwise); returns the campaign's id. Fails with the CLI's output when either command
 * does.
 */
export async function importAndStartCompromiseCampaign(
  files: string[],
  issuerDn: string,
  cliEnv: NodeJS.ProcessEnv,
  { parallel = 4, issuer }: { parallel?: number; issuer?: string } = {},
): Promise<string> {
  const imported = await runCertflowToEnd(['import', ...files, '--owner', DEMO_GROUP_ID], cliEnv);
  if (imported.code !== 0 || !imported.out.includes(`${files.length} started`)) {
    throw new Error(`certflow import did not start ${files.length} lifecycles:\n${imported.out}`);
  }
  const started = runCertflow(
    [
      'campaign',
      'start',
      `issuer=${issuerDn}`,
      '--reason',
      'Old Corp CA key compromised',
      '--kind',
      'ca-compromise',
      '--parallel',
      String(parallel),
      ...(issuer === undefined ? [] : ['--issuer', issuer]),
      '--yes',
      '--json',
    ],
    cliEnv,
  );
  const code = await started.exited;
  // The JSON is stdout; notes such as the CLI's operator-mode line go to stderr.
  const json = started.stdout.join('\n');
  const out = [...started.stdout, ...started.stderr].join('\n');
  if (code !== 0) throw new Error(`certflow campaign start failed:\n${out}`);
  try {
    return (JSON.parse(json.slice(json.indexOf('{'))) as { campaign: { id: string } }).campaign.id;
  } catch (error) {
    throw new Error(`certflow campaign start --json printed what is not JSON:\n${out}`, { cause: error });
  }
}
