/** DNS server addresses as configuration writes them: `host`, `host:port`, `[v6]` or `[v6]:port`. */
import net from 'node:net';

/** A parsed server address and its text for messages. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

/** A server address that cannot be parsed; the message says what to write. */
export class ServerAddressError extends Error {
  override readonly name = 'ServerAddressError';
}

/** Parses `text`, using `defaultPort` when it names none. */
export function parseServerAddress(text: string, defaultPort: number): ServerAddress {
  const trimmed = text.trim();
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed) ?? /^([^:\s]+)(?::(\d+))?$/.exec(trimmed);
  const bare = net.isIPv6(trimmed) ? trimmed : null;
  const host = bare ?? match?.[1];
  const port = bare ? defaultPort : match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535 || (trimmed.startsWith('[') && !net.isIPv6(host))) {
    throw new ServerAddressError(
      `"${text}" is not a DNS server address; write host:port, e.g. 192.0.2.53:53 or [2001:db8::53]:53`,
    );
  }
  return { host, port, text: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}` };
}
