/**
 * The certificate policy (R-POL-1 … R-POL-5, RFC-5280) and the lifecycle-schedule settings (R-MON-1 … R-MON-4): the
 * types, the zod schema that validates a policy file, and NIST SP 1800-16B's suggested values as every default.
 */
import { z } from 'zod';
import type { KeyAlgorithm, SignatureHash } from '../certificates/certificate-facts';
import { normalizeHex } from '../certificates/hex';
import type { ViolationSeverity } from '../inventory/model';
import { ISSUER_NAME } from '../issuers/choose-issuer';

/** A CA allowed to issue certificates (R-POL-1). Every identifier given must match; give at least one. */
export interface ApprovedCa {
  /** Human name used in violation messages, e.g. `Example Issuing CA 1`. */
  readonly name: string;
  /** The CA's subject DN, matched against a certificate's issuer DN (RFC 4514, attribute order either way). */
  readonly issuerDn?: string;
  /** The CA's subject key identifier in hex, matched against a certificate's authority key identifier. */
  readonly issuerKeyId?: string;
  /** SHA-256 fingerprint of the CA certificate, matched against the issuing certificate found in the inventory. */
  readonly fingerprintSha256?: string;
}

/** What every rule has: an off switch and the severity of its violations. */
export interface RuleSettings {
  readonly enabled: boolean;
  readonly severity: ViolationSeverity;
}

/** R-POL-1: only approved CAs may issue. An empty `cas` list means "not configured" and the rule checks nothing. */
export interface ApprovedCasRule extends RuleSettings {
  /** Also check CA certificates: one is approved when it or its issuer is on the list. */
  readonly includeCaCertificates: boolean;
  readonly cas: readonly ApprovedCa[];
}

/** R-POL-2: the longest allowed validity period in days, notBefore to notAfter with both ends included (RFC 5280). */
export interface ValidityPeriodRule extends RuleSettings {
  /** Limit for end-entity certificates of private CAs, and for every certificate when `publicTrust` is off. */
  readonly maxDays: number;
  /** Limit for CA certificates (intermediates and roots), or null: CA certificates are exempt. */
  readonly caMaxDays: number | null;
  /**
   * Also hold end-entity certificates of publicly-trusted CAs to the CA/Browser Forum maximum in force on their
   * notBefore (SC-081v3: 200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15), when it is lower.
   */
  readonly publicTrust: boolean;
  /**
   * Private CAs: their certificates keep `maxDays`. certflow's own internal CA and self-signed certificates are private
   * without being listed; every other issuer counts as publicly trusted.
   */
  readonly privateCas: readonly ApprovedCa[];
}

/** R-POL-3: which public-key algorithms are allowed and their minimum sizes. */
export interface KeySizeRule extends RuleSettings {
  readonly allowedAlgorithms: readonly KeyAlgorithm[];
  readonly minRsaBits: number;
  /** Minimum EC field size: P-224 is 224, P-256 is 256. */
  readonly minEcBits: number;
  /** Minimum DSA modulus, used only when DSA is added to `allowedAlgorithms`. */
  readonly minDsaBits: number;
}

/** Hash functions a policy can ban in signatures. */
export type BannableHash = Exclude<SignatureHash, null>;

/** R-POL-4: hash functions a certificate's signature must not use. */
export interface SignatureAlgorithmRule extends RuleSettings {
  readonly bannedHashes: readonly BannableHash[];
  /** A self-signed root's own signature is not relied on (the anchor is trusted as a key), so it is not checked. */
  readonly exemptSelfSignedRoots: boolean;
}

/** Subject DN attributes a policy can constrain. */
export type SubjectAttributeName = 'O' | 'OU' | 'L' | 'ST' | 'C';

/** Constraint on one subject attribute. With no `allowed` values and no `patterns`, any value is fine. */
export interface SubjectAttributeRule {
  /** The attribute must be present. */
  readonly required: boolean;
  /** Exact values allowed, compared case-insensitively with runs of spaces folded. */
  readonly allowed: readonly string[];
  /** JavaScript regular expressions a value may match instead, whole value, case-insensitive. */
  readonly patterns: readonly string[];
}

/** R-POL-5: subject DN rules for end-entity certificates. */
export interface SubjectDnRule extends RuleSettings {
  readonly attributes: { readonly [name in SubjectAttributeName]?: SubjectAttributeRule };
}

/** R-POL-5: the wildcard ban on end-entity CNs and DNS SANs. */
export interface WildcardNamesRule extends RuleSettings {
  /** Wildcard names that are approved exceptions, e.g. `*.cdn.example.com`; compared case-insensitively. */
  readonly allowed: readonly string[];
}

/** A rule about a certificate's encoding (RFC-5280) that CA certificates may be held to as well. */
export interface EncodingRule extends RuleSettings {
  /** Also check intermediates and roots, which are often old and out of the certificate owner's hands. */
  readonly includeCaCertificates: boolean;
}

/** Every policy rule. */
export interface PolicyRules {
  readonly approvedCas: ApprovedCasRule;
  readonly validityPeriod: ValidityPeriodRule;
  readonly keySize: KeySizeRule;
  readonly signatureAlgorithm: SignatureAlgorithmRule;
  readonly subjectDn: SubjectDnRule;
  readonly wildcardNames: WildcardNamesRule;
  /** R-POL-5: a TLS server certificate carries subject alternative names (CA/B Forum BR 7.1.2.7.12). */
  readonly subjectAltNames: RuleSettings;
  /** R-POL-5: a TLS server certificate's CN is one of its DNS or IP SANs (CA/B Forum BR 7.1.4.3). */
  readonly commonNameInSans: RuleSettings;
  /** R-POL-5: a CN is at most 64 characters (RFC 5280 ub-common-name). */
  readonly commonNameLength: RuleSettings;
  /** RFC-5280: the serial number is positive and at most 20 octets (RFC 5280 4.1.2.2). */
  readonly serialNumber: EncodingRule;
  /** RFC-5280: every extension's value is readable and none is repeated (RFC 5280 4.2). */
  readonly extensionEncoding: EncodingRule;
}

/** When reminders, the ticket, the escalation and the renewal deadline fall (R-MON-1 … R-MON-4), in days before notAfter. */
export interface LifecycleSettings {
  readonly reminderDays: readonly number[];
  /** The Jira change ticket opens here (R-MON-2). */
  readonly ticketDaysBefore: number;
  /** Escalation to management and incident response when not yet renewed (R-MON-3). */
  readonly escalationDaysBefore: number;
  /** Renewal must be complete (renewed, installed, tested) by here (R-MON-4). */
  readonly renewalDeadlineDaysBefore: number;
  /** Certificates living less than this many days are short-lived: their schedule scales with their lifetime. */
  readonly shortLivedThresholdDays: number;
  /** Fraction of a short-lived certificate's lifetime by which renewal must be complete. */
  readonly shortLivedRenewalFraction: number;
  /**
   * No reminder or ticket falls more than this fraction of a certificate's lifetime before its notAfter (0.6: none in
   * the first 40% of its life); offsets that would are compressed toward the renewal deadline. Absent only in
   * lifecycle contexts recorded before it existed, which keep the uncompressed plan.
   */
  readonly maxLeadFraction?: number;
}

/** A group's own schedule settings inside the policy file. */
export interface GroupScheduleOverride {
  readonly reminderDays: readonly number[];
}

/** Lifecycle settings plus per-group reminder overrides keyed by owner-group id. */
export interface ScheduleSettings extends LifecycleSettings {
  readonly groups: { readonly [groupId: string]: GroupScheduleOverride };
}

/** Key types certflow generates for a renewal; `same` keeps the replaced key's algorithm at a compliant size. */
export const RENEWAL_KEY_TYPES = ['same', 'EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096'] as const;

/** One of {@link RENEWAL_KEY_TYPES}. */
export type RenewalKeyType = (typeof RENEWAL_KEY_TYPES)[number];

/** How certflow renews and revokes (R-RA-3, R-REN-1, R-REV-1). Durations are days and may be fractions. */
export interface RenewalSettings {
  /** An approval unanswered this long is re-sent to the approvers; unanswered as long again, it is escalated. */
  readonly approvalReminderDays: number;
  /** The replaced certificate is revoked this long after its successor is installed and verified. */
  readonly revocationDelayDays: number;
  /** Key of the new certificate; a new key pair every renewal. */
  readonly keyType: RenewalKeyType;
  /** Lifetime of a renewed certificate; null keeps the replaced one's, capped by the validity rule's maxDays. */
  readonly validityDays: number | null;
  /** Deploy only once the cycle's change ticket is approved in the ticketing system, and not before its window. */
  readonly requireChangeApproval: boolean;
  /**
   * The issuer that renews certificates no owner group or campaign assigns (issue 19), e.g. `acme:letsencrypt`;
   * absent or null: the issuer of the current version, else the issuers file's default.
   */
  readonly issuer?: string | null;
}

/** A complete, validated certflow policy: every key present. */
export interface Policy {
  readonly rules: PolicyRules;
  readonly schedule: ScheduleSettings;
  readonly renewal: RenewalSettings;
}

/** Severities in the order of the model's `ViolationSeverity`, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const satisfies readonly ViolationSeverity[];

/** Key algorithms a policy can allow. */
export const KEY_ALGORITHMS = [
  'RSA',
  'EC',
  'Ed25519',
  'Ed448',
  'DSA',
  'other',
] as const satisfies readonly KeyAlgorithm[];

/** Hash functions a policy can ban. */
export const BANNABLE_HASHES = [
  'MD2',
  'MD5',
  'SHA-1',
  'SHA-224',
  'SHA-256',
  'SHA-384',
  'SHA-512',
] as const satisfies readonly BannableHash[];

/** Subject attributes a policy can constrain, with their OIDs (X.520). */
export const SUBJECT_ATTRIBUTE_OIDS: Readonly<Record<SubjectAttributeName, string>> = {
  O: '2.5.4.10',
  OU: '2.5.4.11',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  C: '2.5.4.6',
};

/** Longest schedule offset accepted, in days: ten years, beyond any sensible reminder. */
export const MAX_SCHEDULE_DAYS = 3650;

/** DN attribute names and OIDs a policy may write, mapped to the OID the parser reports. */
const DN_ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  cn: '2.5.4.3',
  commonname: '2.5.4.3',
  o: '2.5.4.10',
  organizationname: '2.5.4.10',
  ou: '2.5.4.11',
  organizationalunitname: '2.5.4.11',
  l: '2.5.4.7',
  localityname: '2.5.4.7',
  st: '2.5.4.8',
  stateorprovincename: '2.5.4.8',
  c: '2.5.4.6',
  countryname: '2.5.4.6',
  street: '2.5.4.9',
  streetaddress: '2.5.4.9',
  serialnumber: '2.5.4.5',
  dc: '0.9.2342.19200300.100.1.25',
  domaincomponent: '0.9.2342.19200300.100.1.25',
  uid: '0.9.2342.19200300.100.1.1',
  e: '1.2.840.113549.1.9.1',
  emailaddress: '1.2.840.113549.1.9.1',
};

/** Folds a DN attribute value the way X.520 caseIgnoreMatch compares it: trimmed, spaces folded, lowercase. */
export function foldDnValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** A DN attribute as a comparison key, `<oid>=<folded value>`. */
export function dnAttributeKey(oid: string, value: string): string {
  return `${oid}=${foldDnValue(value)}`;
}

const utf8 = new TextDecoder();

/** Splits RFC 4514 text at unescaped separators, undoing `\,` and UTF-8 `\C3\A9` escapes; null when malformed. */
function splitDnText(text: string): { type: string; value: string }[] | null {
  const attributes: { type: string; value: string }[] = [];
  let current = '';
  let type: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '\\') {
      const bytes: number[] = [];
      while (text[i] === '\\' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 3;
      }
      if (bytes.length > 0) {
        current += utf8.decode(new Uint8Array(bytes));
        i--;
      } else if (i + 1 < text.length) {
        current += text[++i];
      } else {
        return null;
      }
    } else if (char === '=' && type === null) {
      type = current.trim();
      current = '';
    } else if (char === ',' || char === '+' || char === ';') {
      if (type === null || type === '') return null;
      attributes.push({ type, value: current });
      type = null;
      current = '';
    } else {
      current += char;
    }
  }
  if (type === null || type === '') return null;
  attributes.push({ type, value: current });
  return attributes;
}

/**
 * Reads a DN written in a policy (`CN=Example CA, O=Example, C=US`) into attribute keys in written order, or
 * returns a reason it cannot be read.
 */
export function parseDnKeys(text: string): { keys: string[] } | { error: string } {
  const attributes = splitDnText(text);
  if (attributes === null || attributes.length === 0) {
    return { error: 'expected a distinguished name such as "CN=Example Issuing CA, O=Example Inc, C=US"' };
  }
  const keys: string[] = [];
  for (const { type, value } of attributes) {
    const oid = /^\d+(\.\d+)+$/.test(type) ? type : DN_ATTRIBUTE_OIDS[type.toLowerCase()];
    if (oid === undefined) {
      return { error: `unknown attribute type "${type}"; use CN, O, OU, L, ST, C, DC, emailAddress or a dotted OID` };
    }
    keys.push(dnAttributeKey(oid, value));
  }
  return { keys };
}

function wholeNumber(min: number, max?: number) {
  const expected =
    max === undefined ? `expected a whole number >= ${min}` : `expected a whole number from ${min} to ${max}`;
  const schema = z.number({ error: expected }).int().min(min);
  return max === undefined ? schema : schema.max(max);
}

function text(what: string) {
  return z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1);
}

function flag() {
  return z.boolean({ error: 'expected true or false' });
}

const severitySchema = z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` });

function hexIdentifier(what: string, length?: number) {
  return text(what).refine(
    (value) => {
      const hex = normalizeHex(value);
      return /^[0-9a-f]+$/.test(hex) && hex.length % 2 === 0 && (length === undefined || hex.length === length);
    },
    { error: `expected ${what}` },
  );
}

const dnSchema = text('a distinguished name').superRefine((value, context) => {
  const parsed = parseDnKeys(value);
  if ('error' in parsed) context.addIssue({ code: 'custom', message: parsed.error, input: value });
});

const approvedCaSchema = z
  .strictObject(
    {
      name: text('a name for the CA'),
      issuerDn: dnSchema.optional(),
      issuerKeyId: hexIdentifier('a key identifier in hex, e.g. 0a1b2c3d…').optional(),
      fingerprintSha256: hexIdentifier('a SHA-256 fingerprint: 64 hex digits', 64).optional(),
    },
    { error: 'expected a mapping with name and issuerDn, issuerKeyId or fingerprintSha256' },
  )
  .refine((ca) => ca.issuerDn !== undefined || ca.issuerKeyId !== undefined || ca.fingerprintSha256 !== undefined, {
    error: 'identifies no CA; give issuerDn, issuerKeyId or fingerprintSha256 (or several: all must match)',
  });

function uniqueList<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, { error: `expected a list of ${what}` }).superRefine((values, context) => {
    const seen = new Set<unknown>();
    for (const value of values) {
      if (seen.has(value)) {
        context.addIssue({
          code: 'custom',
          message: `lists ${JSON.stringify(value)} twice; give each once`,
          input: values,
        });
      }
      seen.add(value);
    }
  });
}

/**
 * A strict object whose absence means "all defaults": `prefault` runs `{}` through the schema to fill them in. An
 * empty YAML section (`rules:` with everything below commented out) reads as null and counts as absent.
 */
function mapping<T extends z.core.$ZodLooseShape>(shape: T) {
  const schema = z.strictObject(shape, { error: 'expected a mapping of keys to values' });
  // Every key below has a default, which TypeScript cannot see through the generic shape.
  const defaulted = schema.prefault({} as z.input<typeof schema>);
  return z.preprocess((value) => (value === null ? undefined : value), defaulted);
}

const regexSchema = text('a regular expression').superRefine((pattern, context) => {
  try {
    new RegExp(pattern, 'iu');
  } catch (error) {
    context.addIssue({
      code: 'custom',
      message: `is not a valid regular expression (${(error as Error).message})`,
      input: pattern,
    });
  }
});

const subjectAttributeSchema = z.strictObject(
  {
    required: flag().default(false),
    allowed: z.array(text('an attribute value'), { error: 'expected a list of values' }).default([]),
    patterns: z.array(regexSchema, { error: 'expected a list of regular expressions' }).default([]),
  },
  { error: 'expected a mapping with required, allowed and patterns' },
);

const reminderDaysSchema = uniqueList(wholeNumber(1, MAX_SCHEDULE_DAYS), 'whole numbers of days')
  .min(1, { error: 'needs at least one reminder offset, e.g. [90, 60, 30]' })
  .transform((days) => [...days].sort((a, b) => b - a));

const positiveDays = (fallback: number) =>
  z
    .number({ error: 'expected a positive number of days (fractions allowed, e.g. 0.5 for 12 hours)' })
    .gt(0, { error: 'expected a positive number of days (fractions allowed, e.g. 0.5 for 12 hours)' })
    .max(MAX_SCHEDULE_DAYS)
    .default(fallback);

/**
 * The `renewal` section: NIST 5.1.13 revokes within days of replacement; R-RA-3's 3-day approval wait. Change
 * approval is off by default: NIST 5.2.9 leaves it to the organisation's change process.
 */
export const renewalSchema = mapping({
  approvalReminderDays: positiveDays(3),
  revocationDelayDays: positiveDays(5),
  keyType: z.enum(RENEWAL_KEY_TYPES, { error: `expected one of ${RENEWAL_KEY_TYPES.join(', ')}` }).default('same'),
  validityDays: wholeNumber(1, 36_500).nullable().default(null),
  requireChangeApproval: flag().default(false),
  issuer: z
    .string()
    .regex(ISSUER_NAME, { error: 'expected internal or acme:<name> as named in CERTFLOW_ISSUERS_FILE' })
    .nullable()
    .default(null),
});

/**
 * The zod schema of a policy file. Defaults are NIST SP 1800-16B Vol. B's suggested values:
 * - 5.1.3 Approved CAs: NIST lists placeholders only ("<External CA1> …"), so the list starts empty and the rule is
 *   off until configured: a made-up list would flag every certificate in a fresh inventory.
 * - 5.1.4 Validity Periods: "one year or less"; certflow uses 398 days for private CAs, the CA/Browser Forum's
 *   reading of a year plus renewal overlap, and for publicly-trusted CAs the Forum's maximum in force on the issue
 *   date (SC-081v3). A CA is private when listed in `privateCas`, when it is certflow's internal CA, or for a
 *   self-signed certificate; any other issuer is taken as public, so the stricter limit applies unless a CA is
 *   declared private. CA certificates are exempt by default: the section is about TLS server certificates, and
 *   roots and intermediates legitimately live for many years (set `caMaxDays` to limit them).
 * - 5.1.5 Key Length: RSA >= 2048, ECDSA >= 224 (NIST SP 800-131A). DSA is not allowed: SP 800-131A and FIPS
 *   186-5 withdrew it for signature generation.
 * - 5.1.6 Signing Algorithms: approved hashes per SP 800-131A, so MD2, MD5 and SHA-1 are banned.
 * - 5.1.7 Subject DN and SAN Contents: O/OU/L/ST/C values are organisation-specific placeholders, so no attribute
 *   is constrained by default; "The CNs and the SANs may not include wildcards", so the wildcard ban is on. What a
 *   CA/Browser Forum linter (zlint) flags in a TLS server certificate's names is on too: no SAN extension (browsers
 *   ignore the CN, so such a certificate fails in them), a CN that is not one of the SANs, a CN over 64 characters.
 * - Beyond NIST, RFC 5280's encoding rules that clients enforce: a positive serial of at most 20 octets and
 *   readable, unrepeated extensions, for end-entity certificates (CA certificates on request: an old root's negative
 *   serial is not its owner's to fix).
 * - 5.1.11 Proactive Certificate Renewal and 5.1.14 Continuous Monitoring: reminders 90, 60 and 30 days before
 *   expiry, renewal complete 30 days before, or before 80% of the lifetime for certificates under 60 days,
 *   escalation at 30 days. 5.2.9 and Figure 5-2 add the change ticket, opened at 60 days.
 */
export const policySchema = mapping({
  rules: mapping({
    approvedCas: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('high'),
      includeCaCertificates: flag().default(false),
      cas: z.array(approvedCaSchema, { error: 'expected a list of CAs' }).default([]),
    }),
    validityPeriod: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('medium'),
      maxDays: wholeNumber(1, 36_500).default(398),
      caMaxDays: wholeNumber(1, 36_500).nullable().default(null),
      publicTrust: flag().default(true),
      privateCas: z.array(approvedCaSchema, { error: 'expected a list of CAs' }).default([]),
    }),
    keySize: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('high'),
      allowedAlgorithms: uniqueList(
        z.enum(KEY_ALGORITHMS, { error: `expected one of ${KEY_ALGORITHMS.join(', ')}` }),
        'key algorithms',
      ).default(['RSA', 'EC', 'Ed25519', 'Ed448']),
      minRsaBits: wholeNumber(512).default(2048),
      minEcBits: wholeNumber(160).default(224),
      minDsaBits: wholeNumber(512).default(2048),
    }),
    signatureAlgorithm: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('high'),
      bannedHashes: uniqueList(
        z.enum(BANNABLE_HASHES, { error: `expected one of ${BANNABLE_HASHES.join(', ')}` }),
        'hash names',
      ).default(['MD2', 'MD5', 'SHA-1']),
      exemptSelfSignedRoots: flag().default(true),
    }),
    subjectDn: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('low'),
      attributes: z
        .strictObject(
          {
            O: subjectAttributeSchema.optional(),
            OU: subjectAttributeSchema.optional(),
            L: subjectAttributeSchema.optional(),
            ST: subjectAttributeSchema.optional(),
            C: subjectAttributeSchema.optional(),
          },
          { error: 'expected a mapping of O, OU, L, ST or C to a rule' },
        )
        .default({}),
    }),
    wildcardNames: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('medium'),
      allowed: z.array(text('a wildcard DNS name'), { error: 'expected a list of names' }).default([]),
    }),
    subjectAltNames: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('high'),
    }),
    commonNameInSans: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('medium'),
    }),
    commonNameLength: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('medium'),
    }),
    serialNumber: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('medium'),
      includeCaCertificates: flag().default(false),
    }),
    extensionEncoding: mapping({
      enabled: flag().default(true),
      severity: severitySchema.default('high'),
      includeCaCertificates: flag().default(false),
    }),
  }),
  schedule: mapping({
    reminderDays: reminderDaysSchema.default([90, 60, 30]),
    ticketDaysBefore: wholeNumber(1, MAX_SCHEDULE_DAYS).default(60),
    escalationDaysBefore: wholeNumber(1, MAX_SCHEDULE_DAYS).default(30),
    renewalDeadlineDaysBefore: wholeNumber(1, MAX_SCHEDULE_DAYS).default(30),
    shortLivedThresholdDays: wholeNumber(1, MAX_SCHEDULE_DAYS).default(60),
    shortLivedRenewalFraction: z
      .number({ error: 'expected a fraction greater than 0 and less than 1, e.g. 0.8' })
      .gt(0)
      .lt(1)
      .default(0.8),
    // 0.6 continues the short-lived plan's shape: NIST's 90-day reminder at 80% × 90/30 = 60% of the lifetime before expiry.
    maxLeadFraction: z
      .number({ error: 'expected a fraction greater than 0 and less than 1, e.g. 0.6' })
      .gt(0)
      .lt(1)
      .default(0.6),
    groups: z
      .record(
        text('an owner-group id'),
        z.strictObject({ reminderDays: reminderDaysSchema }, { error: 'expected a mapping with reminderDays' }),
        { error: 'expected a mapping of owner-group ids to their settings' },
      )
      .default({}),
  }).superRefine((schedule, context) => {
    // Zod runs this even when a field failed its own check; compare only values that passed.
    const valid = (days: unknown) => typeof days === 'number' && Number.isInteger(days) && days >= 1;
    if (!valid(schedule.escalationDaysBefore) || !valid(schedule.ticketDaysBefore)) return;
    if (!valid(schedule.renewalDeadlineDaysBefore) || !valid(schedule.shortLivedThresholdDays)) return;
    if (schedule.escalationDaysBefore > schedule.ticketDaysBefore) {
      context.addIssue({
        code: 'custom',
        path: ['escalationDaysBefore'],
        message: `escalation (${schedule.escalationDaysBefore} days before expiry) would come before the ticket it escalates (${schedule.ticketDaysBefore} days); make escalationDaysBefore <= ticketDaysBefore`,
        input: schedule.escalationDaysBefore,
      });
    }
    if (schedule.shortLivedThresholdDays <= schedule.renewalDeadlineDaysBefore) {
      context.addIssue({
        code: 'custom',
        path: ['shortLivedThresholdDays'],
        message: `must be greater than renewalDeadlineDaysBefore (${schedule.renewalDeadlineDaysBefore}), or a certificate just over the threshold would be due before it is issued`,
        input: schedule.shortLivedThresholdDays,
      });
    }
  }),
  renewal: renewalSchema,
});
