/** ACME Renewal Information's pure parts (RFC 9773, R-REN-3): the certificate identifier and the response. */
import { describe, expect, it } from 'vitest';
import { parseRenewalInfo, renewalInfoId } from '../../../src/adapters/acme/acme-renewal-info';
import { parseCertificateDer } from '../../../src/core/domain/certificates/parse-certificate';
import { createLeaf, createRootCa } from '../../support/certificate-factory';

const root = createRootCa();
const rootKeyId = Buffer.from(parseCertificateDer(root.der).facts.subjectKeyId!, 'hex').toString('base64url');

describe('ACME renewal information (R-REN-3)', () => {
  it.each([
    ["RFC 9773's example serial, whose top bit is set, with its DER leading zero", '87654321', 'AIdlQyE'],
    ['a serial whose top bit is clear', '7f00', 'fwA'],
    ['an odd number of hex digits', 'abc', 'Crw'],
  ])('R-REN-3: the identifier of %s', (_case, serialHex, encoded) => {
    const { der } = createLeaf(root, { subject: 'CN=ari.example.com', serialNumber: serialHex });
    expect(renewalInfoId(der)).toBe(`${rootKeyId}.${encoded}`);
  });

  it('R-REN-3: RFC 9773 example window, explanation and Retry-After', () => {
    const info = parseRenewalInfo(
      {
        suggestedWindow: { start: '2025-01-02T04:00:00Z', end: '2025-01-03T04:00:00Z' },
        explanationURL: 'https://acme.example.com/docs/ari',
      },
      21600,
    );
    expect(info).toEqual({
      suggestedWindow: { start: '2025-01-02T04:00:00.000Z', end: '2025-01-03T04:00:00.000Z' },
      explanationUrl: 'https://acme.example.com/docs/ari',
      retryAfterSeconds: 21600,
    });
  });

  it.each([
    ['no window', {}],
    ['an end before the start', { suggestedWindow: { start: '2025-01-03T00:00:00Z', end: '2025-01-02T00:00:00Z' } }],
    ['dates that are no dates', { suggestedWindow: { start: 'soon', end: 'later' } }],
  ])('R-REN-3: a response with %s is refused', (_case, body) => {
    expect(() => parseRenewalInfo(body, null)).toThrow(/no valid suggestedWindow/);
  });
});
