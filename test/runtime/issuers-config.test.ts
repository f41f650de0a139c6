/** CERTFLOW_ISSUERS_FILE (issue 19, R-REN-1): the issuers certflow renews from; bad files name the field and the fix. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config';
import { ConfigError } from '../../src/runtime/config-error';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-issuers-'));
const ZONES = `example.com 192.0.2.53:53 certflow-key ${Buffer.alloc(32, 1).toString('base64')}`;
fs.writeFileSync(path.join(folder, 'corp-root.pem'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');

afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function withFile(text: string, env: NodeJS.ProcessEnv = {}) {
  const file = path.join(folder, `issuers-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, text);
  return loadConfig({ CERTFLOW_ISSUERS_FILE: file, ...env }, folder);
}

const LETSENCRYPT = `
  - name: acme:letsencrypt
    directoryUrl: https://acme-v02.api.letsencrypt.org/directory
    contact: pki-team@example.com
    caaIdentity: letsencrypt.org`;

describe('CERTFLOW_ISSUERS_FILE (R-REN-1)', () => {
  it('R-REN-1: without it certflow renews from the internal CA alone', () => {
    expect(loadConfig({}, folder).issuers).toEqual({ defaultIssuer: 'internal', acme: [] });
  });

  it('R-REN-1: reads ACME issuers with their defaults, EAB and a caBundle relative to the file', () => {
    const config = withFile(
      `default: acme:corp
issuers:${LETSENCRYPT}
  - name: acme:corp
    directoryUrl: https://ca.corp.example:9000/acme/directory
    contact: pki@corp.example
    eab: { keyId: kid-1, hmacKey: zWNDZM6eQGHWpSRT-al5_eIU }
    caBundle: corp-root.pem
    challenge: dns-01
    caaIdentity: ca.corp.example
    requestTimeoutSeconds: 5
`,
      { CERTFLOW_DNS_UPDATE_ZONES: ZONES },
    );
    expect(config.issuers.defaultIssuer).toBe('acme:corp');
    expect(config.issuers.acme).toEqual([
      {
        name: 'acme:letsencrypt',
        directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
        contact: 'pki-team@example.com',
        eab: null,
        caBundlePath: null,
        challenge: 'http-01',
        caaIdentity: 'letsencrypt.org',
        requestTimeoutSeconds: 30,
      },
      {
        name: 'acme:corp',
        directoryUrl: 'https://ca.corp.example:9000/acme/directory',
        contact: 'pki@corp.example',
        eab: { keyId: 'kid-1', hmacKey: 'zWNDZM6eQGHWpSRT-al5_eIU' },
        caBundlePath: path.join(folder, 'corp-root.pem'),
        challenge: 'dns-01',
        caaIdentity: 'ca.corp.example',
        requestTimeoutSeconds: 5,
      },
    ]);
  });

  it.each<[string, string, RegExp]>([
    [
      'a name without acme:',
      LETSENCRYPT.replace('acme:letsencrypt', 'letsencrypt'),
      /issuers\.0\.name: expected acme:<name>/,
    ],
    [
      'a misspelt key',
      `${LETSENCRYPT}\n    contacts: x@example.com`,
      /issuers\.0: unknown key contacts; check the spelling/,
    ],
    [
      'a directory that is no URL',
      LETSENCRYPT.replace(/directoryUrl: .*/, 'directoryUrl: letsencrypt'),
      /issuers\.0\.directoryUrl: expected the ACME directory URL/,
    ],
    [
      'a contact that is no e-mail',
      LETSENCRYPT.replace('pki-team@example.com', 'pki-team'),
      /issuers\.0\.contact: expected the account's contact e-mail/,
    ],
    [
      'an HMAC key in base64 with padding',
      `${LETSENCRYPT}\n    eab: { keyId: k, hmacKey: "abc+/==" }`,
      /issuers\.0\.eab\.hmacKey: expected the HMAC key as base64url/,
    ],
    [
      'an unknown challenge',
      `${LETSENCRYPT}\n    challenge: tls-alpn-01`,
      /issuers\.0\.challenge: expected http-01 \(the default\) or dns-01/,
    ],
    [
      'a missing CAA identity',
      LETSENCRYPT.replace(/\n\s+caaIdentity: .*/, ''),
      /issuers\.0\.caaIdentity: expected the CA's CAA domain/,
    ],
    ['a name twice', `${LETSENCRYPT}${LETSENCRYPT}`, /issuers\.1\.name: acme:letsencrypt is named twice/],
    [
      'dns-01 without CERTFLOW_DNS_UPDATE_ZONES',
      `${LETSENCRYPT}\n    challenge: dns-01`,
      /acme:letsencrypt proves names with dns-01, but CERTFLOW_DNS_UPDATE_ZONES names no zone/,
    ],
    [
      'web roots with dns-01',
      `${LETSENCRYPT}\n    challenge: dns-01\n    webroots: { shop.example.com: /srv/www/shop }`,
      /issuers\.0\.webroots: web roots answer HTTP-01 only: remove webroots or set challenge: http-01/,
    ],
    [
      'a web root for something that is no DNS name',
      `${LETSENCRYPT}\n    webroots: { "not a name": /srv/www/shop }`,
      /issuers\.0\.webroots\.not a name: expected DNS names mapped to web root folders, e\.g\. shop\.example\.com: \/srv\/www\/shop/,
    ],
    [
      'an empty web root',
      `${LETSENCRYPT}\n    webroots: { shop.example.com: "" }`,
      /issuers\.0\.webroots\.shop\.example\.com: expected the folder the name's web server serves/,
    ],
    [
      'a caBundle that is not there',
      `${LETSENCRYPT}\n    caBundle: missing.pem`,
      /caBundle of acme:letsencrypt: cannot read .*missing\.pem/,
    ],
  ])('R-REN-1: %s is refused naming the field and the fix', (_case, issuers, message) => {
    const load = () => withFile(`issuers:${issuers}\n`);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
    expect(load).toThrow(/^CERTFLOW_ISSUERS_FILE: /);
  });

  it('R-REN-1: web roots answer HTTP-01 for their names, a relative folder from the file, names in lower case', () => {
    const config = withFile(
      `issuers:${LETSENCRYPT}\n    webroots: { Shop.Example.com: www/shop, api.example.com: /srv/api }\n`,
    );
    expect(config.issuers.acme[0]?.webroots).toEqual({
      'shop.example.com': path.join(folder, 'www', 'shop'),
      'api.example.com': '/srv/api',
    });
  });

  it('R-REN-1: a default that is no configured issuer is refused with the names there are', () => {
    expect(() => withFile(`default: acme:gone\nissuers:${LETSENCRYPT}\n`)).toThrow(
      /default: acme:gone is not an issuer here: name internal or one of acme:letsencrypt/,
    );
  });

  it('R-REN-1: a file that is not YAML or cannot be read is refused naming it', () => {
    expect(() => withFile('issuers: [\n')).toThrow(/CERTFLOW_ISSUERS_FILE: cannot read .* as YAML or JSON/);
    expect(() => loadConfig({ CERTFLOW_ISSUERS_FILE: 'nowhere.yaml' }, folder)).toThrow(
      /CERTFLOW_ISSUERS_FILE: cannot read .*nowhere\.yaml/,
    );
  });
});
