/** Which certificates come from certflow's internal CA (a private CA: the policy's privacy and R-CAA-1's exemption). */
import { describe, expect, it } from 'vitest';
import { issuedByInternalCa } from '../../../../src/core/domain/issuers/internal-ca-issued';
import { makeDn } from '../../../support/certificate-facts-builder';

describe('issuedByInternalCa (R-CAA-1)', () => {
  it.each([
    ['the internal issuing CA', 'CN=certflow Internal Issuing CA, O=certflow', true],
    ['a named internal CA', 'CN=certflow Internal Issuing CA (old), O=Old Corp', true],
    ['the internal root (it issues no leaves)', 'CN=certflow Internal Root CA, O=certflow', false],
    ['a public CA', "CN=R11, O=Let's Encrypt, C=US", false],
    ['a look-alike name', 'CN=certflow Internal Issuing CA 2, O=certflow', false],
    ['the name in another attribute only', 'O=certflow Internal Issuing CA', false],
    ['an empty issuer', '', false],
  ])('%s', (_case, issuer, expected) => {
    expect(issuedByInternalCa({ issuer: makeDn(issuer) })).toBe(expected);
  });
});
