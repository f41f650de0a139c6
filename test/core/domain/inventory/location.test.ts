import { describe, expect, it } from 'vitest';
import {
  formatLocation,
  InvalidLocationError,
  parseEndpoint,
  parseLocation,
} from '../../../../src/core/domain/inventory/location';

describe('parseLocation', () => {
  it.each([
    ['www.example.com:443', { kind: 'endpoint', host: 'www.example.com', port: 443 }],
    ['WWW.Example.COM:8443', { kind: 'endpoint', host: 'www.example.com', port: 8443 }],
    ['10.0.0.7:636', { kind: 'endpoint', host: '10.0.0.7', port: 636 }],
    ['[2001:db8::1]:443', { kind: 'endpoint', host: '2001:db8::1', port: 443 }],
    ['/etc/ssl/certs/www.pem', { kind: 'file', path: '/etc/ssl/certs/www.pem' }],
    ['web01:/etc/nginx/tls/site.crt', { kind: 'file', host: 'web01', path: '/etc/nginx/tls/site.crt' }],
    ['  mail.example.com:25 ', { kind: 'endpoint', host: 'mail.example.com', port: 25 }],
  ])('R-INV-1: reads %j as an installed location', (text, expected) => {
    expect(parseLocation(text)).toEqual(expected);
    expect(parseLocation(formatLocation(parseLocation(text)))).toEqual(expected);
  });

  it.each([
    '',
    'www.example.com',
    'www.example.com:0',
    'www.example.com:65536',
    'relative/path.pem',
    'a b:443',
    ':443',
  ])('refuses %j with the shapes it accepts', (text) => {
    expect(() => parseLocation(text)).toThrow(InvalidLocationError);
    expect(() => parseLocation(text)).toThrow(/host:port .* absolute file path/);
  });

  it('parseEndpoint returns null rather than throwing for non-endpoints', () => {
    expect(parseEndpoint('/etc/ssl/x.pem')).toBeNull();
    expect(parseEndpoint('host:99999')).toBeNull();
  });
});
