import { describe, expect, it } from 'vitest';
import type { CampaignSelector } from '../../../../src/core/domain/campaigns/model';
import {
  CampaignSelectorError,
  describeCampaignSelector,
  formatCampaignSelectorText,
  globToLikePattern,
  matchesCampaignSelector,
  parseCampaignSelectorText,
  validateCampaignSelector,
  type SelectableCertificate,
} from '../../../../src/core/domain/campaigns/selector';

const FP = 'ab'.repeat(32);

describe('parseCampaignSelectorText', () => {
  it.each<[string, CampaignSelector]>([
    ['issuer="CN=Old CA, O=Example"', { issuerDn: 'CN=Old CA, O=Example' }],
    ['issuer="CN=Old CA,O=Example"', { issuerDn: 'CN=Old CA, O=Example' }],
    [`issuer-fingerprint=${FP.toUpperCase().match(/../g)!.join(':')}`, { issuerFingerprint: FP }],
    ['sig=sha1,SHA-256,md5', { signatureHashes: ['SHA-1', 'SHA-256', 'MD5'] }],
    ['sig=sha-1', { signatureHashes: ['SHA-1'] }],
    ['key=rsa', { keyAlgorithm: 'RSA' }],
    ['key=RSA<2048', { keyAlgorithm: 'RSA', keySizeBelow: 2048 }],
    ['key=ed25519', { keyAlgorithm: 'Ed25519' }],
    ['key-size<2048', { keySizeBelow: 2048 }],
    ['key-size-below=3072', { keySizeBelow: 3072 }],
    [
      'not-before=2026-01-01..2026-03-01',
      { notBeforeFrom: '2026-01-01T00:00:00.000Z', notBeforeUntil: '2026-03-01T00:00:00.000Z' },
    ],
    ['not-before=..2026-03-01T12:00:00Z', { notBeforeUntil: '2026-03-01T12:00:00.000Z' }],
    ['not-before=2026-01-01..', { notBeforeFrom: '2026-01-01T00:00:00.000Z' }],
    ['name=*.example.com,api.example.org', { names: ['*.example.com', 'api.example.org'] }],
    ['group=payments,web  tag=prod', { ownerGroups: ['payments', 'web'], tags: ['prod'] }],
    ['violates=r-pol-3,R-POL-4', { violations: ['R-POL-3', 'R-POL-4'] }],
  ])('R-CAM-1: reads %s', (text, expected) => {
    expect(parseCampaignSelectorText(text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['', /a campaign must select something: give at least one of issuer/],
    ['isuer=x', /unknown key `isuer`: use one of issuer, issuer-fingerprint, .*did you mean issuer\?/],
    ['sig=sha1 sig=md5', /sig is given twice/],
    ['issuer=', /has no value/],
    ['issuer="CN=x', /unclosed double quote/],
    ['issuer-fingerprint=abc', /64 hex digits/],
    ['sig=sha3', /unknown signature hash "sha3"/],
    ['sig=sha1,,md5', /empty list item/],
    ['key=rot13', /unknown key algorithm/],
    ['key=RSA<big', /whole number of bits/],
    ['key-size=2048', /write key-size<N/],
    ['key-size<0', /whole number of bits/],
    ['key-size-below=x', /whole number of bits/],
    ['not-before=2026-13-01..', /is no date/],
    ['not-before=yesterday..', /is no date/],
    ['not-before=2026-01-01', /FROM\.\.UNTIL/],
    ['not-before=2026-03-01..2026-01-01', /must come before/],
    ['not-before=2026-03-01..2026-03-01', /must come before/],
    ['name=', /has no value/],
    ['group=a,', /empty list item/],
    ['tag=', /has no value/],
    ['violates=pol3', /rule id such as R-POL-3/],
    ['sig<sha1', /only key-size<N/],
    ['payments', /is not key=value/],
  ])('R-CAM-1: refuses %j', (text, message) => {
    expect(() => parseCampaignSelectorText(text)).toThrow(CampaignSelectorError);
    expect(() => parseCampaignSelectorText(text)).toThrow(message);
  });

  it('R-CAM-1: formatCampaignSelectorText round-trips through the parser', () => {
    const selectors: CampaignSelector[] = [
      { issuerDn: 'CN=Old CA, O=Example "Q", C=US' },
      {
        issuerFingerprint: FP,
        signatureHashes: ['SHA-1', 'MD5'],
        keyAlgorithm: 'EC',
        keySizeBelow: 256,
        notBeforeFrom: '2026-01-01T00:00:00.000Z',
        notBeforeUntil: '2026-03-01T00:00:00.000Z',
        names: ['*.example.com', 'a b.example'],
        ownerGroups: ['payments', 'web'],
        tags: ['prod'],
        violations: ['R-POL-3'],
      },
      { notBeforeUntil: '2026-03-01T00:00:00.000Z' },
    ];
    for (const selector of selectors) {
      expect(parseCampaignSelectorText(formatCampaignSelectorText(selector))).toEqual(selector);
    }
  });

  it('describes a selector in one line', () => {
    expect(describeCampaignSelector(parseCampaignSelectorText('issuer="CN=Old CA" sig=sha1 group=payments,web'))).toBe(
      'issuer "CN=Old CA" · signature SHA-1 · groups payments, web',
    );
  });
});

describe('validateCampaignSelector', () => {
  it('R-CAM-1: normalises JSON like the text form', () => {
    expect(
      validateCampaignSelector({
        signatureHashes: ['sha1'],
        issuerFingerprint: FP.toUpperCase(),
        violations: ['r-pol-3'],
      }),
    ).toEqual({ signatureHashes: ['SHA-1'], issuerFingerprint: FP, violations: ['R-POL-3'] });
  });

  it.each<[unknown, RegExp]>([
    [{}, /must select something/],
    [null, /^selector: /],
    [{ issuer: 'x' }, /unknown field issuer/],
    [{ keySizeBelow: 1.5 }, /selector\.keySizeBelow/],
    [{ keyAlgorithm: 'rsa' }, /selector\.keyAlgorithm: expected one of RSA/],
    [{ names: [] }, /selector\.names: give at least one value/],
    [{ tags: [''] }, /selector\.tags\.0: must not be empty/],
    [{ notBeforeFrom: 'soon' }, /selector\.notBeforeFrom: "soon" is no ISO/],
    [{ signatureHashes: ['sha3'] }, /selector\.signatureHashes\.0/],
    [{ issuerFingerprint: 'zz' }, /selector\.issuerFingerprint/],
    [{ violations: ['x'] }, /selector\.violations\.0/],
  ])('refuses %j naming the field', (value, message) => {
    expect(() => validateCampaignSelector(value)).toThrow(CampaignSelectorError);
    expect(() => validateCampaignSelector(value)).toThrow(message);
  });
});

describe('matchesCampaignSelector', () => {
  const base: SelectableCertificate = {
    issuerDn: 'CN=Old CA, O=Example',
    issuerFingerprint: FP,
    signatureHash: 'SHA-1',
    keyAlgorithm: 'RSA',
    keySizeBits: 1024,
    notBefore: '2026-02-01T00:00:00.000Z',
    commonName: 'Shop.Example.com',
    dnsNames: ['api.example.org'],
    ownerGroup: 'payments',
    tags: ['Prod'],
    violatedRuleIds: ['R-POL-3'],
  };
  it.each<[string, boolean]>([
    ['issuer="cn=old ca,o=example"', true],
    ['issuer="CN=New CA"', false],
    [`issuer-fingerprint=${FP}`, true],
    ['sig=sha1', true],
    ['sig=sha256', false],
    ['key=RSA<2048', true],
    ['key=EC', false],
    ['key-size<1024', false],
    ['not-before=2026-02-01..2026-02-02', true],
    ['not-before=..2026-02-01', false],
    ['name=*.example.com', true],
    ['name=API.*', true],
    ['name=*.net', false],
    ['group=web,payments', true],
    ['group=web', false],
    ['tag=prod', true],
    ['violates=R-POL-4', false],
    ['sig=sha1 group=web', false],
  ])('R-CAM-1: %s → %s', (text, expected) => {
    expect(matchesCampaignSelector(base, parseCampaignSelectorText(text))).toBe(expected);
  });

  it('escapes LIKE wildcards of a glob', () => {
    expect(globToLikePattern('*.A_b%\\')).toBe('%.a\\_b\\%\\\\');
  });
});
