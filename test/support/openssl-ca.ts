/**
 * A real OpenSSL CA made with `openssl ca` for the CA import tests (R-INV-2): serial 1000 valid, 1001 revoked for
 * keyCompromise, 1002 expired (its dates in 2020), 1003 valid but its newcerts/1003.pem removed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireOpenssl } from './openssl';

const CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_days = 90
policy = policy_any
unique_subject = no
copy_extensions = copy
[ policy_any ]
commonName = supplied
`;

/** The CA's folder (index.txt, newcerts/, ca.pem, and `<name>.pem` per certificate) and openssl run in it. */
export interface OpensslCa {
  readonly folder: string;
  openssl(...args: string[]): string;
  /** SHA-256 fingerprint, lower-case hex, of a certificate file in the folder, as openssl computes it. */
  fingerprintOf(file: string): string;
}

/** Makes the CA in a new temporary folder; the caller removes `folder`. */
export function makeOpensslCa(): OpensslCa {
  requireOpenssl();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-openssl-ca-'));
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: folder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const issue = (name: string, ...dates: string[]) => {
    const names = ['-subj', `/CN=${name}.example.test`, '-addext', `subjectAltName=DNS:${name}.example.test`];
    openssl('req', '-new', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, ...names);
    openssl('ca', '-batch', '-config', 'ca.cnf', '-in', `${name}.csr`, '-out', `${name}.pem`, ...dates);
  };
  fs.mkdirSync(path.join(folder, 'newcerts'));
  fs.writeFileSync(path.join(folder, 'index.txt'), '');
  fs.writeFileSync(path.join(folder, 'serial'), '1000\n');
  fs.writeFileSync(path.join(folder, 'ca.cnf'), CONFIG);
  openssl(
    'req',
    '-x509',
    ...key,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-subj',
    '/CN=Test OpenSSL CA',
    '-days',
    '365',
  );
  issue('valid');
  issue('revoked');
  issue('expired', '-startdate', '20200101000000Z', '-enddate', '20200201000000Z');
  issue('lost');
  openssl('ca', '-config', 'ca.cnf', '-revoke', 'newcerts/1001.pem', '-crl_reason', 'keyCompromise');
  openssl('ca', '-config', 'ca.cnf', '-updatedb');
  // 1003's certificate file is gone, as after a new_certs_dir was cleaned up by hand.
  fs.rmSync(path.join(folder, 'newcerts', '1003.pem'));
  return {
    folder,
    openssl,
    fingerprintOf: (file) =>
      openssl('x509', '-in', file, '-noout', '-fingerprint', '-sha256')
        .split('=')[1]!
        .trim()
        .replaceAll(':', '')
        .toLowerCase(),
  };
}
