/**
 * ACME DNS-01 records (issue 19) written by RFC 2136 updates signed with TSIG HMAC-SHA256 to a real server: Knot on
 * a loopback port (test/support/dns-server.ts), whose ACL lets the test key update TXT records. What the updater
 * writes is read back with an ordinary TXT query.
 */
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsUpdateError } from '../../../src/core/ports/dns';
import { type DnsUpdateZone, Rfc2136ChallengeUpdater } from '../../../src/adapters/dns/rfc2136-challenge-updater';
import { type DnsServer, startDnsServer } from '../../support/dns-server';
import { freePort } from '../../support/ports';

let server: DnsServer;
let resolver: Resolver;

beforeAll(async () => {
  server = await startDnsServer();
  resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([server.address]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

function zone(overrides: Partial<DnsUpdateZone> = {}): DnsUpdateZone {
  return {
    zone: 'example.test',
    server: server.address,
    keyName: server.key.name,
    secret: server.key.secret,
    ...overrides,
  };
}

async function txt(name: string): Promise<string[]> {
  try {
    return (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')).sort();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENODATA' || (error as { code?: string }).code === 'ENOTFOUND') return [];
    throw error;
  }
}

async function refusal(promise: Promise<unknown>): Promise<DnsUpdateError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DnsUpdateError);
  return error as DnsUpdateError;
}

describe('R-REN-1: DNS-01 records through RFC 2136 with TSIG', () => {
  it.each(['tcp', 'udp'] as const)(
    'adds and removes the _acme-challenge TXT record over %s, idempotently',
    async (transport) => {
      const updater = new Rfc2136ChallengeUpdater({ zones: [zone({ transport })] });
      const name = `${transport}.example.test`;
      const record = { name, value: `token-${transport}-${'x'.repeat(36)}`, idempotencyKey: `test/${transport}` };
      await updater.present(record);
      await updater.present(record);
      expect(await txt(`_acme-challenge.${name}`)).toEqual([record.value]);
      await updater.cleanUp(record);
      await updater.cleanUp(record);
      expect(await txt(`_acme-challenge.${name}`)).toEqual([]);
    },
  );

  it('keeps another value at the same name: a name and its wildcard validated at once', async () => {
    const updater = new Rfc2136ChallengeUpdater({ zones: [zone({ zone: 'other.test' }), zone()] });
    const plain = { name: 'both.example.test', value: 'plain-value', idempotencyKey: 'test/plain' };
    const wildcard = { name: '*.both.example.test', value: 'wildcard-value', idempotencyKey: 'test/wild' };
    await updater.present(plain);
    await updater.present(wildcard);
    expect(await txt('_acme-challenge.both.example.test')).toEqual(['plain-value', 'wildcard-value']);
    await updater.cleanUp(plain);
    expect(await txt('_acme-challenge.both.example.test')).toEqual(['wildcard-value']);
    await updater.cleanUp(wildcard);
  });

  it('picks the zone that holds the name', async () => {
    const updater = new Rfc2136ChallengeUpdater({ zones: [zone(), zone({ zone: 'other.test' })] });
    const record = { name: 'edge.other.test', value: 'in-other', idempotencyKey: 'test/other' };
    await updater.present(record);
    expect(await txt('_acme-challenge.edge.other.test')).toEqual(['in-other']);
    await updater.cleanUp(record);
  });

  it('a wrong TSIG secret is refused with BADSIG, the zone, the server and the fix', async () => {
    const updater = new Rfc2136ChallengeUpdater({
      zones: [zone({ secret: Buffer.alloc(32, 7).toString('base64') })],
    });
    const error = await refusal(
      updater.present({ name: 'bad.example.test', value: 'v', idempotencyKey: 'test/badsig' }),
    );
    expect(error.details).toMatchObject({
      zone: 'example.test',
      server: server.address,
      rcode: 'BADSIG',
      retryable: false,
    });
    expect(error.message).toContain('set the secret the server has for certflow-test in CERTFLOW_DNS_UPDATE_ZONES');
    expect(await txt('_acme-challenge.bad.example.test')).toEqual([]);
  });

  it('a key the server does not know is refused with BADKEY', async () => {
    const updater = new Rfc2136ChallengeUpdater({ zones: [zone({ keyName: 'nobody' })] });
    const error = await refusal(
      updater.present({ name: 'bad.example.test', value: 'v', idempotencyKey: 'test/badkey' }),
    );
    expect(error.details.rcode).toBe('BADKEY');
    expect(error.message).toContain('the server has no key named nobody');
  });

  it('a clock an hour off is refused with BADTIME and told to synchronize', async () => {
    const updater = new Rfc2136ChallengeUpdater({ zones: [zone()], nowMs: () => Date.now() - 3_600_000 });
    const error = await refusal(
      updater.present({ name: 'late.example.test', value: 'v', idempotencyKey: 'test/badtime' }),
    );
    expect(error.details).toMatchObject({ rcode: 'BADTIME', retryable: true });
    expect(error.message).toContain('synchronize them (NTP)');
  });

  it('a zone the server does not serve is refused with the rcode and the fix', async () => {
    const updater = new Rfc2136ChallengeUpdater({ zones: [zone({ zone: 'elsewhere.invalid' })] });
    const error = await refusal(
      updater.present({ name: 'www.elsewhere.invalid', value: 'v', idempotencyKey: 'test/notauth' }),
    );
    expect(['NOTAUTH', 'REFUSED']).toContain(error.details.rcode);
    expect(error.message).toContain('elsewhere.invalid');
  });

  it('a name in no configured zone says which zones are configured', async () => {
    const updater = new Rfc2136ChallengeUpdater({ zones: [zone()] });
    const error = await refusal(
      updater.present({ name: 'www.example.org', value: 'v', idempotencyKey: 'test/nozone' }),
    );
    expect(error.details).toMatchObject({ zone: null, rcode: 'NO-ZONE' });
    expect(error.message).toContain('configured: example.test');
  });

  it('an unreachable server is a retryable failure naming it', async () => {
    const port = await freePort();
    const updater = new Rfc2136ChallengeUpdater({ zones: [zone({ server: `127.0.0.1:${port}` })], timeoutMs: 1000 });
    const error = await refusal(updater.present({ name: 'www.example.test', value: 'v', idempotencyKey: 'test/dead' }));
    expect(error.details).toMatchObject({ server: `127.0.0.1:${port}`, rcode: 'UNREACHABLE', retryable: true });
  });
});
