/**
 * certflow's X.509 parser against the openssl command line, field by field, on the corpus of issue 16
 * (test/support/x509-corpus): every boundary where the two once disagreed, and ordinary certificates beside them;
 * then the default policy's verdict on each, as a table. openssl runs twice per certificate (x509 and asn1parse);
 * a missing openssl fails the run with how to install it, never a silent pass.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateFacts, DistinguishedName } from '../../../../src/core/domain/certificates/certificate-facts';
import { decodeCertificates } from '../../../../src/core/domain/certificates/decode-certificates';
import { parseCertificateDer } from '../../../../src/core/domain/certificates/parse-certificate';
import { DAY_MS } from '../../../../src/core/domain/duration';
import { evaluateCertificatePolicy, POLICY_RULES } from '../../../../src/core/domain/policy/evaluate-policy';
import { DEFAULT_POLICY } from '../../../../src/core/domain/policy/load-policy';
import { requireOpenssl } from '../../../support/openssl';
import { buildX509Corpus, type CorpusCertificate, X509_CORPUS_DIR } from '../../../support/x509-corpus/x509-corpus';

const execFileAsync = promisify(execFile);
const NOW = '2026-06-01T00:00:00.000Z';

/** The corpus as generated now; the committed files must be these bytes. */
const corpus = buildX509Corpus();

function corpusFile(certificate: CorpusCertificate): string {
  return path.join(X509_CORPUS_DIR, `${certificate.name}.der`);
}

/** What openssl makes of one certificate, in the words it prints. */
interface OpensslView {
  readonly fingerprintSha256: string;
  readonly serial: string;
  /** The serial INTEGER as `openssl asn1parse` finds it: content octets (as RFC 5280 counts them) and its value. */
  readonly serialEncoding: { readonly contentHex: string; readonly length: number; readonly value: string };
  readonly notBefore: string;
  readonly notAfter: string;
  readonly subject: string;
  readonly issuer: string;
  readonly signatureAlgorithm: string;
  /** The RSASSA-PSS hash as openssl names it (`sha256`, `sha1`), or null for other algorithms. */
  readonly pssHash: string | null;
  readonly keyAlgorithm: string;
  readonly keyBits: number;
  /** `NIST CURVE:` of a named curve, or null. */
  readonly nistCurve: string | null;
  /** Extension values by openssl's heading (`X509v3 Basic Constraints`), without `critical`. */
  readonly extensions: ReadonlyMap<string, string>;
}

/** `-dateopt iso_8601` text (`   1-01-01 00:00:00Z`: openssl pads the year with blanks) as an ISO 8601 instant. */
function opensslInstant(text: string): string {
  const match = /^\s*(\d{1,4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)Z$/.exec(text);
  if (!match) throw new Error(`unexpected openssl date "${text}"`);
  const [, year, month, day, hour, minute, second] = match;
  return `${year!.padStart(4, '0')}-${month}-${day}T${hour}:${minute}:${second}.000Z`;
}

function field(output: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(output);
  if (!match) throw new Error(`openssl printed no ${what}:\n${output}`);
  return match[1]!;
}

/** The extensions section of `-text`: a heading at 12 blanks, its value on the lines indented deeper. */
function extensionsOf(text: string): Map<string, string> {
  const extensions = new Map<string, string>();
  const section = text.split(/\n\s+X509v3 extensions:\n/)[1]?.split(/\n\s{4}Signature Algorithm:/)[0] ?? '';
  let heading: string | null = null;
  for (const line of section.split('\n')) {
    const headingMatch = /^ {12}(\S.*?):(?: critical)?\s*$/.exec(line);
    if (headingMatch) {
      heading = headingMatch[1]!;
      extensions.set(heading, '');
    } else if (heading !== null && /^ {16}/.test(line)) {
      const previous = extensions.get(heading)!;
      extensions.set(heading, previous === '' ? line.trim() : `${previous}\n${line.trim()}`);
    }
  }
  return extensions;
}

/** The first INTEGER at depth 2 of `openssl asn1parse`: in a version 3 certificate, the serial number. */
async function serialEncoding(file: string): Promise<OpensslView['serialEncoding']> {
  const { stdout } = await execFileAsync('openssl', ['asn1parse', '-inform', 'DER', '-in', file]);
  const match = /^\s*(\d+):d=2\s+hl=(\d+)\s+l=\s*(\d+)\s+prim: INTEGER\s+:(\S+)$/m.exec(stdout);
  if (!match) throw new Error(`openssl asn1parse found no serial number:\n${stdout}`);
  const [, offset, headerLength, length, value] = match;
  const start = Number(offset) + Number(headerLength);
  const der = fs.readFileSync(file);
  return {
    contentHex: der.subarray(start, start + Number(length)).toString('hex'),
    length: Number(length),
    value: value!,
  };
}

async function opensslView(file: string): Promise<OpensslView> {
  const { stdout } = await execFileAsync('openssl', [
    'x509',
    '-inform',
    'DER',
    '-in',
    file,
    '-noout',
    '-nameopt',
    'RFC2253',
    '-dateopt',
    'iso_8601',
    '-fingerprint',
    '-sha256',
    '-serial',
    '-dates',
    '-subject',
    '-issuer',
    '-text',
  ]);
  return {
    fingerprintSha256: field(stdout, /^sha256 Fingerprint=([0-9A-F:]+)$/m, 'fingerprint')
      .replace(/:/g, '')
      .toLowerCase(),
    serial: field(stdout, /^serial=(.*)$/m, 'serial'),
    serialEncoding: await serialEncoding(file),
    notBefore: opensslInstant(field(stdout, /^notBefore=(.*)$/m, 'notBefore')),
    notAfter: opensslInstant(field(stdout, /^notAfter=(.*)$/m, 'notAfter')),
    subject: field(stdout, /^subject=(.*)$/m, 'subject'),
    issuer: field(stdout, /^issuer=(.*)$/m, 'issuer'),
    signatureAlgorithm: field(stdout, /^ {8}Signature Algorithm: (\S+)/m, 'signature algorithm'),
    pssHash: /^ {8}Hash Algorithm: (\w+)/m.exec(stdout)?.[1] ?? null,
    keyAlgorithm: field(stdout, /Public Key Algorithm: (\S+)/, 'public key algorithm'),
    keyBits: Number(field(stdout, /Public-Key: \((\d+) bit\)/, 'key size')),
    nistCurve: /NIST CURVE: (\S+)/.exec(stdout)?.[1] ?? null,
    extensions: extensionsOf(stdout),
  };
}

/**
 * A name as a list of RDNs, each the sorted set of its `type=value` pairs: RFC 4514 leaves the order inside a
 * multi-valued RDN open (openssl prints it reversed, certflow as encoded), and separates RDNs with `,` (openssl) or
 * `, ` (certflow). Escaped commas and pluses stay inside their value.
 */
function rdnSets(text: string): string[] {
  return text.split(/(?<!\\), ?/).map((rdn) =>
    rdn
      .split(/(?<!\\)\+/)
      .sort()
      .join('+'),
  );
}

const namesOf = (name: DistinguishedName): string[] => rdnSets(name.text);

/** An IPv6 address the way openssl prints it: eight groups, upper case, no `::`. */
function opensslIpv6(text: string): string {
  const [head = '', tail = ''] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = text.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => group.replace(/^0+(?=.)/, '').toUpperCase()).join(':');
}

/** certflow's SANs in openssl's words, sorted (certflow groups them by type, openssl keeps certificate order). */
function certflowSans(facts: CertificateFacts): string[] {
  const { dns, ip, email, uri } = facts.subjectAltNames;
  return [
    ...dns.map((name) => `DNS:${name}`),
    ...ip.map((address) => `IP Address:${address.includes(':') ? opensslIpv6(address) : address}`),
    ...email.map((address) => `email:${address}`),
    ...uri.map((address) => `URI:${address}`),
  ].sort();
}

/** openssl's SAN value as a sorted list, or null when openssl could not decode it and dumped the raw bytes. */
function opensslSans(value: string | undefined): string[] | null {
  if (value === undefined) return [];
  const entries = value.split(', ');
  const decoded = entries.every((entry) => /^(DNS|IP Address|email|URI|othername|DirName|Registered ID):/.test(entry));
  return decoded ? entries.sort() : null;
}

/** openssl's `CA:TRUE, pathlen:0` as certflow's basic constraints. */
function opensslBasicConstraints(value: string | undefined): { ca: boolean; pathLength: number | null } | null {
  if (value === undefined) return null;
  const match = /^CA:(TRUE|FALSE)(?:, pathlen:(-?\d+))?$/.exec(value);
  if (!match) throw new Error(`unexpected basic constraints "${value}"`);
  return { ca: match[1] === 'TRUE', pathLength: match[2] === undefined ? null : Number(match[2]) };
}

/** The extensions openssl shows to be malformed: a value it could only dump raw, or a negative path length. */
function opensslMalformed(view: OpensslView): string[] {
  const malformed: string[] = [];
  if (opensslSans(view.extensions.get('X509v3 Subject Alternative Name')) === null) malformed.push('2.5.29.17');
  const pathLength = opensslBasicConstraints(view.extensions.get('X509v3 Basic Constraints'))?.pathLength;
  // RFC 5280 4.2.1.9: pathLenConstraint is INTEGER (0..MAX); openssl prints -1 but marks the certificate invalid.
  if (pathLength !== undefined && pathLength !== null && pathLength < 0) malformed.push('2.5.29.19');
  return malformed.sort();
}

const KEY_ALGORITHMS: Readonly<Record<string, string>> = { rsaEncryption: 'RSA', 'id-ecPublicKey': 'EC' };
const PSS_HASHES: Readonly<Record<string, string>> = { sha1: 'SHA-1', sha256: 'SHA-256' };

/** The requirement each case proves beyond R-INV-1, for the test title. */
function requirementsOf(certificate: CorpusCertificate): string {
  const ids = ['R-INV-1'];
  if (certificate.malformedExtensions.length > 0) ids.push('R-INV-4');
  if (certificate.name.startsWith('validity-398')) ids.push('R-POL-2');
  if (/sha1|pss-default/.test(certificate.name)) ids.push('R-POL-4');
  return ids.join(', ');
}

const regenerate = process.env.CERTFLOW_MAKE_X509_CORPUS === '1';

describe('the X.509 corpus (test/fixtures/x509-corpus)', () => {
  it.runIf(regenerate)('writes the corpus files', () => {
    for (const certificate of corpus) fs.writeFileSync(corpusFile(certificate), certificate.der);
  });

  it('is what the generator makes, byte for byte (deterministic signatures, fixed keys and dates)', () => {
    const kept = fs
      .readdirSync(X509_CORPUS_DIR)
      .filter((file) => file.endsWith('.der'))
      .sort();
    expect(kept).toEqual(corpus.map((certificate) => `${certificate.name}.der`).sort());
    for (const certificate of corpus) {
      expect(new Uint8Array(fs.readFileSync(corpusFile(certificate))), certificate.name).toEqual(certificate.der);
    }
  });

  it('has valid signatures: the deterministic ECDSA and RSASSA-PSS signers make real ones', () => {
    for (const certificate of corpus) {
      const signer = new X509Certificate(byName(certificate.signedBy).der).publicKey;
      expect(new X509Certificate(certificate.der).verify(signer), certificate.name).toBe(true);
    }
  });
});

describe('certflow reads the corpus as openssl does', () => {
  const views = new Map<string, OpensslView>();

  beforeAll(async () => {
    requireOpenssl();
    await Promise.all(
      corpus.map(async (certificate) => views.set(certificate.name, await opensslView(corpusFile(certificate)))),
    );
  });

  for (const certificate of corpus) {
    it(`${requirementsOf(certificate)}: ${certificate.name}, ${certificate.about}`, () => {
      const view = views.get(certificate.name)!;
      const der = new Uint8Array(fs.readFileSync(corpusFile(certificate)));
      const facts = parseCertificateDer(der, `${certificate.name}.der`).facts;

      expect(facts.fingerprintSha256).toBe(view.fingerprintSha256);
      // openssl prints a serial in sign-and-magnitude hex, upper case (DER fb ce 99 6c 13 is -04316693ED).
      expect(facts.serialNumber.toUpperCase()).toBe(view.serial);
      expect(view.serialEncoding.value).toBe(view.serial);
      expect(facts.serialNumberEncoding).toEqual({
        derHex: view.serialEncoding.contentHex,
        derLength: view.serialEncoding.length,
        negative: view.serial.startsWith('-'),
        zero: /^-?0+$/.test(view.serial),
      });
      expect(facts.notBefore).toBe(view.notBefore);
      expect(facts.notAfter).toBe(view.notAfter);
      expect(namesOf(facts.subject)).toEqual(rdnSets(view.subject));
      expect(namesOf(facts.issuer)).toEqual(rdnSets(view.issuer));
      expect(facts.signatureAlgorithm.name).toBe(
        view.signatureAlgorithm === 'rsassaPss' ? 'RSASSA-PSS' : view.signatureAlgorithm,
      );
      if (view.pssHash !== null) expect(facts.signatureAlgorithm.hash).toBe(PSS_HASHES[view.pssHash]);
      expect(facts.publicKey.algorithm).toBe(KEY_ALGORITHMS[view.keyAlgorithm]);
      expect(facts.publicKey.sizeBits).toBe(view.keyBits);
      if (view.nistCurve !== null) expect(facts.publicKey.curve).toBe(view.nistCurve);

      // What openssl finds malformed is what the corpus made malformed, and certflow records exactly those.
      const malformed = opensslMalformed(view);
      expect(malformed).toEqual([...certificate.malformedExtensions].sort());
      expect((facts.malformedExtensions ?? []).map((extension) => extension.oid).sort()).toEqual(malformed);
      // An unreadable SAN gives certflow no names, where openssl dumps the raw bytes.
      if (!malformed.includes('2.5.29.17')) {
        expect(certflowSans(facts)).toEqual(opensslSans(view.extensions.get('X509v3 Subject Alternative Name')));
      }
      // The CA flag before a negative path length still reads, in openssl and in certflow; the length does not.
      const basicConstraints = opensslBasicConstraints(view.extensions.get('X509v3 Basic Constraints'));
      expect(facts.basicConstraints).toEqual(
        malformed.includes('2.5.29.19') ? { ca: basicConstraints?.ca, pathLength: null } : basicConstraints,
      );
    });
  }

  it('R-INV-4: a file of the malformed-extension certificates decodes to every certificate and no error', () => {
    const malformed = corpus.filter((certificate) => certificate.malformedExtensions.length > 0);
    const bundle = malformed
      .map(
        (certificate) =>
          `-----BEGIN CERTIFICATE-----\n${Buffer.from(certificate.der).toString('base64')}\n-----END CERTIFICATE-----\n`,
      )
      .join('');
    const decoded = decodeCertificates(new TextEncoder().encode(bundle), 'malformed-extensions.pem');
    expect(decoded.errors.map((error) => error.message)).toEqual([]);
    expect(decoded.certificates.map(({ facts }) => facts.fingerprintSha256)).toEqual(
      malformed.map((certificate) => views.get(certificate.name)!.fingerprintSha256),
    );
  });

  it("R-POL-2: openssl's dates put the two validity cases 398 days and 398 days and a second apart, both ends included", () => {
    const period = (view: OpensslView) => Date.parse(view.notAfter) - Date.parse(view.notBefore) + 1000;
    expect(period(views.get('validity-398-days')!)).toBe(398 * DAY_MS);
    expect(period(views.get('validity-398-days-and-1s')!)).toBe(398 * DAY_MS + 1000);
  });

  it('R-POL-4: openssl reads SHA-1 in both SHA-1 cases: in the algorithm name, and as the default hash of RSASSA-PSS', () => {
    expect(views.get('sha1-rsa-leaf')!.signatureAlgorithm).toBe('sha1WithRSAEncryption');
    expect(views.get('rsa-pss-default-leaf')!.pssHash).toBe('sha1');
    expect(views.get('rsa-pss-sha256-leaf')!.pssHash).toBe('sha256');
  });
});

/**
 * The rules the default policy breaks on each corpus certificate, evaluated at NOW, and for one that breaks none the
 * rule whose boundary it stands on (null for the ordinary certificates, which show the rules raise nothing on them).
 * The corpus holds the issue's boundaries, so this is where each lands: one over a limit breaks its rule, at the
 * limit does not.
 */
const DEFAULT_POLICY_ON_THE_CORPUS: readonly (readonly [
  name: string,
  broken: readonly string[],
  boundaryOf: string | null,
])[] = [
  ['rsa-root-ca', [], null],
  ['ec-root-ca', [], null],
  ['rsa-leaf', [], null],
  ['ecdsa-leaf', [], null],
  ['sha1-rsa-leaf', ['signature-algorithm'], null],
  ['rsa-pss-sha256-leaf', [], 'signature-algorithm'],
  ['rsa-pss-default-leaf', ['signature-algorithm'], null],
  ['ec-explicit-p256-leaf', [], 'key-size'],
  ['not-before-year-0001', ['validity-period'], null],
  ['not-after-year-9999', ['validity-period'], null],
  ['utc-time-1950-2049', ['validity-period'], null],
  ['generalized-time-1949-2050', ['validity-period'], null],
  ['serial-negative', ['serial-number'], null],
  ['serial-zero', ['serial-number'], null],
  ['serial-20-bytes', [], 'serial-number'],
  ['serial-21-bytes-sign-octet', ['serial-number'], null],
  ['serial-21-bytes', ['serial-number'], null],
  ['validity-398-days', [], 'validity-period'],
  ['validity-398-days-and-1s', ['validity-period'], null],
  // Its CA flag still reads, so it is a CA certificate, and the default extension-encoding rule judges end entities.
  ['negative-path-length', [], 'extension-encoding'],
  ['san-wrong-inner-length', ['extension-encoding'], null],
  ['cn-not-in-sans', ['common-name-in-sans'], null],
  ['cn-65-characters', ['common-name-length'], null],
  ['no-san', ['subject-alt-names'], null],
  ['wildcard', ['wildcard-name'], null],
  ['name-escaping', [], null],
];

/** The requirement id of a rule as the policy declares it, for the test title. */
function requirementOf(rule: string): string {
  const declared = Object.values(POLICY_RULES).find((candidate) => candidate.rule === rule);
  if (!declared) throw new Error(`the policy has no rule ${rule}`);
  return declared.ruleId;
}

describe('the default policy on the corpus', () => {
  it('has a row for every corpus certificate', () => {
    expect(DEFAULT_POLICY_ON_THE_CORPUS.map(([name]) => name).sort()).toEqual(corpus.map(({ name }) => name).sort());
  });

  for (const [name, broken, boundaryOf] of DEFAULT_POLICY_ON_THE_CORPUS) {
    const rules = boundaryOf === null ? broken : [boundaryOf];
    const ids = [...new Set([...rules.map(requirementOf), ...(broken.length > 0 ? ['R-POL-6'] : [])])].join(', ');
    const verdict = broken.length > 0 ? `breaks ${broken.join(', ')}, naming the certificate and the fix` : 'passes';
    it(`${ids || 'ordinary'}: ${name} ${verdict}${boundaryOf ? ` ${boundaryOf}` : ''}`, () => {
      const certificate = facts(name);
      const violations = evaluateCertificatePolicy(certificate, DEFAULT_POLICY, NOW).violations;
      expect(violations.map((violation) => violation.rule)).toEqual(broken);
      for (const violation of violations) {
        expect(violation.ruleId).toBe(requirementOf(violation.rule));
        expect(violation.message).toContain(certificate.subject.commonName!.slice(0, 40));
        expect(violation.remedy).not.toBe('');
      }
    });
  }
});

function byName(name: string): CorpusCertificate {
  const found = corpus.find((certificate) => certificate.name === name);
  if (!found) throw new Error(`no corpus certificate ${name}`);
  return found;
}

function facts(name: string): CertificateFacts {
  return parseCertificateDer(byName(name).der, `${name}.der`).facts;
}
