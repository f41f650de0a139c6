/**
 * Does a certificate name the server a client asked for (RFC 6125, as browsers apply it)? DNS names match the DNS
 * SANs case-insensitively, a wildcard standing for exactly one whole left-most label; IP addresses match IP SANs; the
 * subject CN counts only when the certificate has no DNS or IP SAN at all (RFC 6125 6.4.4).
 */
import type { CertificateFacts } from '../certificates/certificate-facts';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** True for IPv4 dotted quads and IPv6 text (anything with a colon): names that are never sent as SNI. */
export function isIpAddress(host: string): boolean {
  return IPV4.test(host) || host.includes(':');
}

/** Lower case without a trailing root dot: `WWW.Example.COM.` → `www.example.com`. */
function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Matches one presented DNS identifier against a reference name; `*` only as the whole left-most label. */
export function dnsNameMatches(presented: string, reference: string): boolean {
  const pattern = canonicalName(presented);
  const name = canonicalName(reference);
  if (pattern === '' || name === '') return false;
  if (!pattern.includes('*')) return pattern === name;
  const [first, ...rest] = pattern.split('.');
  // `*.example.com` covers one label; `f*.example.com`, `*.*.example.com` and `*.com` (a whole TLD) never match.
  if (first !== '*' || rest.length < 2 || rest.some((label) => label.includes('*') || label === '')) return false;
  const labels = name.split('.');
  return labels.length === rest.length + 1 && labels[0] !== '' && labels.slice(1).join('.') === rest.join('.');
}

/** Expands an IPv6 address to eight 4-digit groups, so `::1` and `0:0:0:0:0:0:0:1` compare equal; null when malformed. */
function expandIpv6(address: string): string | null {
  const text = address.toLowerCase().replace(/^\[|\]$/g, '');
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array.from({ length: missing }, () => '0'), ...tail];
  if (!all.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  return all.map((group) => group.padStart(4, '0')).join(':');
}

function sameIp(a: string, b: string): boolean {
  if (IPV4.test(a) || IPV4.test(b)) return a === b;
  const left = expandIpv6(a);
  return left !== null && left === expandIpv6(b);
}

/** True when the certificate names `reference` (a DNS name or an IP address) as a client would check it. */
export function certificateNamesServer(
  facts: Pick<CertificateFacts, 'subjectAltNames' | 'subject'>,
  reference: string,
): boolean {
  const { dns, ip } = facts.subjectAltNames;
  if (isIpAddress(reference)) return ip.some((address) => sameIp(address, reference));
  if (dns.length > 0) return dns.some((name) => dnsNameMatches(name, reference));
  if (ip.length > 0) return false;
  const commonName = facts.subject.commonName;
  return commonName !== null && dnsNameMatches(commonName, reference);
}
