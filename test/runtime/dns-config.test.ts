/** The DNS settings (issue 19): CAA resolvers and identity, DNS-01 zones; bad values name the variable and the fix. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/runtime/config-error';
import { loadConfig } from '../../src/runtime/config';

const SECRET = Buffer.alloc(32, 1).toString('base64');

describe('DNS settings', () => {
  it('R-CAA-1: reads the resolvers, the CAA identity and the update zones', () => {
    const config = loadConfig(
      {
        CERTFLOW_DNS_SERVERS: '192.0.2.53, [2001:db8::53]:5353,ns.example.com',
        CERTFLOW_CAA_IDENTITY: 'LetsEncrypt.org',
        CERTFLOW_DNS_UPDATE_ZONES: `example.com 192.0.2.53:53 certflow-key ${SECRET}; example.org ns1.example.org other ${SECRET} udp`,
      },
      '/srv',
    );
    expect(config.dnsServers).toEqual(['192.0.2.53:53', '[2001:db8::53]:5353', 'ns.example.com:53']);
    expect(config.caaIdentity).toBe('letsencrypt.org');
    expect(config.dnsUpdateZones).toEqual([
      { zone: 'example.com', server: '192.0.2.53:53', keyName: 'certflow-key', secret: SECRET },
      { zone: 'example.org', server: 'ns1.example.org', keyName: 'other', secret: SECRET, transport: 'udp' },
    ]);
  });

  it.each<[string, string, RegExp]>([
    ['CERTFLOW_DNS_SERVERS', '192.0.2.53:99999', /not a DNS server address; write host:port/],
    ['CERTFLOW_DNS_SERVERS', '[not-v6]:53', /not a DNS server address/],
    ['CERTFLOW_CAA_IDENTITY', 'letsencrypt.org; accounturi=x', /not a CAA issuer domain; write the domain/],
    ['CERTFLOW_CAA_IDENTITY', 'https://letsencrypt.org', /not a CAA issuer domain/],
    [
      'CERTFLOW_DNS_UPDATE_ZONES',
      'example.com 192.0.2.53',
      /give the zone, the server, the TSIG key name and its secret/,
    ],
    ['CERTFLOW_DNS_UPDATE_ZONES', `example.com 192.0.2.53 key not-base64!`, /not base64 of at least 16 bytes/],
    ['CERTFLOW_DNS_UPDATE_ZONES', `example.com 192.0.2.53 key ${SECRET} quic`, /"quic" is neither tcp nor udp/],
    ['CERTFLOW_DNS_UPDATE_ZONES', `exa mple.com`, /give the zone/],
    ['CERTFLOW_DNS_UPDATE_ZONES', `ex!ample.com 192.0.2.53 key ${SECRET}`, /is not a zone name/],
  ])('%s=%j is refused with the fix', (variable, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value }, '/srv');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
    expect((error as ConfigError).message).toMatch(message);
  });
});
