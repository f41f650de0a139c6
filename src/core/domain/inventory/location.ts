import type { CertificateLocation } from './model';

/** A location string that is neither `host:port`, `/absolute/path` nor `host:/absolute/path`. */
export class InvalidLocationError extends Error {
  override readonly name = 'InvalidLocationError';
  constructor(readonly input: string) {
    super(
      `"${input}" is not a location; write host:port (www.example.com:443, [2001:db8::1]:8443), ` +
        'an absolute file path (/etc/ssl/www.pem) or host:/absolute/path',
    );
  }
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?)*|\[[0-9A-Fa-f:.]+\])$/;

/** Reads `host:port` (TCP port 1–65535) or returns null when the text has another shape. */
export function parseEndpoint(text: string): { host: string; port: number } | null {
  const match = /^(.+):(\d{1,5})$/.exec(text.trim());
  if (!match?.[1] || !match[2] || !HOST.test(match[1])) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return null;
  const host = match[1].startsWith('[') ? match[1].slice(1, -1) : match[1];
  return { host: host.toLowerCase(), port };
}

/** Parses a location as written in CSV files and on the command line. */
export function parseLocation(text: string): CertificateLocation {
  const trimmed = text.trim();
  const endpoint = parseEndpoint(trimmed);
  if (endpoint) return { kind: 'endpoint', ...endpoint };
  if (trimmed.startsWith('/')) return { kind: 'file', path: trimmed };
  const onHost = /^([^:/\s]+):(\/.*)$/.exec(trimmed);
  if (onHost?.[1] && onHost[2] && HOST.test(onHost[1])) {
    return { kind: 'file', host: onHost[1].toLowerCase(), path: onHost[2] };
  }
  throw new InvalidLocationError(text);
}

/** The canonical text of a location: the inverse of {@link parseLocation}. */
export function formatLocation(location: CertificateLocation): string {
  if (location.kind === 'endpoint') {
    const host = location.host.includes(':') ? `[${location.host}]` : location.host;
    return `${host}:${location.port}`;
  }
  return location.host ? `${location.host}:${location.path}` : location.path;
}
