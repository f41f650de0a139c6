/**
 * Issue 17 fuzzing, campaign selectors (R-CAM-1): text from the selector grammar, mutated, and JSON selectors with
 * fields swapped, missing or of the wrong type are either a selector that formats and reads back to itself or a
 * CampaignSelectorError saying what to write; matching never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CampaignSelectorError,
  describeCampaignSelector,
  formatCampaignSelectorText,
  matchesCampaignSelector,
  parseCampaignSelectorText,
  SELECTOR_KEYS,
  validateCampaignSelector,
  type SelectableCertificate,
} from '../../src/core/domain/campaigns/selector';
import type { CampaignSelector } from '../../src/core/domain/campaigns/model';
import { fuzzParameters } from './fuzz-runs';
import { mutatedText, nastyString } from './mutations';

const word = fc.oneof(
  fc.constantFrom(
    'sha1',
    'SHA-256',
    'md5',
    'rsa',
    'EC',
    'ecdsa',
    'ed25519',
    '2048',
    '0',
    '-1',
    '2026-01-31',
    '2026-01-31T12:00:00Z',
    '2026-02-30',
    'R-POL-3',
    'payments',
    '*.example.com',
    'CN=Old CA, O=Example',
    'a'.repeat(64),
    '',
  ),
  fc.string({ unit: fc.constantFrom(...'abcAB09=,<.."\\ *-:'.split('')), maxLength: 12 }),
  nastyString,
);
const value = fc.oneof(
  word,
  fc.array(word, { minLength: 1, maxLength: 3 }).map((items) => items.join(',')),
  fc.tuple(word, word).map(([from, until]) => `${from}..${until}`),
  fc.tuple(word, word).map(([algorithm, bits]) => `${algorithm}<${bits}`),
);
const quoted = (text: string) => `"${text.replace(/"/g, '\\"')}"`;
const token = fc
  .tuple(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...SELECTOR_KEYS) },
      fc.constantFrom('isuer', 'SIG', 'keysize', 'x'),
      fc.string({ maxLength: 6 }),
    ),
    fc.constantFrom('=', '<', ':', ''),
    value,
    fc.boolean(),
  )
  .map(([key, operator, text, quote]) => `${key}${operator}${quote ? quoted(text) : text}`);
const selectorText = mutatedText(
  [''],
  fc.string({ unit: fc.constantFrom(...' "\\=<,.'.split('')), maxLength: 3 }),
).chain((noise) =>
  fc
    .array(token, { maxLength: 5 })
    .chain((tokens) => mutatedText([tokens.join(' ')], fc.oneof(word, fc.constant(noise)))),
);

const certificate: fc.Arbitrary<SelectableCertificate> = fc.record({
  issuerDn: fc.oneof(fc.constant('CN=Old CA, O=Example'), nastyString),
  issuerFingerprint: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }),
  signatureHash: fc.constantFrom('MD5', 'SHA-1', 'SHA-256', null),
  keyAlgorithm: fc.constantFrom('RSA', 'EC', 'Ed25519', 'other'),
  keySizeBits: fc.option(fc.integer({ min: 0, max: 16_384 }), { nil: null }),
  notBefore: fc
    .date({ min: new Date('1950-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((date) => date.toISOString()),
  commonName: fc.option(nastyString, { nil: null }),
  dnsNames: fc.array(nastyString, { maxLength: 3 }),
  ownerGroup: fc.option(nastyString, { nil: null }),
  tags: fc.array(nastyString, { maxLength: 3 }),
  violatedRuleIds: fc.array(fc.constantFrom('R-POL-1', 'R-POL-3'), { maxLength: 2 }),
});

/** A selector read from any input must format, describe and match without throwing, and read back to itself. */
function expectUsable(selector: CampaignSelector, sample: SelectableCertificate): void {
  expect(parseCampaignSelectorText(formatCampaignSelectorText(selector))).toEqual(selector);
  expect(describeCampaignSelector(selector).length).toBeGreaterThan(0);
  expect(typeof matchesCampaignSelector(sample, selector)).toBe('boolean');
}

function readOrRefuse(read: () => CampaignSelector): CampaignSelector | null {
  try {
    return read();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(CampaignSelectorError);
    expect((error as Error).message.length).toBeGreaterThan(10);
    return null;
  }
}

describe('issue 17 fuzzing: campaign selectors', () => {
  it('R-CAM-1: selector text from the grammar, mutated, is a selector that reads back to itself or a CampaignSelectorError', () => {
    fc.assert(
      fc.property(selectorText, certificate, (text, sample) => {
        const selector = readOrRefuse(() => parseCampaignSelectorText(text));
        if (selector !== null) expectUsable(selector, sample);
      }),
      fuzzParameters(4),
    );
  });

  it('R-CAM-1: JSON selectors with swapped, missing, extra or mistyped fields are validated or refused by field', () => {
    const field = fc.oneof(
      nastyString,
      fc.array(nastyString, { maxLength: 3 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.object({ maxDepth: 1 }),
    );
    const json = fc.oneof(
      fc.record(
        {
          issuerDn: field,
          issuerFingerprint: fc.oneof(fc.stringMatching(/^[0-9a-fA-F:]{64,95}$/), field),
          signatureHashes: fc.oneof(
            fc.array(fc.constantFrom('sha1', 'SHA-256', 'md5', 'sha3'), { maxLength: 3 }),
            field,
          ),
          keyAlgorithm: fc.oneof(fc.constantFrom('RSA', 'EC', 'DSA'), field),
          keySizeBelow: fc.oneof(fc.integer({ min: -10, max: 10_000 }), field),
          notBeforeFrom: fc.oneof(fc.constantFrom('2026-01-01', '2027-01-01T00:00:00Z'), field),
          notBeforeUntil: fc.oneof(fc.constantFrom('2026-06-01', '2025-01-01'), field),
          names: field,
          ownerGroups: field,
          tags: field,
          violations: fc.oneof(fc.array(fc.constantFrom('R-POL-3', 'r-pol-1', 'nope'), { maxLength: 2 }), field),
          surprise: field,
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue().map((parsed) => parsed as unknown),
      fc.anything(),
    );
    fc.assert(
      fc.property(json, certificate, (input, sample) => {
        const selector = readOrRefuse(() => validateCampaignSelector(input));
        if (selector !== null) expectUsable(selector, sample);
      }),
      fuzzParameters(4),
    );
  });
});
