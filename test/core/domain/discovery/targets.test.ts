import { describe, expect, it } from 'vitest';
import {
  countAddresses,
  expandTargets,
  formatIpv6,
  InvalidTargetError,
  parseTarget,
  parseTargetsFile,
  ScanTooLargeError,
  type DiscoveryTarget,
} from '../../../../src/core/domain/discovery/targets';
import type { ScanTarget } from '../../../../src/core/ports/network-scanner';

function expand(text: string, maxAddresses?: number): DiscoveryTarget[] {
  return [...expandTargets(parseTargetsFile(text), { maxAddresses })];
}

describe('scan targets (R-INV-2 discovery)', () => {
  it.each<[string, DiscoveryTarget[]]>([
    ['www.example.com:443', [{ host: 'www.example.com', port: 443, sni: 'www.example.com' }]],
    ['WWW.Example.COM.:443', [{ host: 'www.example.com', port: 443, sni: 'www.example.com' }]],
    ['192.0.2.10:8443', [{ host: '192.0.2.10', port: 8443 }]],
    ['[2001:DB8::1]:443', [{ host: '2001:db8::1', port: 443 }]],
    ['[::ffff:192.0.2.1]:443', [{ host: '::ffff:c000:201', port: 443 }]],
    [
      '10.0.0.0/31:443,8443',
      [
        { host: '10.0.0.0', port: 443 },
        { host: '10.0.0.0', port: 8443 },
        { host: '10.0.0.1', port: 443 },
        { host: '10.0.0.1', port: 8443 },
      ],
    ],
    [
      '[2001:db8::/127]:443',
      [
        { host: '2001:db8::', port: 443 },
        { host: '2001:db8::1', port: 443 },
      ],
    ],
    ['192.0.2.1:9000-9002', [9000, 9001, 9002].map((port) => ({ host: '192.0.2.1', port }))],
    [
      '127.0.0.1:443=www.example.com,api.example.com',
      [
        { host: '127.0.0.1', port: 443, sni: 'www.example.com' },
        { host: '127.0.0.1', port: 443, sni: 'api.example.com' },
      ],
    ],
    ['mail.example.com:25', [{ host: 'mail.example.com', port: 25, sni: 'mail.example.com', startTls: 'smtp' }]],
    ['192.0.2.1:587', [{ host: '192.0.2.1', port: 587, startTls: 'smtp' }]],
    ['192.0.2.1:143', [{ host: '192.0.2.1', port: 143, startTls: 'imap' }]],
    ['192.0.2.1:110', [{ host: '192.0.2.1', port: 110, startTls: 'pop3' }]],
    ['192.0.2.1:389', [{ host: '192.0.2.1', port: 389, startTls: 'ldap' }]],
    ['192.0.2.1:5432', [{ host: '192.0.2.1', port: 5432, startTls: 'postgres' }]],
    ['192.0.2.1:2525/smtp', [{ host: '192.0.2.1', port: 2525, startTls: 'smtp' }]],
    ['192.0.2.1:25/tls', [{ host: '192.0.2.1', port: 25 }]],
    [
      '192.0.2.1:10389/LDAP=dir.example.com',
      [{ host: '192.0.2.1', port: 10389, sni: 'dir.example.com', startTls: 'ldap' }],
    ],
    ['0.0.0.0/32:1', [{ host: '0.0.0.0', port: 1 }]],
    ['255.255.255.255:65535', [{ host: '255.255.255.255', port: 65535 }]],
  ])('%s expands to its endpoints', (text, targets) => {
    expect(expand(text)).toEqual(targets);
  });

  it.each<[string, string]>([
    ['', 'the target is empty'],
    ['www.example.com', 'a port is missing: write www.example.com:443'],
    ['10.0.0.0/33:443', '10.0.0.0/33:443: a prefix length is 0–32 for IPv4'],
    ['[2001:db8::/129]:443', 'a prefix length is 0–128 for IPv6'],
    ['10.0.0.5/24:443', 'write the network, 10.0.0.0/24'],
    ['[2001:db8::1/64]:443', 'write the network, [2001:db8::/64]'],
    ['10.0.0.0/8/8:443', 'two prefix lengths'],
    ['256.1.1.1:443', 'is not an IPv4 address'],
    ['10.0.0:443', 'is not an IPv4 address'],
    ['010.0.0.1:443', 'without leading zeros'],
    ['2001:db8::1:443', 'an IPv6 address goes in brackets: write [2001:db8::1]:443'],
    ['[2001:db8::1:443', 'is not closed'],
    ['[2001:db8::1]443', 'a port is missing after the address'],
    ['[2001:db8:::1]:443', 'is not an IPv6 address'],
    ['[1:2:3:4:5:6:7:8:9]:443', 'is not an IPv6 address'],
    ['[fe80::1%eth0]:443', 'is not an IPv6 address'],
    ['host:', 'the port is missing'],
    ['host:0', 'port 0 is out of range'],
    ['host:65536', 'port 65536 is out of range'],
    ['host:https', '"https" is not a port'],
    ['host:443,,8443', '"" is not a port'],
    ['host:9010-9000', 'runs backwards: write 9000-9010'],
    ['host:443/smtps', '"smtps" is not a protocol'],
    ['127.0.0.1:443=', 'no SNI name after "="'],
    ['127.0.0.1:443=127.0.0.2', 'SNI carries a DNS name, never an address'],
    ['127.0.0.1:443=bad_name!.example', 'is not a DNS name'],
    ['-bad.example.com:443', 'is not a DNS name'],
    ['example.com/24:443', 'a range needs an address, not a name'],
    [':443', 'the host is empty'],
  ])('%j is refused, naming the fix: %s', (text, message) => {
    let error: unknown;
    try {
      parseTarget(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidTargetError);
    expect((error as Error).message).toContain(message);
  });

  it('reads a targets file: comments, blank lines, several targets on a line, line numbers in errors', () => {
    const text = '# edge\nwww.example.com:443   # the shop\n\n10.0.0.0/30:443 10.0.1.0/31:25\n';
    const specs = parseTargetsFile(text);
    expect(specs.map((spec) => spec.text)).toEqual(['www.example.com:443', '10.0.0.0/30:443', '10.0.1.0/31:25']);
    expect(countAddresses(specs)).toBe(7n);
    expect(() => parseTargetsFile('a.example:443\n\n10.0.0.0/40:443\n')).toThrow(
      'line 3: 10.0.0.0/40:443: a prefix length is 0–32 for IPv4',
    );
  });

  it('expands lazily: a /8 yields its first endpoints without building the range', () => {
    const targets = expandTargets([parseTarget('10.0.0.0/8:443,8443')], { maxAddresses: 2 ** 24 });
    const first = [targets.next().value, targets.next().value, targets.next().value];
    expect(first).toEqual([
      { host: '10.0.0.0', port: 443 },
      { host: '10.0.0.0', port: 8443 },
      { host: '10.0.0.1', port: 443 },
    ]);
  });

  it('refuses a scan over the address limit up front, naming how to raise it; 65,536 is the default', () => {
    expect(() => expandTargets([parseTarget('10.0.0.0/16:443')])).not.toThrow();
    expect(() => expandTargets(parseTargetsFile('10.0.0.0/16:443 10.1.0.0:443'))).toThrow(ScanTooLargeError);
    expect(() =>
      expandTargets([parseTarget('10.0.0.0/8:443')], { maxAddresses: 1000, limitName: '--max-addresses' }),
    ).toThrow(
      'the targets cover 16,777,216 addresses, more than the limit of 1,000 per scan: narrow the ranges, or raise --max-addresses',
    );
    expect(() => expandTargets([parseTarget('[2001:db8::/32]:443')])).toThrow('79,228,162,514,264,337,593,543,950,336');
  });

  it.each<[bigint, string]>([
    [0n, '::'],
    [1n, '::1'],
    [0x20010db8000000000000000000000001n, '2001:db8::1'],
    [0x20010db8000000010000000000000001n, '2001:db8:0:1::1'],
    [0x20010db8000000000001000000000001n, '2001:db8::1:0:0:1'],
    [0x20010db8000100010001000100010001n, '2001:db8:1:1:1:1:1:1'],
  ])('formats IPv6 as RFC 5952 writes it: %s', (value, text) => {
    expect(formatIpv6(value)).toBe(text);
  });

  it('yields what the NetworkScanner port takes', () => {
    const targets: ScanTarget[] = expand('mail.example.com:25');
    expect(targets[0]?.startTls).toBe('smtp');
  });
});
