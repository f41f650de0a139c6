/**
 * Evaluates one certificate against the policy (R-POL-1 … R-POL-6, RFC-5280). It runs on every imported certificate, so the
 * policy is compiled once (sets, regular expressions, its version hash) and each evaluation only reads the facts.
 */
import { normalizeHex } from '../certificates/hex';
import type { CertificateFacts } from '../certificates/certificate-facts';
import type { PolicyResult, PolicyViolation, ViolationSeverity } from '../inventory/model';
import { issuedByInternalCa } from '../issuers/internal-ca-issued';
import { policyVersion } from './load-policy';
import { exceedsValidity, publicTrustMaxValidity, validityPeriodText } from './public-trust';
import {
  dnAttributeKey,
  foldDnValue,
  parseDnKeys,
  type Policy,
  SUBJECT_ATTRIBUTE_OIDS,
  type SubjectAttributeName,
} from './policy';

/** The rules a violation can name: requirement id and stable rule name. */
export const POLICY_RULES = {
  approvedCa: { ruleId: 'R-POL-1', rule: 'approved-ca' },
  validityPeriod: { ruleId: 'R-POL-2', rule: 'validity-period' },
  keyAlgorithm: { ruleId: 'R-POL-3', rule: 'key-algorithm' },
  keySize: { ruleId: 'R-POL-3', rule: 'key-size' },
  signatureAlgorithm: { ruleId: 'R-POL-4', rule: 'signature-algorithm' },
  subjectDn: { ruleId: 'R-POL-5', rule: 'subject-dn' },
  wildcardName: { ruleId: 'R-POL-5', rule: 'wildcard-name' },
  subjectAltNames: { ruleId: 'R-POL-5', rule: 'subject-alt-names' },
  commonNameInSans: { ruleId: 'R-POL-5', rule: 'common-name-in-sans' },
  commonNameLength: { ruleId: 'R-POL-5', rule: 'common-name-length' },
  serialNumber: { ruleId: 'RFC-5280', rule: 'serial-number' },
  extensionEncoding: { ruleId: 'RFC-5280', rule: 'extension-encoding' },
} as const;

type RuleName = (typeof POLICY_RULES)[keyof typeof POLICY_RULES];

/** What the inventory knows beyond the certificate itself. */
export interface PolicyEvaluationContext {
  /** Fingerprint of the issuing certificate when the inventory holds it; approved CAs listed by fingerprint need it. */
  readonly issuerFingerprint?: string | null;
}

/** A certificate or a call could not be evaluated; the message says which and what to do. */
export class PolicyEvaluationError extends Error {
  override readonly name = 'PolicyEvaluationError';
}

type Check = (facts: CertificateFacts, context: PolicyEvaluationContext, out: PolicyViolation[]) => void;

interface CompiledCa {
  readonly name: string;
  /** Issuer DN keys in written and in reversed order, so `C=US, O=…, CN=…` matches too. */
  readonly dnKeys: ReadonlySet<string> | null;
  readonly keyId: string | null;
  readonly fingerprint: string | null;
}

/** A policy prepared for fast evaluation: build it once with `compilePolicy` and reuse it for every certificate. */
export class CompiledPolicy {
  /** Content hash of the policy, as `policyVersion` gives it. */
  readonly version: string;
  readonly #checks: readonly Check[];

  constructor(readonly policy: Policy) {
    this.version = policyVersion(policy);
    this.#checks = compileChecks(policy);
  }

  /** Appends the violations of `facts` to `out`. */
  check(facts: CertificateFacts, context: PolicyEvaluationContext, out: PolicyViolation[]): void {
    for (const check of this.#checks) check(facts, context, out);
  }
}

const compiledPolicies = new WeakMap<Policy, CompiledPolicy>();

/** Compiles a policy once; the same (unchanged, as policies are read-only) object always gives the same result. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  let compiled = compiledPolicies.get(policy);
  if (compiled === undefined) {
    compiled = new CompiledPolicy(policy);
    compiledPolicies.set(policy, compiled);
  }
  return compiled;
}

/** How violations name a certificate: its CN (or subject) and the inventory id, the fingerprint's first 16 digits. */
export function certificateLabel(facts: CertificateFacts): string {
  const name = facts.subject.commonName ?? (facts.subject.text === '' ? '(empty subject)' : facts.subject.text);
  return `"${name}" (${facts.fingerprintSha256.slice(0, 16)})`;
}

function violation(rule: RuleName, severity: ViolationSeverity, message: string, remedy: string): PolicyViolation {
  return { ruleId: rule.ruleId, rule: rule.rule, severity, message, remedy };
}

function listed(values: readonly string[], limit = 5): string {
  const shown = values.slice(0, limit).join(', ');
  return values.length > limit ? `${shown} and ${values.length - limit} more` : shown;
}

function issuerDnKey(facts: CertificateFacts): string {
  return facts.issuer.attributes.map((attribute) => dnAttributeKey(attribute.oid, attribute.value)).join(',');
}

function subjectDnKey(facts: CertificateFacts): string {
  return facts.subject.attributes.map((attribute) => dnAttributeKey(attribute.oid, attribute.value)).join(',');
}

function compileCa(ca: Policy['rules']['approvedCas']['cas'][number]): CompiledCa {
  let dnKeys: Set<string> | null = null;
  if (ca.issuerDn !== undefined) {
    const parsed = parseDnKeys(ca.issuerDn);
    if ('error' in parsed) throw new PolicyEvaluationError(`approved CA "${ca.name}": issuerDn ${parsed.error}`);
    dnKeys = new Set([parsed.keys.join(','), [...parsed.keys].reverse().join(',')]);
  }
  return {
    name: ca.name,
    dnKeys,
    keyId: ca.issuerKeyId === undefined ? null : normalizeHex(ca.issuerKeyId),
    fingerprint: ca.fingerprintSha256 === undefined ? null : normalizeHex(ca.fingerprintSha256),
  };
}

/** True when some CA matches on every identifier it lists. */
function anyCaMatches(
  cas: readonly CompiledCa[],
  dnKey: () => string,
  keyId: string | null,
  fingerprint: string | null,
): boolean {
  let key: string | undefined;
  return cas.some(
    (ca) =>
      (ca.dnKeys === null || ca.dnKeys.has((key ??= dnKey()))) &&
      (ca.keyId === null || ca.keyId === keyId) &&
      (ca.fingerprint === null || ca.fingerprint === fingerprint),
  );
}

function approvedCaCheck(rule: Policy['rules']['approvedCas']): Check | null {
  if (!rule.enabled || rule.cas.length === 0) return null;
  const cas = rule.cas.map(compileCa);
  const names = cas.map((ca) => ca.name);
  return (facts, context, out) => {
    const isCa = facts.role !== 'end-entity';
    if (isCa && !rule.includeCaCertificates) return;
    const issuerKeyId = facts.authorityKeyId ?? (facts.selfSigned ? facts.subjectKeyId : null);
    const issuerFingerprint = context.issuerFingerprint ?? (facts.selfSigned ? facts.fingerprintSha256 : null);
    if (anyCaMatches(cas, () => issuerDnKey(facts), issuerKeyId, issuerFingerprint?.toLowerCase() ?? null)) return;
    if (isCa && anyCaMatches(cas, () => subjectDnKey(facts), facts.subjectKeyId, facts.fingerprintSha256)) return;
    out.push(
      violation(
        POLICY_RULES.approvedCa,
        rule.severity,
        `${certificateLabel(facts)} is issued by ${facts.issuer.text || '(empty issuer)'}, which is not an approved CA (NIST SP 1800-16 5.1.3)`,
        `replace it with a certificate from an approved CA (${listed(names)}); if this CA has been approved, add it to rules.approvedCas.cas`,
      ),
    );
  };
}

/** Private when self-signed, issued by certflow's internal CA or by a CA listed in `privateCas` (R-POL-2). */
function isPrivatelyIssued(
  facts: CertificateFacts,
  context: PolicyEvaluationContext,
  privateCas: readonly CompiledCa[],
): boolean {
  // certflow's internal CA's certificates are private without being listed.
  if (facts.selfSigned || issuedByInternalCa(facts)) return true;
  return anyCaMatches(
    privateCas,
    () => issuerDnKey(facts),
    facts.authorityKeyId,
    context.issuerFingerprint?.toLowerCase() ?? null,
  );
}

/** The validity period and its two ends, as violation messages give them. */
function validityText(facts: CertificateFacts): string {
  const instant = (iso: string) => iso.replace('.000Z', 'Z');
  return `${validityPeriodText(facts.notBefore, facts.notAfter)} (${instant(facts.notBefore)} to ${instant(facts.notAfter)}, both ends included)`;
}

/**
 * True when the certificate lives longer than `limit` days, both ends counted. Its validityDays (rounded up) below
 * the limit settles it without parsing two dates, which is most of what this rule costs on an import.
 */
function outlives(facts: CertificateFacts, limit: number): boolean {
  return facts.validityDays >= limit && exceedsValidity(facts.notBefore, facts.notAfter, limit);
}

function validityCheck(rule: Policy['rules']['validityPeriod']): Check | null {
  if (!rule.enabled) return null;
  const privateCas = rule.privateCas.map(compileCa);
  return (facts, context, out) => {
    const isCa = facts.role !== 'end-entity';
    const forum = isCa || !rule.publicTrust ? null : publicTrustMaxValidity(facts.notBefore);
    if (forum !== null && forum.maxDays < rule.maxDays && !isPrivatelyIssued(facts, context, privateCas)) {
      const limit = forum.maxDays;
      if (!outlives(facts, limit)) return;
      out.push(
        violation(
          POLICY_RULES.validityPeriod,
          rule.severity,
          `${certificateLabel(facts)} is valid for ${validityText(facts)}; publicly-trusted certificates issued ${forum.since === null ? 'before 2026-03-15' : `from ${forum.since.slice(0, 10)}`} may be valid for at most ${limit} days, both ends counted (CA/Browser Forum ballot SC-081v3)`,
          `reissue it with a validity period of ${limit} days or less (notAfter earlier than notBefore + ${limit} days); if ${facts.issuer.text || 'its issuer'} is a private CA, list it under rules.validityPeriod.privateCas`,
        ),
      );
      return;
    }
    const limit = isCa ? rule.caMaxDays : rule.maxDays;
    if (limit === null || !outlives(facts, limit)) return;
    out.push(
      violation(
        POLICY_RULES.validityPeriod,
        rule.severity,
        `${certificateLabel(facts)} is valid for ${validityText(facts)}; the policy allows at most ${limit} days for ${isCa ? 'CA' : 'end-entity'} certificates, both ends counted (NIST SP 1800-16 5.1.4, RFC 5280 4.1.2.5)`,
        `reissue it with a validity period of ${limit} days or less (notAfter earlier than notBefore + ${limit} days)`,
      ),
    );
  };
}

function keyCheck(rule: Policy['rules']['keySize']): Check | null {
  if (!rule.enabled) return null;
  const allowed = new Set<string>(rule.allowedAlgorithms);
  const allowedText = listed(rule.allowedAlgorithms, 10);
  const minimum: Readonly<Record<string, number>> = { RSA: rule.minRsaBits, EC: rule.minEcBits, DSA: rule.minDsaBits };
  const advice = `rekey it with ECDSA P-256 or RSA ${Math.max(rule.minRsaBits, 2048)} bits or more and reissue`;
  return (facts, _context, out) => {
    const key = facts.publicKey;
    if (!allowed.has(key.algorithm)) {
      const name = key.algorithm === 'other' ? `an unrecognised (${key.algorithmOid})` : `a ${key.algorithm}`;
      out.push(
        violation(
          POLICY_RULES.keyAlgorithm,
          rule.severity,
          `${certificateLabel(facts)} has ${name} public key; the policy allows ${allowedText} keys (NIST SP 800-131A)`,
          advice,
        ),
      );
      return;
    }
    const min = minimum[key.algorithm];
    if (min === undefined) return;
    const curve = key.curve === null ? '' : ` (${key.curve})`;
    if (key.sizeBits === null) {
      out.push(
        violation(
          POLICY_RULES.keySize,
          rule.severity,
          `${certificateLabel(facts)} has a ${key.algorithm} key${curve} of unknown size, so its strength cannot be confirmed (minimum ${min} bits)`,
          advice,
        ),
      );
    } else if (key.sizeBits < min) {
      out.push(
        violation(
          POLICY_RULES.keySize,
          rule.severity,
          `${certificateLabel(facts)} has a ${key.sizeBits}-bit ${key.algorithm} key${curve}; keys shorter than ${min} bits are forbidden by NIST SP 800-131A`,
          advice,
        ),
      );
    }
  };
}

const RSASSA_PSS_OID = '1.2.840.113549.1.1.10';

function signatureCheck(rule: Policy['rules']['signatureAlgorithm']): Check | null {
  if (!rule.enabled || rule.bannedHashes.length === 0) return null;
  const banned = new Set<string>(rule.bannedHashes);
  return (facts, _context, out) => {
    const { hash, name } = facts.signatureAlgorithm;
    if (hash === null || !banned.has(hash)) return;
    if (rule.exemptSelfSignedRoots && facts.selfSigned && facts.role === 'root') return;
    // RSASSA-PSS names its hash in its parameters, and parameters left out mean SHA-1 (RFC 4055).
    const pss = facts.signatureAlgorithm.oid === RSASSA_PSS_OID;
    out.push(
      violation(
        POLICY_RULES.signatureAlgorithm,
        rule.severity,
        pss
          ? `${certificateLabel(facts)} is signed with RSASSA-PSS whose parameters give ${hash} as the hash${hash === 'SHA-1' ? ' (explicitly or by leaving it out, as RFC 4055 defaults to SHA-1)' : ''}; ${hash} signatures are forbidden by NIST SP 800-131A`
          : `${certificateLabel(facts)} is signed with ${hash} (${name}); ${hash} signatures are forbidden by NIST SP 800-131A`,
        pss
          ? 'reissue it with SHA-256 or stronger: RSASSA-PSS parameters naming SHA-256 (or SHA-384, SHA-512) as the hash and for MGF1 (CA/Browser Forum BR 7.1.3.2)'
          : 'reissue it with SHA-256 or stronger',
      ),
    );
  };
}

interface CompiledAttributeRule {
  readonly name: SubjectAttributeName;
  readonly oid: string;
  readonly required: boolean;
  readonly allowed: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
  readonly constrained: boolean;
  readonly expectation: string;
}

function subjectDnCheck(rule: Policy['rules']['subjectDn']): Check | null {
  if (!rule.enabled) return null;
  const attributes: CompiledAttributeRule[] = [];
  for (const name of Object.keys(SUBJECT_ATTRIBUTE_OIDS) as SubjectAttributeName[]) {
    const attribute = rule.attributes[name];
    if (attribute === undefined) continue;
    const expectations = [
      ...attribute.allowed.map((value) => JSON.stringify(value)),
      ...attribute.patterns.map((pattern) => `/${pattern}/`),
    ];
    attributes.push({
      name,
      oid: SUBJECT_ATTRIBUTE_OIDS[name],
      required: attribute.required,
      allowed: new Set(attribute.allowed.map(foldDnValue)),
      patterns: attribute.patterns.map((pattern) => new RegExp(`^(?:${pattern})$`, 'iu')),
      constrained: expectations.length > 0,
      expectation: listed(expectations),
    });
  }
  if (attributes.length === 0) return null;
  return (facts, _context, out) => {
    if (facts.role !== 'end-entity') return;
    for (const attribute of attributes) {
      const values = facts.subject.attributes.filter((candidate) => candidate.oid === attribute.oid);
      if (values.length === 0 && attribute.required) {
        out.push(
          violation(
            POLICY_RULES.subjectDn,
            rule.severity,
            `${certificateLabel(facts)} has no ${attribute.name} in its subject (${facts.subject.text || 'empty'}); the policy requires one (NIST SP 1800-16 5.1.7)`,
            `reissue it with a subject ${attribute.name}${attribute.constrained ? ` of ${attribute.expectation}` : ''}`,
          ),
        );
      }
      if (!attribute.constrained) continue;
      for (const { value } of values) {
        if (attribute.allowed.has(foldDnValue(value)) || attribute.patterns.some((pattern) => pattern.test(value))) {
          continue;
        }
        out.push(
          violation(
            POLICY_RULES.subjectDn,
            rule.severity,
            `${certificateLabel(facts)} has subject ${attribute.name}=${JSON.stringify(value)}, which the policy does not allow (NIST SP 1800-16 5.1.7)`,
            `reissue it with a subject ${attribute.name} of ${attribute.expectation}`,
          ),
        );
      }
    }
  };
}

function wildcardCheck(rule: Policy['rules']['wildcardNames']): Check | null {
  if (!rule.enabled) return null;
  const exceptions = new Set(rule.allowed.map((name) => name.toLowerCase()));
  return (facts, _context, out) => {
    if (facts.role !== 'end-entity') return;
    let found: string[] | undefined;
    const consider = (name: string | null): void => {
      if (name === null || !name.includes('*') || exceptions.has(name.toLowerCase())) return;
      found ??= [];
      if (!found.includes(name)) found.push(name);
    };
    consider(facts.subject.commonName);
    for (const name of facts.subjectAltNames.dns) consider(name);
    if (found === undefined) return;
    out.push(
      violation(
        POLICY_RULES.wildcardName,
        rule.severity,
        `${certificateLabel(facts)} names ${listed(found)}; wildcards in CNs and SANs are forbidden (NIST SP 1800-16 5.1.7)`,
        'reissue it for the exact host names it serves; if the wildcard is an approved exception, add it to rules.wildcardNames.allowed',
      ),
    );
  };
}

const COMMON_NAME_OID = '2.5.4.3';
const SUBJECT_ALT_NAME_OID = '2.5.29.17';
/** RFC 5280's ub-common-name: a CN holds at most 64 characters. */
const MAX_COMMON_NAME_LENGTH = 64;
/** RFC 5280 4.1.2.2: conforming CAs use serial numbers of at most 20 octets. */
const MAX_SERIAL_OCTETS = 20;

/** An end-entity certificate usable for TLS servers: serverAuth, anyExtendedKeyUsage, or no EKU (any use). */
function isTlsServerCertificate(facts: CertificateFacts): boolean {
  if (facts.role !== 'end-entity') return false;
  const usages = facts.extendedKeyUsage;
  return usages.length === 0 || usages.includes('serverAuth') || usages.includes('anyExtendedKeyUsage');
}

function subjectAltNameCount(facts: CertificateFacts): number {
  const names = facts.subjectAltNames;
  return names.dns.length + names.ip.length + names.email.length + names.uri.length + names.other.length;
}

/** The SAN extension is there but unreadable: the extension-encoding rule reports it, not a missing or wrong name. */
function subjectAltNamesUnreadable(facts: CertificateFacts): boolean {
  return (facts.malformedExtensions ?? []).some((extension) => extension.oid === SUBJECT_ALT_NAME_OID);
}

function commonNames(facts: CertificateFacts): string[] {
  return facts.subject.attributes.filter((attribute) => attribute.oid === COMMON_NAME_OID).map(({ value }) => value);
}

function subjectAltNamesCheck(rule: Policy['rules']['subjectAltNames']): Check | null {
  if (!rule.enabled) return null;
  return (facts, _context, out) => {
    if (!isTlsServerCertificate(facts) || subjectAltNameCount(facts) > 0 || subjectAltNamesUnreadable(facts)) return;
    const names = commonNames(facts);
    out.push(
      violation(
        POLICY_RULES.subjectAltNames,
        rule.severity,
        `${certificateLabel(facts)} has no subject alternative names; TLS clients match host names against SANs only and ignore the CN, so browsers refuse it (CA/Browser Forum BR 7.1.2.7.12, RFC 6125)`,
        `reissue it with every host name it serves as a DNS SAN${names.length > 0 ? ` (${listed(names)} among them)` : ''}`,
      ),
    );
  };
}

function commonNameInSansCheck(rule: Policy['rules']['commonNameInSans']): Check | null {
  if (!rule.enabled) return null;
  return (facts, _context, out) => {
    // Without readable SANs there is nothing to compare with; the subject-alt-names rule says what to do.
    if (!isTlsServerCertificate(facts) || subjectAltNameCount(facts) === 0) return;
    const { dns, ip } = facts.subjectAltNames;
    const among = (name: string) => {
      const folded = name.toLowerCase();
      return dns.some((san) => san.toLowerCase() === folded) || ip.some((san) => san.toLowerCase() === folded);
    };
    const strays = commonNames(facts).filter((name) => !among(name));
    if (strays.length === 0) return;
    const quoted = strays.map((name) => JSON.stringify(name));
    out.push(
      violation(
        POLICY_RULES.commonNameInSans,
        rule.severity,
        `${certificateLabel(facts)} has CN ${listed(quoted)}, which is not among its DNS or IP subject alternative names (${listed([...dns, ...ip]) || 'none'}); a CN must repeat one of them (CA/Browser Forum BR 7.1.4.3)`,
        `reissue it with ${listed(quoted)} added as a SAN, or with a CN that is one of its SANs`,
      ),
    );
  };
}

function commonNameLengthCheck(rule: Policy['rules']['commonNameLength']): Check | null {
  if (!rule.enabled) return null;
  return (facts, _context, out) => {
    if (facts.role !== 'end-entity') return;
    for (const { oid, value: name } of facts.subject.attributes) {
      // UTF-16 length bounds the character count from above: only a long one is counted by code point.
      if (oid !== COMMON_NAME_OID || name.length <= MAX_COMMON_NAME_LENGTH) continue;
      const length = [...name].length;
      if (length <= MAX_COMMON_NAME_LENGTH) continue;
      out.push(
        violation(
          POLICY_RULES.commonNameLength,
          rule.severity,
          `${certificateLabel(facts)} has a CN of ${length} characters (${JSON.stringify(`${[...name].slice(0, 40).join('')}…`)}); RFC 5280 allows at most ${MAX_COMMON_NAME_LENGTH} (ub-common-name), and OpenSSL and strict clients refuse longer ones`,
          `reissue it with a CN of at most ${MAX_COMMON_NAME_LENGTH} characters (a host name that is one of its SANs) and the long names as DNS SANs only`,
        ),
      );
    }
  };
}

function serialNumberCheck(rule: Policy['rules']['serialNumber']): Check | null {
  if (!rule.enabled) return null;
  return (facts, _context, out) => {
    if (facts.role !== 'end-entity' && !rule.includeCaCertificates) return;
    // Facts stored before certflow recorded the encoding have none; re-importing the certificate fills it in.
    const encoding = facts.serialNumberEncoding;
    if (encoding === undefined) return;
    const problems: string[] = [];
    if (encoding.zero) problems.push('zero');
    else if (encoding.negative) problems.push('negative');
    if (encoding.derLength > MAX_SERIAL_OCTETS) problems.push(`${encoding.derLength} octets long`);
    if (problems.length === 0) return;
    out.push(
      violation(
        POLICY_RULES.serialNumber,
        rule.severity,
        `${certificateLabel(facts)} has serial number ${facts.serialNumber || '0'} (DER ${encoding.derHex || 'empty'}), which is ${problems.join(' and ')}; RFC 5280 4.1.2.2 requires a positive serial number of at most ${MAX_SERIAL_OCTETS} octets, and strict clients refuse others`,
        `reissue it from a CA that generates positive serial numbers of at most ${MAX_SERIAL_OCTETS} octets (64 to 159 random bits; the CA/Browser Forum requires at least 64)`,
      ),
    );
  };
}

function extensionEncodingCheck(rule: Policy['rules']['extensionEncoding']): Check | null {
  if (!rule.enabled) return null;
  return (facts, _context, out) => {
    if (facts.role !== 'end-entity' && !rule.includeCaCertificates) return;
    for (const extension of facts.malformedExtensions ?? []) {
      const which =
        extension.name === extension.oid
          ? `extension ${extension.oid}`
          : `${extension.name} extension (${extension.oid})`;
      const consequence = extension.critical
        ? 'it is critical, so clients must reject the certificate'
        : 'clients that read it may reject the certificate or ignore what it says';
      out.push(
        violation(
          POLICY_RULES.extensionEncoding,
          rule.severity,
          `${certificateLabel(facts)} has a malformed ${extension.critical ? 'critical ' : ''}${which}: ${extension.problem}; ${consequence} (RFC 5280 4.2)`,
          'reissue it from a CA that encodes every extension once and as RFC 5280 defines it; a certificate cannot be repaired in place',
        ),
      );
    }
  };
}

function compileChecks(policy: Policy): Check[] {
  const { rules } = policy;
  return [
    approvedCaCheck(rules.approvedCas),
    validityCheck(rules.validityPeriod),
    keyCheck(rules.keySize),
    signatureCheck(rules.signatureAlgorithm),
    subjectDnCheck(rules.subjectDn),
    wildcardCheck(rules.wildcardNames),
    subjectAltNamesCheck(rules.subjectAltNames),
    commonNameInSansCheck(rules.commonNameInSans),
    commonNameLengthCheck(rules.commonNameLength),
    serialNumberCheck(rules.serialNumber),
    extensionEncodingCheck(rules.extensionEncoding),
  ].filter((check): check is Check => check !== null);
}

const REQUIRED_OBJECTS = ['subject', 'issuer', 'subjectAltNames', 'publicKey', 'signatureAlgorithm'] as const;

function assertEvaluable(facts: CertificateFacts, evaluatedAt: string): void {
  if (typeof facts !== 'object' || facts === null || typeof facts.fingerprintSha256 !== 'string') {
    throw new PolicyEvaluationError(
      'certificate facts without a fingerprintSha256 cannot be evaluated; pass the facts the certificate parser returned',
    );
  }
  const missing = REQUIRED_OBJECTS.filter((field) => typeof facts[field] !== 'object' || facts[field] === null);
  if (missing.length > 0) {
    throw new PolicyEvaluationError(
      `certificate ${facts.fingerprintSha256.slice(0, 16)} lacks ${missing.join(', ')} in its facts; re-import it so certflow parses it again`,
    );
  }
  if (typeof evaluatedAt !== 'string' || Number.isNaN(Date.parse(evaluatedAt))) {
    throw new PolicyEvaluationError(
      `evaluatedAt ${JSON.stringify(evaluatedAt)} is not an ISO 8601 instant; pass e.g. 2026-01-01T00:00:00.000Z`,
    );
  }
}

/**
 * Evaluates one certificate against a policy (or a compiled policy) and returns its compliance with every violation
 * naming the rule, the certificate and the fix (R-POL-6). `evaluatedAt` is an ISO 8601 instant.
 */
export function evaluateCertificatePolicy(
  facts: CertificateFacts,
  policy: Policy | CompiledPolicy,
  evaluatedAt: string,
  context: PolicyEvaluationContext = {},
): PolicyResult {
  assertEvaluable(facts, evaluatedAt);
  const compiled = policy instanceof CompiledPolicy ? policy : compilePolicy(policy);
  const violations: PolicyViolation[] = [];
  try {
    compiled.check(facts, context, violations);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new PolicyEvaluationError(
      `certificate ${facts.fingerprintSha256.slice(0, 16)} has incomplete facts (${error.message}); re-import it so certflow parses it again`,
    );
  }
  return {
    fingerprintSha256: facts.fingerprintSha256,
    policyVersion: compiled.version,
    compliant: violations.length === 0,
    violations,
    evaluatedAt,
  };
}

/** True when the result has a weak key (R-POL-3) or a weak signature hash (R-POL-4): a crypto-agility target. */
export function isWeakCertificate(result: PolicyResult): boolean {
  return result.violations.some((violation) => violation.ruleId === 'R-POL-3' || violation.ruleId === 'R-POL-4');
}
