/**
 * Campaign selectors (R-CAM-1): the text grammar shared by Slack and the CLI, the JSON form of files, workflow inputs
 * and the HTTP API, a one-line description, and the predicate the SQL store must agree with. Pure.
 */
import { z } from 'zod';
import type { KeyAlgorithm, SignatureHash } from '../certificates/certificate-facts';
import type { CampaignSelector } from './model';
import { ISO_DATE_OR_INSTANT } from '../iso-date-time';

/** A selector that cannot be read; the message names the token or field and the fix. */
export class CampaignSelectorError extends Error {
  override readonly name = 'CampaignSelectorError';
}

type Hash = Exclude<SignatureHash, null>;
const HASHES: readonly Hash[] = ['MD2', 'MD5', 'SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'];
const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['RSA', 'EC', 'Ed25519', 'Ed448', 'DSA', 'other'];
/** The keys of the selector's text form (`sig=sha1 key-size<2048`), in the order usage messages list them. */
export const SELECTOR_KEYS = [
  'issuer',
  'issuer-fingerprint',
  'sig',
  'key',
  'key-size',
  'key-size-below',
  'not-before',
  'name',
  'group',
  'tag',
  'violates',
] as const;
const EMPTY_SELECTOR =
  'a campaign must select something: give at least one of issuer, issuer-fingerprint, sig, key, key-size<N, ' +
  'not-before, name, group, tag, violates';
const RULE_ID = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/;

/** The signature hash a user wrote (`sha1`, `SHA-1`, `sha-256`), or null when it is none. */
function normaliseHash(text: string): Hash | null {
  const compact = text.toUpperCase().replace(/[-_\s]/g, '');
  return HASHES.find((hash) => hash.replace('-', '') === compact) ?? null;
}

function normaliseKeyAlgorithm(text: string): KeyAlgorithm | null {
  const lower = text.toLowerCase();
  if (lower === 'ecdsa') return 'EC';
  return KEY_ALGORITHMS.find((algorithm) => algorithm.toLowerCase() === lower) ?? null;
}

/** Issuer DN as compared: separators as RFC 4514 text prints them (`, `), surrounding space dropped. */
export function normaliseIssuerDn(dn: string): string {
  return dn.trim().replace(/\s*(?<!\\),\s*/g, ', ');
}

function normaliseFingerprint(text: string): string | null {
  const hex = text.replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** An ISO date (00:00Z) or instant as canonical ISO 8601 UTC, or null. */
function instantOf(text: string): string | null {
  if (!ISO_DATE_OR_INSTANT.test(text)) return null;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** Splits on spaces outside double quotes; quotes are removed, `\"` keeps a quote. */
function tokenise(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted && char === '\\' && text[index + 1] === '"') {
      current += '"';
      index++;
    } else if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(char)) {
      if (started) tokens.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quoted) throw new CampaignSelectorError(`unclosed double quote in \`${text.trim()}\`: close it with "`);
  if (started) tokens.push(current);
  return tokens;
}

function list(token: string, value: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === ''))
    throw new CampaignSelectorError(`\`${token}\` has an empty list item: separate values with single commas`);
  return [...new Set(items)];
}

/** Reads the text form (`issuer="CN=Old CA" sig=sha1 group=payments,web`) of Slack and the CLI. */
export function parseCampaignSelectorText(text: string): CampaignSelector {
  const fields: Record<string, unknown> = {};
  const seen = new Set<string>();
  const once = (key: string, token: string) => {
    if (seen.has(key)) throw new CampaignSelectorError(`\`${token}\`: ${key} is given twice; give it once`);
    seen.add(key);
  };
  for (const token of tokenise(text)) {
    const match = /^([a-z][a-z-]*)(=|<)(.*)$/is.exec(token);
    if (match === null)
      throw new CampaignSelectorError(`\`${token}\` is not key=value: write e.g. sig=sha1 or issuer="CN=Old CA"`);
    const key = match[1]!.toLowerCase();
    const operator = match[2]!;
    const value = match[3]!.trim();
    if (!(SELECTOR_KEYS as readonly string[]).includes(key)) {
      const closest = [...SELECTOR_KEYS].sort((a, b) => editDistance(key, a) - editDistance(key, b))[0]!;
      const hint = editDistance(key, closest) <= 2 ? `; did you mean ${closest}?` : '';
      throw new CampaignSelectorError(`unknown key \`${key}\`: use one of ${SELECTOR_KEYS.join(', ')}${hint}`);
    }
    if (value === '') throw new CampaignSelectorError(`\`${token}\` has no value: give one after ${operator}`);
    if (operator === '<' && key !== 'key-size' && key !== 'key')
      throw new CampaignSelectorError(`\`${token}\`: only key-size<N and key=ALG<N take <; write ${key}=…`);
    switch (key) {
      case 'issuer':
        once('issuer', token);
        fields.issuerDn = normaliseIssuerDn(value);
        break;
      case 'issuer-fingerprint': {
        once('issuer-fingerprint', token);
        const hex = normaliseFingerprint(value);
        if (hex === null)
          throw new CampaignSelectorError(`\`${token}\`: give the issuer's SHA-256 fingerprint as 64 hex digits`);
        fields.issuerFingerprint = hex;
        break;
      }
      case 'sig':
        once('sig', token);
        fields.signatureHashes = list(token, value).map((item) => {
          const hash = normaliseHash(item);
          if (hash === null)
            throw new CampaignSelectorError(`\`${token}\`: unknown signature hash "${item}"; use ${HASHES.join(', ')}`);
          return hash;
        });
        break;
      case 'key': {
        once('key', token);
        if (operator === '<')
          throw new CampaignSelectorError(`\`${token}\`: write key=ALGORITHM (e.g. key=RSA<2048) or key-size<N`);
        const [algorithmText, bound] = value.split('<');
        const algorithm = normaliseKeyAlgorithm(algorithmText!.trim());
        if (algorithm === null)
          throw new CampaignSelectorError(`\`${token}\`: unknown key algorithm; use ${KEY_ALGORITHMS.join(', ')}`);
        fields.keyAlgorithm = algorithm;
        if (bound !== undefined) {
          once('key-size', token);
          fields.keySizeBelow = keySize(token, bound);
        }
        break;
      }
      case 'key-size':
        if (operator !== '<') throw new CampaignSelectorError(`\`${token}\`: write key-size<N or key-size-below=N`);
        once('key-size', token);
        fields.keySizeBelow = keySize(token, value);
        break;
      case 'key-size-below':
        once('key-size', token);
        fields.keySizeBelow = keySize(token, value);
        break;
      case 'not-before': {
        once('not-before', token);
        const parts = value.split('..');
        if (parts.length !== 2)
          throw new CampaignSelectorError(`\`${token}\`: write not-before=FROM..UNTIL (either side may be empty)`);
        const [from, until] = parts.map((part) => part.trim());
        if (from !== '') fields.notBeforeFrom = instant(token, from!);
        if (until !== '') fields.notBeforeUntil = instant(token, until!);
        break;
      }
      case 'name':
        once('name', token);
        fields.names = list(token, value);
        break;
      case 'group':
        once('group', token);
        fields.ownerGroups = list(token, value);
        break;
      case 'tag':
        once('tag', token);
        fields.tags = list(token, value);
        break;
      case 'violates':
        once('violates', token);
        fields.violations = list(token, value).map((item) => item.toUpperCase());
        break;
    }
  }
  return validateCampaignSelector(fields);
}

function keySize(token: string, text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new CampaignSelectorError(`\`${token}\`: the key size bound must be a whole number of bits, e.g. 2048`);
  return Number(text);
}

function instant(token: string, text: string): string {
  const value = instantOf(text);
  if (value === null)
    throw new CampaignSelectorError(
      `\`${token}\`: "${text}" is no date; use 2026-01-31 (00:00Z) or an ISO instant such as 2026-01-31T12:00:00Z`,
    );
  return value;
}

const nonEmptyText = z.string().trim().min(1, { error: 'must not be empty' });
const textList = z.array(nonEmptyText).min(1, { error: 'give at least one value' });
const instantSchema = z.string().transform((text, context) => {
  const value = instantOf(text);
  if (value === null) {
    context.addIssue({ code: 'custom', message: `"${text}" is no ISO 8601 date or instant (2026-01-31T00:00:00Z)` });
    return z.NEVER;
  }
  return value;
});
const selectorSchema = z.strictObject({
  issuerDn: nonEmptyText.transform(normaliseIssuerDn).optional(),
  issuerFingerprint: z
    .string()
    .transform((text, context) => {
      const hex = normaliseFingerprint(text);
      if (hex === null) {
        context.addIssue({ code: 'custom', message: 'expected a SHA-256 fingerprint, 64 hex digits' });
        return z.NEVER;
      }
      return hex;
    })
    .optional(),
  signatureHashes: z
    .array(
      z.string().transform((text, context) => {
        const hash = normaliseHash(text);
        if (hash === null) {
          context.addIssue({ code: 'custom', message: `unknown signature hash "${text}"; use ${HASHES.join(', ')}` });
          return z.NEVER;
        }
        return hash;
      }),
    )
    .min(1, { error: 'give at least one value' })
    .optional(),
  keyAlgorithm: z.enum(KEY_ALGORITHMS, { error: `expected one of ${KEY_ALGORITHMS.join(', ')}` }).optional(),
  keySizeBelow: z.number({ error: 'expected a whole number of bits' }).int().min(1).optional(),
  notBeforeFrom: instantSchema.optional(),
  notBeforeUntil: instantSchema.optional(),
  names: textList.optional(),
  ownerGroups: textList.optional(),
  tags: textList.optional(),
  violations: z
    .array(
      nonEmptyText
        .transform((text) => text.toUpperCase())
        .refine((text) => RULE_ID.test(text), { error: 'expected a rule id such as R-POL-3' }),
    )
    .min(1, { error: 'give at least one value' })
    .optional(),
});

/** Checks a selector given as JSON (selector files, workflow inputs, the HTTP API) and returns it normalised. */
export function validateCampaignSelector(value: unknown): CampaignSelector {
  const parsed = selectorSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length === 0 ? 'selector' : `selector.${issue.path.join('.')}`;
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.join(', ')}; use ${Object.keys(selectorSchema.shape).join(', ')}`
        : issue.message;
    throw new CampaignSelectorError(`${where}: ${message}`);
  }
  const selector = Object.fromEntries(
    Object.entries(parsed.data).filter(([, field]) => field !== undefined),
  ) as CampaignSelector;
  if (Object.keys(selector).length === 0) throw new CampaignSelectorError(EMPTY_SELECTOR);
  if (
    selector.notBeforeFrom !== undefined &&
    selector.notBeforeUntil !== undefined &&
    selector.notBeforeFrom >= selector.notBeforeUntil
  )
    throw new CampaignSelectorError(
      `not-before: the start ${selector.notBeforeFrom} must come before the (exclusive) end ${selector.notBeforeUntil}`,
    );
  for (const key of ['names', 'ownerGroups', 'tags', 'violations', 'signatureHashes'] as const) {
    const items = selector[key];
    if (items !== undefined) (selector as Record<string, unknown>)[key] = [...new Set<string>(items)];
  }
  return selector;
}

const quote = (text: string) => (/[\s",]/.test(text) || text === '' ? `"${text.replace(/"/g, '\\"')}"` : text);
const quoteWhole = (text: string) => (/[\s"]/.test(text) ? `"${text.replace(/"/g, '\\"')}"` : text);

/** The text form of a selector; {@link parseCampaignSelectorText} reads it back to the same selector. */
export function formatCampaignSelectorText(selector: CampaignSelector): string {
  const tokens: string[] = [];
  const items = (values: readonly string[]) => quoteWhole(values.join(','));
  if (selector.issuerDn !== undefined) tokens.push(`issuer=${quote(selector.issuerDn)}`);
  if (selector.issuerFingerprint !== undefined) tokens.push(`issuer-fingerprint=${selector.issuerFingerprint}`);
  if (selector.signatureHashes !== undefined) tokens.push(`sig=${selector.signatureHashes.join(',')}`);
  if (selector.keyAlgorithm !== undefined) tokens.push(`key=${selector.keyAlgorithm}`);
  if (selector.keySizeBelow !== undefined) tokens.push(`key-size<${selector.keySizeBelow}`);
  if (selector.notBeforeFrom !== undefined || selector.notBeforeUntil !== undefined)
    tokens.push(`not-before=${selector.notBeforeFrom ?? ''}..${selector.notBeforeUntil ?? ''}`);
  if (selector.names !== undefined) tokens.push(`name=${items(selector.names)}`);
  if (selector.ownerGroups !== undefined) tokens.push(`group=${items(selector.ownerGroups)}`);
  if (selector.tags !== undefined) tokens.push(`tag=${items(selector.tags)}`);
  if (selector.violations !== undefined) tokens.push(`violates=${selector.violations.join(',')}`);
  return tokens.join(' ');
}

/** One human line: `issuer "CN=Old CA" · signature SHA-1 · groups payments, web`. */
export function describeCampaignSelector(selector: CampaignSelector): string {
  const parts: string[] = [];
  const plural = (word: string, values: readonly string[]) =>
    `${values.length === 1 ? word : `${word}s`} ${values.join(', ')}`;
  if (selector.issuerDn !== undefined) parts.push(`issuer "${selector.issuerDn}"`);
  if (selector.issuerFingerprint !== undefined) parts.push(`issuer fingerprint ${selector.issuerFingerprint}`);
  if (selector.signatureHashes !== undefined) parts.push(plural('signature', selector.signatureHashes));
  if (selector.keyAlgorithm !== undefined || selector.keySizeBelow !== undefined)
    parts.push(
      `${selector.keyAlgorithm ?? 'any'} keys${selector.keySizeBelow === undefined ? '' : ` below ${selector.keySizeBelow} bits`}`,
    );
  if (selector.notBeforeFrom !== undefined || selector.notBeforeUntil !== undefined)
    parts.push(
      `issued ${[
        selector.notBeforeFrom === undefined ? null : `from ${selector.notBeforeFrom}`,
        selector.notBeforeUntil === undefined ? null : `before ${selector.notBeforeUntil}`,
      ]
        .filter((part) => part !== null)
        .join(' ')}`,
    );
  if (selector.names !== undefined) parts.push(plural('name', selector.names));
  if (selector.ownerGroups !== undefined) parts.push(plural('group', selector.ownerGroups));
  if (selector.tags !== undefined) parts.push(plural('tag', selector.tags));
  if (selector.violations !== undefined) parts.push(`violating ${selector.violations.join(', ')}`);
  return parts.join(' · ');
}

/** The facts of one certificate a selector looks at. */
export interface SelectableCertificate {
  readonly issuerDn: string;
  readonly issuerFingerprint: string | null;
  readonly signatureHash: SignatureHash;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly keySizeBits: number | null;
  /** ISO 8601 UTC. */
  readonly notBefore: string;
  readonly commonName: string | null;
  readonly dnsNames: readonly string[];
  readonly ownerGroup: string | null;
  readonly tags: readonly string[];
  readonly violatedRuleIds: readonly string[];
}

/** A glob (`*` any run, case-insensitive) as a regular expression over the whole text. */
function globRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

/** A glob as a SQL LIKE pattern with `\` as the escape character, lower-cased for the folded columns. */
export function globToLikePattern(glob: string): string {
  return glob
    .toLowerCase()
    .replace(/[\\%_]/g, '\\$&')
    .replace(/\*/g, '%');
}

/** Whether a certificate matches every field of the selector (the SQL store selects the same). */
export function matchesCampaignSelector(certificate: SelectableCertificate, selector: CampaignSelector): boolean {
  const lowerSet = (values: readonly string[]) => new Set(values.map((value) => value.toLowerCase()));
  if (
    selector.issuerDn !== undefined &&
    normaliseIssuerDn(certificate.issuerDn).toLowerCase() !== selector.issuerDn.toLowerCase()
  )
    return false;
  if (selector.issuerFingerprint !== undefined && certificate.issuerFingerprint !== selector.issuerFingerprint)
    return false;
  if (
    selector.signatureHashes !== undefined &&
    (certificate.signatureHash === null || !selector.signatureHashes.includes(certificate.signatureHash))
  )
    return false;
  if (selector.keyAlgorithm !== undefined && certificate.keyAlgorithm !== selector.keyAlgorithm) return false;
  if (
    selector.keySizeBelow !== undefined &&
    (certificate.keySizeBits === null || certificate.keySizeBits >= selector.keySizeBelow)
  )
    return false;
  const notBefore = Date.parse(certificate.notBefore);
  if (selector.notBeforeFrom !== undefined && notBefore < Date.parse(selector.notBeforeFrom)) return false;
  if (selector.notBeforeUntil !== undefined && notBefore >= Date.parse(selector.notBeforeUntil)) return false;
  if (selector.names !== undefined) {
    const names = [...(certificate.commonName === null ? [] : [certificate.commonName]), ...certificate.dnsNames];
    const globs = selector.names.map(globRegExp);
    if (!names.some((name) => globs.some((glob) => glob.test(name)))) return false;
  }
  if (
    selector.ownerGroups !== undefined &&
    (certificate.ownerGroup === null || !selector.ownerGroups.includes(certificate.ownerGroup))
  )
    return false;
  if (selector.tags !== undefined) {
    const tags = lowerSet(certificate.tags);
    if (!selector.tags.some((tag) => tags.has(tag.toLowerCase()))) return false;
  }
  if (selector.violations !== undefined && !selector.violations.some((id) => certificate.violatedRuleIds.includes(id)))
    return false;
  return true;
}
