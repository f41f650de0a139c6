/**
 * Scan targets as people write them (R-INV-2 discovery), read into specs and expanded lazily into endpoints.
 *
 * One target is `HOST:PORTS[/PROTOCOL][=NAMES]`:
 * - HOST is a DNS name, an IPv4 address, an IPv4 CIDR range (`10.0.0.0/16`), or an IPv6 address or range in
 *   brackets (`[2001:db8::1]`, `[2001:db8::/120]`);
 * - PORTS is a list of ports and ranges: `443,8443,9000-9010`;
 * - PROTOCOL is the STARTTLS dialogue: `smtp`, `imap`, `pop3`, `ldap`, `postgres`, or `tls` for TLS from the first
 *   byte; without it, ports 25 and 587 speak smtp, 143 imap, 110 pop3, 389 ldap and 5432 postgres, others TLS;
 * - NAMES are the server names sent as SNI, one endpoint each: `127.0.0.1:443=www.example.com,api.example.com`.
 *   Without them a DNS host is its own SNI and an address sends none (an IP address is never sent as SNI).
 *
 * A targets file holds targets separated by spaces or lines; `#` starts a comment. Expansion is a generator: a /8
 * costs no memory, but a scan covering more addresses than its limit (65,536 by default) is refused up front.
 */

/** The STARTTLS dialogues a target can ask for, as `openssl s_client -starttls` names them. */
export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ldap', 'postgres'] as const;

/** A protocol that upgrades a plaintext connection to TLS. */
export type StartTlsDialogue = (typeof STARTTLS_PROTOCOLS)[number];

/** Ports whose service speaks STARTTLS unless the target says `/tls`. */
export const STARTTLS_PORT_DEFAULTS: Readonly<Record<number, StartTlsDialogue>> = {
  25: 'smtp',
  587: 'smtp',
  143: 'imap',
  110: 'pop3',
  389: 'ldap',
  5432: 'postgres',
};

/** Addresses a scan may cover unless its caller raises the limit. */
export const DEFAULT_MAX_SCAN_ADDRESSES = 65_536;

/** One endpoint to scan; the same shape as the NetworkScanner port's ScanTarget. */
export interface DiscoveryTarget {
  readonly host: string;
  readonly port: number;
  readonly sni?: string;
  readonly startTls?: StartTlsDialogue;
}

/** The hosts of one target: a DNS name, or a block of consecutive addresses. */
export type TargetHosts =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'ipv4'; readonly first: number; readonly count: number }
  | { readonly kind: 'ipv6'; readonly first: bigint; readonly count: bigint };

/** One target as written, read but not expanded. */
export interface TargetSpec {
  readonly text: string;
  readonly hosts: TargetHosts;
  /** Inclusive port ranges, in the order written. */
  readonly ports: readonly (readonly [number, number])[];
  /** The protocol written after `/`; null follows the port defaults. */
  readonly protocol: StartTlsDialogue | 'tls' | null;
  /** SNI names written after `=`; empty sends the host's own name, if it has one. */
  readonly names: readonly string[];
}

/** A target that cannot be read; the message names the target, what is wrong and how to write it. */
export class InvalidTargetError extends Error {
  override readonly name = 'InvalidTargetError';
  constructor(
    readonly target: string,
    readonly reason: string,
    /** 1-based line in a targets file, or null for a single target. */
    readonly line: number | null = null,
  ) {
    super(`${line === null ? '' : `line ${line}: `}${target}: ${reason}`);
  }
}

/** Targets covering more addresses than the scan's limit. */
export class ScanTooLargeError extends Error {
  override readonly name = 'ScanTooLargeError';
  constructor(
    readonly addresses: bigint,
    readonly limit: number,
    limitName: string,
  ) {
    super(
      `the targets cover ${addresses.toLocaleString('en-US')} addresses, more than the limit of ` +
        `${limit.toLocaleString('en-US')} per scan: narrow the ranges, or raise ${limitName} if the scan is meant`,
    );
  }
}

const IPV4_SIZE = 32;
const IPV6_SIZE = 128;
const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Reads one target (`host:ports[/protocol][=names]`); throws InvalidTargetError naming the fix. */
export function parseTarget(text: string, line: number | null = null): TargetSpec {
  const target = text.trim();
  const refuse = (reason: string): never => {
    throw new InvalidTargetError(target, reason, line);
  };
  if (target === '') refuse('the target is empty: write host:port, e.g. www.example.com:443');
  const { hostText, rest } = splitHost(target, refuse);
  const equals = rest.indexOf('=');
  const portPart = equals < 0 ? rest : rest.slice(0, equals);
  const slash = portPart.indexOf('/');
  const portsText = slash < 0 ? portPart : portPart.slice(0, slash);
  const protocolText = slash < 0 ? null : portPart.slice(slash + 1).toLowerCase();
  const hosts = parseHosts(hostText, refuse);
  const ports = parsePorts(portsText, refuse);
  let protocol: TargetSpec['protocol'] = null;
  if (protocolText !== null) {
    if (protocolText !== 'tls' && !(STARTTLS_PROTOCOLS as readonly string[]).includes(protocolText)) {
      refuse(`"${protocolText}" is not a protocol: write /${STARTTLS_PROTOCOLS.join(', /')} or /tls after the ports`);
    }
    protocol = protocolText as TargetSpec['protocol'];
  }
  const names = equals < 0 ? [] : parseNames(rest.slice(equals + 1), refuse);
  return { text: target, hosts, ports, protocol, names };
}

/** Reads a targets file: targets separated by spaces or lines, `#` to the end of a line is a comment. */
export function parseTargetsFile(text: string): TargetSpec[] {
  const specs: TargetSpec[] = [];
  text.split(/\r?\n/).forEach((content, index) => {
    const hash = content.indexOf('#');
    const code = hash < 0 ? content : content.slice(0, hash);
    for (const word of code.split(/\s+/)) if (word !== '') specs.push(parseTarget(word, index + 1));
  });
  return specs;
}

/** How many addresses the specs cover (a DNS name counts as one). */
export function countAddresses(specs: Iterable<TargetSpec>): bigint {
  let total = 0n;
  for (const spec of specs) {
    total += spec.hosts.kind === 'name' ? 1n : BigInt(spec.hosts.count);
  }
  return total;
}

/** Options of {@link expandTargets}. */
export interface ExpandOptions {
  /** Addresses the whole scan may cover (default {@link DEFAULT_MAX_SCAN_ADDRESSES}). */
  readonly maxAddresses?: number;
  /** How the caller's user raises the limit, named in the refusal (default `the address limit`). */
  readonly limitName?: string;
}

/**
 * Every endpoint of the specs, lazily: address by address, each port, each SNI name. Refuses (before yielding
 * anything) specs covering more addresses than the limit.
 */
export function expandTargets(specs: readonly TargetSpec[], options: ExpandOptions = {}): Generator<DiscoveryTarget> {
  const limit = options.maxAddresses ?? DEFAULT_MAX_SCAN_ADDRESSES;
  const addresses = countAddresses(specs);
  if (addresses > BigInt(limit))
    throw new ScanTooLargeError(addresses, limit, options.limitName ?? 'the address limit');
  return generateTargets(specs);
}

function* generateTargets(specs: readonly TargetSpec[]): Generator<DiscoveryTarget> {
  for (const spec of specs) {
    for (const host of hostsOf(spec.hosts)) {
      for (const [low, high] of spec.ports) {
        for (let port = low; port <= high; port++) {
          const protocol = spec.protocol ?? STARTTLS_PORT_DEFAULTS[port] ?? 'tls';
          const startTls = protocol === 'tls' ? {} : { startTls: protocol };
          if (spec.names.length > 0) {
            for (const sni of spec.names) yield { host, port, sni, ...startTls };
          } else {
            yield spec.hosts.kind === 'name' ? { host, port, sni: host, ...startTls } : { host, port, ...startTls };
          }
        }
      }
    }
  }
}

function* hostsOf(hosts: TargetHosts): Generator<string> {
  if (hosts.kind === 'name') {
    yield hosts.name;
  } else if (hosts.kind === 'ipv4') {
    for (let offset = 0; offset < hosts.count; offset++) yield formatIpv4(hosts.first + offset);
  } else {
    for (let offset = 0n; offset < hosts.count; offset++) yield formatIpv6(hosts.first + offset);
  }
}

function splitHost(target: string, refuse: (reason: string) => never): { hostText: string; rest: string } {
  if (target.startsWith('[')) {
    const close = target.indexOf(']');
    if (close < 0) refuse('an IPv6 address opened with [ is not closed: write [2001:db8::1]:443');
    if (target[close + 1] !== ':')
      refuse(`a port is missing after the address: write ${target.slice(0, close + 1)}:443`);
    return { hostText: target.slice(0, close + 1), rest: target.slice(close + 2) };
  }
  const colon = target.indexOf(':');
  if (colon < 0) refuse(`a port is missing: write ${target}:443`);
  const beforeNames = target.split('=')[0]!;
  if (beforeNames.indexOf(':', colon + 1) >= 0) {
    refuse(`an IPv6 address goes in brackets: write [${beforeNames.slice(0, beforeNames.lastIndexOf(':'))}]:443`);
  }
  return { hostText: target.slice(0, colon), rest: target.slice(colon + 1) };
}

function parseHosts(text: string, refuse: (reason: string) => never): TargetHosts {
  if (text.startsWith('[')) {
    const inner = text.slice(1, -1);
    const [address = '', prefixText, extra] = inner.split('/');
    if (extra !== undefined) refuse(`"${inner}" has two prefix lengths: write one, e.g. [2001:db8::/120]`);
    const value = parseIpv6(address);
    if (value === null) refuse(`"${address}" is not an IPv6 address: write e.g. [2001:db8::1]`);
    const prefix = prefixText === undefined ? IPV6_SIZE : parsePrefix(prefixText, IPV6_SIZE, 'IPv6', refuse);
    const hostBits = BigInt(IPV6_SIZE - prefix);
    if (value & ((1n << hostBits) - 1n)) {
      const network = formatIpv6((value >> hostBits) << hostBits);
      refuse(`the address has bits set past the /${prefix} prefix: write the network, [${network}/${prefix}]`);
    }
    return { kind: 'ipv6', first: value, count: 1n << hostBits };
  }
  if (text === '') refuse('the host is empty: write host:port, e.g. www.example.com:443');
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) refuse(`two prefix lengths: write one, e.g. 10.0.0.0/16`);
  if (/^[\d.]+$/.test(address)) {
    const value = parseIpv4(address, refuse);
    const prefix = prefixText === undefined ? IPV4_SIZE : parsePrefix(prefixText, IPV4_SIZE, 'IPv4', refuse);
    const count = 2 ** (IPV4_SIZE - prefix);
    if (value % count !== 0) {
      refuse(
        `the address has bits set past the /${prefix} prefix: write the network, ${formatIpv4(value - (value % count))}/${prefix}`,
      );
    }
    return { kind: 'ipv4', first: value, count };
  }
  if (prefixText !== undefined) refuse(`a range needs an address, not a name: write e.g. 10.0.0.0/24`);
  return { kind: 'name', name: parseDnsName(address, refuse) };
}

function parsePrefix(text: string, size: number, family: string, refuse: (reason: string) => never): number {
  const prefix = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(prefix >= 0 && prefix <= size)) refuse(`a prefix length is 0–${size} for ${family}`);
  return prefix;
}

function parseIpv4(text: string, refuse: (reason: string) => never): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^(?:0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255)) {
    refuse(`"${text}" is not an IPv4 address: write four numbers 0–255 without leading zeros, e.g. 192.0.2.10`);
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let groups: string[];
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const split = (half: string) => (half === '' ? [] : half.split(':'));
  let tail = split(halves[1] ?? '');
  let head = split(halves[0]!);
  // A dotted IPv4 ending (::ffff:192.0.2.1) stands for the last two groups.
  const last = (halves.length === 2 ? tail : head).at(-1);
  if (last?.includes('.')) {
    const four = last.split('.').map((part) => (/^(?:0|[1-9]\d{0,2})$/.test(part) ? Number(part) : NaN));
    if (four.length !== 4 || four.some((part) => !(part <= 255))) return null;
    const words = [((four[0]! << 8) | four[1]!).toString(16), ((four[2]! << 8) | four[3]!).toString(16)];
    if (halves.length === 2) tail = [...tail.slice(0, -1), ...words];
    else head = [...head.slice(0, -1), ...words];
  }
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8 || groups.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function parsePorts(text: string, refuse: (reason: string) => never): [number, number][] {
  if (text === '') refuse('the port is missing: write a port or a list, e.g. 443 or 443,8443,9000-9010');
  return text.split(',').map((item) => {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    if (!match) refuse(`"${item}" is not a port: write a port 1–65535 or a range such as 9000-9010`);
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : Number(match[2]);
    for (const port of [low, high]) {
      if (port < 1 || port > 65_535) refuse(`port ${port} is out of range: a port is 1–65535`);
    }
    if (high < low) refuse(`the port range ${item} runs backwards: write ${high}-${low}`);
    return [low, high];
  });
}

function parseNames(text: string, refuse: (reason: string) => never): string[] {
  if (text === '') refuse('no SNI name after "=": write =www.example.com or leave "=" out');
  return text.split(',').map((name) => {
    if (/^[\d.]+$/.test(name) || name.includes(':')) {
      refuse(`"${name}" is an address: SNI carries a DNS name, never an address; leave it out to send no SNI`);
    }
    return parseDnsName(name, refuse);
  });
}

function parseDnsName(text: string, refuse: (reason: string) => never): string {
  const name = text.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253 || !name.split('.').every((label) => DNS_LABEL.test(label))) {
    refuse(
      `"${text}" is not a DNS name: use letters, digits and hyphens in dot-separated labels, e.g. www.example.com`,
    );
  }
  return name;
}

/** Dotted-quad text of a 32-bit address. */
export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** RFC 5952 text of a 128-bit address: lower case, the longest run of two or more zero groups written `::`. */
export function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
