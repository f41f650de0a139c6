/**
 * ACME DNS-01 records through RFC 2136 dynamic updates to each zone's primary server, signed with the zone's TSIG
 * key (HMAC-SHA256, RFC 8945), over TCP by default or UDP. `present` adds one TXT record at
 * `_acme-challenge.<name>` and `cleanUp` deletes that one record, so both are idempotent and leave other values
 * alone. Every refusal is a `DnsUpdateError` naming the zone, the server, the rcode and the fix.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { canonicalDnsName } from '../../core/domain/caa/caa-record';
import { type DnsChallengeRecord, type DnsChallengeUpdater, DnsUpdateError } from '../../core/ports/dns';
import {
  DnsWireError,
  encodeSignedUpdate,
  readUpdateAnswer,
  type SignedUpdate,
  type TsigSigningKey,
  type TxtUpdate,
} from './dns-update-message';
import { parseServerAddress, type ServerAddress } from './server-address';

/** One zone certflow may update: its primary server and the TSIG key the server accepts updates with. */
export interface DnsUpdateZone {
  readonly zone: string;
  /** `host:port` or `[v6]:port` of the zone's primary server. */
  readonly server: string;
  readonly keyName: string;
  /** The key's secret in base64, as tsig-keygen, knotc and BIND write it. */
  readonly secret: string;
  readonly transport?: 'tcp' | 'udp';
}

/** The zones, the TXT records' TTL, how long to wait for a server and the clock TSIG signs with. */
export interface Rfc2136Options {
  readonly zones: readonly DnsUpdateZone[];
  readonly ttlSeconds?: number;
  readonly timeoutMs?: number;
  readonly nowMs?: () => number;
}

interface PreparedZone {
  readonly zone: string;
  readonly server: ServerAddress;
  readonly key: TsigSigningKey;
  readonly transport: 'tcp' | 'udp';
}

/** Writes DNS-01 TXT records with RFC 2136 updates; see {@link Rfc2136Options}. */
export class Rfc2136ChallengeUpdater implements DnsChallengeUpdater {
  readonly #zones: readonly PreparedZone[];
  readonly #ttl: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: Rfc2136Options) {
    this.#zones = options.zones
      .map((zone) => ({
        zone: canonicalDnsName(zone.zone),
        server: parseServerAddress(zone.server, 53),
        key: { name: canonicalDnsName(zone.keyName), secret: Buffer.from(zone.secret, 'base64') },
        transport: zone.transport ?? 'tcp',
      }))
      // Longest zone first, so a delegated sub-zone wins over its parent.
      .sort((a, b) => b.zone.length - a.zone.length);
    this.#ttl = options.ttlSeconds ?? 60;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#now = options.nowMs ?? Date.now;
  }

  async present(record: DnsChallengeRecord): Promise<void> {
    await this.#update('add', record);
  }

  async cleanUp(record: DnsChallengeRecord): Promise<void> {
    await this.#update('delete', record);
  }

  async #update(action: 'add' | 'delete', record: DnsChallengeRecord): Promise<void> {
    const name = `_acme-challenge.${canonicalDnsName(record.name).replace(/^\*\./, '')}`;
    const zone = this.#zones.find((candidate) => name === candidate.zone || name.endsWith(`.${candidate.zone}`));
    if (!zone) {
      throw new DnsUpdateError({
        zone: null,
        server: null,
        rcode: 'NO-ZONE',
        retryable: false,
        message:
          `no zone in CERTFLOW_DNS_UPDATE_ZONES holds ${name} (for ${record.idempotencyKey}): add the zone that ` +
          `holds it, its primary server and its TSIG key` +
          (this.#zones.length > 0 ? ` (configured: ${this.#zones.map((z) => z.zone).join(', ')})` : ''),
      });
    }
    const update: TxtUpdate = { zone: zone.zone, action, name, value: record.value, ttl: this.#ttl };
    const server = `${zone.server.text}`;
    const refuse = (rcode: string, retryable: boolean, why: string) =>
      new DnsUpdateError({
        zone: zone.zone,
        server,
        rcode,
        retryable,
        message: `the ${action === 'add' ? 'addition' : 'removal'} of the TXT record ${name} in zone ${zone.zone} at ${server} failed (${rcode}, ${record.idempotencyKey}): ${why}`,
      });
    const signed = encodeSignedUpdate(update, zone.key, this.#now() / 1000);
    let answer;
    try {
      const bytes = await (zone.transport === 'udp' ? sendUdp : sendTcp)(zone.server, signed, this.#timeoutMs);
      answer = readUpdateAnswer(bytes, signed, zone.key);
    } catch (error) {
      if (error instanceof TimeoutError) {
        throw refuse(
          'TIMEOUT',
          true,
          `no answer within ${this.#timeoutMs} ms; check that ${server} is the zone's primary and reachable`,
        );
      }
      if (error instanceof DnsWireError) {
        throw refuse(
          'FORMERR',
          false,
          `the answer is not a DNS message (${error.message}); is ${server} a DNS server?`,
        );
      }
      const code = (error as { code?: string }).code ?? String(error);
      throw refuse(
        'UNREACHABLE',
        true,
        `${code}: start the server or correct ${zone.zone}'s server in CERTFLOW_DNS_UPDATE_ZONES`,
      );
    }
    const keyName = zone.key.name;
    if (answer.tsigError === 'BADSIG') {
      throw refuse(
        'BADSIG',
        false,
        `the server does not accept the signature of key ${keyName}: set the secret the server has for ${keyName} in CERTFLOW_DNS_UPDATE_ZONES`,
      );
    }
    if (answer.tsigError === 'BADKEY') {
      throw refuse(
        'BADKEY',
        false,
        `the server has no key named ${keyName} with HMAC-SHA256: add the key to the server or name its key in CERTFLOW_DNS_UPDATE_ZONES`,
      );
    }
    if (answer.tsigError === 'BADTIME') {
      throw refuse(
        'BADTIME',
        true,
        "certflow's clock and the server's differ by more than 300 s: synchronize them (NTP)",
      );
    }
    if (answer.tsigError !== null) throw refuse(answer.tsigError, false, 'the server refused the TSIG signature');
    switch (answer.rcode) {
      case 'NOERROR':
        if (answer.id !== signed.id || !answer.signed) {
          throw refuse(
            'BADSIG',
            false,
            `the answer is not signed with key ${keyName}, so it cannot be trusted; something other than the server answered`,
          );
        }
        return;
      case 'REFUSED':
        throw refuse(
          'REFUSED',
          false,
          `the server's update policy does not let key ${keyName} change TXT records at ${name}: allow it (knot: an acl with action update and update-type TXT; BIND: update-policy grant ${keyName} name ${name} TXT)`,
        );
      case 'NOTAUTH':
        throw refuse(
          'NOTAUTH',
          false,
          `the server is not authoritative for ${zone.zone} or does not accept key ${keyName}: point CERTFLOW_DNS_UPDATE_ZONES at the zone's primary`,
        );
      case 'NOTZONE':
        throw refuse(
          'NOTZONE',
          false,
          `${name} is not in the zone ${zone.zone} as the server has it: configure the zone that holds it`,
        );
      case 'SERVFAIL':
        throw refuse('SERVFAIL', true, 'the server failed to apply the update; see its log');
      default:
        throw refuse(
          answer.rcode,
          false,
          'the server does not accept this update; check that it supports RFC 2136 dynamic updates for the zone',
        );
    }
  }
}

/** No answer in time. */
class TimeoutError extends Error {}

/** Sends over TCP with the 2-byte length prefix (RFC 1035 §4.2.2) and reads one answer. */
function sendTcp(server: ServerAddress, request: SignedUpdate, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    const finish = (error: Error | null, answer?: Buffer) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    socket.setTimeout(timeoutMs, () => finish(new TimeoutError()));
    socket.once('error', (error) => finish(error));
    socket.once('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(request.message.length);
      socket.write(Buffer.concat([length, request.message]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        finish(null, received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.once('end', () => finish(new DnsWireError('the server closed the connection without a whole answer')));
  });
}

/** Sends one datagram and takes the first answer with the request's id. */
function sendUdp(server: ServerAddress, request: SignedUpdate, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new TimeoutError()), timeoutMs);
    const finish = (error: Error | null, answer?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(answer!);
    };
    socket.once('error', (error) => finish(error));
    socket.on('message', (message: Buffer) => {
      if (message.length >= 2 && message.readUInt16BE(0) === request.id) finish(null, message);
    });
    socket.send(request.message, server.port, server.host);
  });
}
