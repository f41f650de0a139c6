import { describe, expect, it } from 'vitest';
import { certificateNamesServer, dnsNameMatches } from '../../../../src/core/domain/discovery/server-identity';
import { makeFacts } from '../../../support/certificate-facts-builder';

describe('server identity (RFC 6125)', () => {
  it.each([
    ['www.example.com', 'www.example.com', true],
    ['WWW.Example.com', 'www.EXAMPLE.com.', true],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', '.example.com', false],
    ['w*.example.com', 'www.example.com', false],
    ['www.*.com', 'www.example.com', false],
    ['*.*.example.com', 'a.b.example.com', false],
    ['*.com', 'example.com', false],
    ['', 'example.com', false],
  ])('R-MON-6: %s presented for %s matches: %s', (presented, reference, expected) => {
    expect(dnsNameMatches(presented, reference)).toBe(expected);
  });

  it.each([
    ['a DNS SAN', { subjectAltNames: { dns: ['api.example.com'] } }, 'api.example.com', true],
    [
      'the CN when DNS SANs exist',
      { subject: 'CN=www.example.com', subjectAltNames: { dns: ['api.example.com'] } },
      'www.example.com',
      false,
    ],
    [
      'the CN without any SAN',
      { subject: 'CN=www.example.com', subjectAltNames: { dns: [] } },
      'www.example.com',
      true,
    ],
    [
      'the CN when only an IP SAN exists',
      { subject: 'CN=www.example.com', subjectAltNames: { dns: [], ip: ['10.0.0.1'] } },
      'www.example.com',
      false,
    ],
    ['an IPv4 SAN', { subjectAltNames: { dns: ['x.example.com'], ip: ['127.0.0.1'] } }, '127.0.0.1', true],
    ['an IPv4 address against DNS SANs only', { subjectAltNames: { dns: ['127.0.0.1'] } }, '127.0.0.1', false],
    ['an IPv6 SAN written another way', { subjectAltNames: { dns: [], ip: ['::1'] } }, '0:0:0:0:0:0:0:1', true],
    ['an IPv6 SAN that differs', { subjectAltNames: { dns: [], ip: ['2001:db8::1'] } }, '2001:db8::2', false],
  ])('R-MON-6: a certificate with %s names the server: %s', (_label, overrides, reference, expected) => {
    expect(certificateNamesServer(makeFacts(overrides), reference)).toBe(expected);
  });
});
