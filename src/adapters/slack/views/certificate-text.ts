/** How views describe a certificate: its name, names, key, issuer, locations and owner group, as escaped mrkdwn. */
import { formatLocation } from '../../../core/domain/inventory/location';
import type { CertificateSummary, TicketRef } from '../../../core/domain/lifecycle/model';
import { escapeMrkdwn, link, userText } from './mrkdwn';
import { DAY_MS } from '../../../core/domain/duration';

/** The one name people know a certificate by: its common name, else its first DNS name or IP, else its id. */
export function certificateName(certificate: CertificateSummary): string {
  return certificate.commonName ?? certificate.dnsNames[0] ?? certificate.ipAddresses[0] ?? certificate.id;
}

/**
 * Escaped list of `items`: at most `max` of them and at most `maxChars` characters (long items are cut), then how
 * many more there are, so the count survives Slack's text limits.
 */
export function listWithMore(items: readonly string[], max: number, none = '—', maxChars = 1500): string {
  if (items.length === 0) return none;
  const shown: string[] = [];
  let length = 0;
  for (const item of items.slice(0, max)) {
    const text = userText(item, 300);
    if (shown.length > 0 && length + text.length + 2 > maxChars) break;
    shown.push(text);
    length += text.length + 2;
  }
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** The subject alternative names (DNS, then IP), escaped, at most `max` of them. */
export function namesText(certificate: CertificateSummary, max = 10): string {
  return listWithMore([...certificate.dnsNames, ...certificate.ipAddresses], max);
}

/** `RSA 2048`, `EC P-256`, `Ed25519`. */
export function keyText(certificate: Pick<CertificateSummary, 'keyAlgorithm' | 'keySize' | 'curve'>): string {
  if (certificate.keyAlgorithm === 'EC') return `EC ${certificate.curve ?? `${certificate.keySize ?? '?'}-bit`}`;
  if (certificate.keySize !== null && certificate.keyAlgorithm !== 'Ed25519' && certificate.keyAlgorithm !== 'Ed448') {
    return `${certificate.keyAlgorithm} ${certificate.keySize}`;
  }
  return certificate.keyAlgorithm;
}

/** Where the certificate is installed, escaped, at most `max` locations. */
export function locationsText(certificate: CertificateSummary, max = 5): string {
  return listWithMore(certificate.locations.map(formatLocation), max, 'no known location');
}

/** The owner group's name, else its id, else a call to assign one. */
export function ownerGroupText(certificate: CertificateSummary, groupName: string | null = null): string {
  if (groupName) return escapeMrkdwn(groupName);
  return certificate.ownerGroup ? escapeMrkdwn(certificate.ownerGroup) : 'no owner group (assign one)';
}

/** The ticket as a link, or a dash. */
export function ticketText(ticket: TicketRef | null): string {
  return ticket ? link(ticket.url, ticket.key) : '—';
}

/** Whole days between notBefore and notAfter. */
export function validityDays(certificate: Pick<CertificateSummary, 'notBefore' | 'notAfter'>): number {
  return Math.round((Date.parse(certificate.notAfter) - Date.parse(certificate.notBefore)) / DAY_MS);
}

/**
 * Addresses the application is known at: the hosts and SNI names of the certificate's locations plus any the caller
 * knows, lower-case.
 */
export function knownAddresses(certificate: CertificateSummary, extra: readonly string[] = []): Set<string> {
  const hosts = certificate.locations.flatMap((location) =>
    location.kind === 'endpoint' ? [location.host, ...(location.sni ? [location.sni] : [])] : (location.host ?? []),
  );
  return new Set([...hosts, ...extra].map((host) => host.toLowerCase()));
}

/** Does `name` (possibly a `*.` wildcard) cover one of the known addresses, or is it one of them? */
export function nameIsKnown(name: string, known: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase();
  if (known.has(lower)) return true;
  if (!lower.startsWith('*.')) return false;
  const suffix = lower.slice(1);
  return [...known].some((host) => host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.'));
}
