/**
 * What network discovery asks of the network (R-INV-2, R-MON-6): complete a TLS handshake with each target without
 * trusting anything, and report what was served. The scanner decides nothing; the re-check rules in the domain judge
 * each observation against the inventory.
 */
import type { ParsedCertificate } from '../domain/certificates/certificate-facts';

/** Protocols whose certificates hide behind a plaintext greeting, upgraded as `openssl s_client -starttls` does. */
export type StartTlsProtocol = 'smtp' | 'imap' | 'pop3' | 'ldap' | 'postgres';

/** One endpoint to look at: an address, a port and, for virtual hosts, the name sent as SNI. */
export interface ScanTarget {
  /** An IPv4 or IPv6 address, or a DNS name. */
  readonly host: string;
  readonly port: number;
  /** Server name sent in the ClientHello; absent sends none (an IP address is never sent as SNI). */
  readonly sni?: string;
  readonly startTls?: StartTlsProtocol;
}

/** Why an endpoint served no certificate. */
export type ScanFailure = 'refused' | 'reset' | 'timeout' | 'unreachable' | 'not-tls' | 'starttls-refused' | 'error';

/** The trust verdict on a served chain, as the platform's verifier gave it against the configured trust store. */
export interface ChainVerdict {
  /** True when the served chain reaches a trusted root (names are not checked here). */
  readonly trusted: boolean;
  /** The verifier's code when not trusted, e.g. `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, `CERT_HAS_EXPIRED`. */
  readonly code?: string;
}

/** What one target served, or why it served nothing. */
export type EndpointObservation =
  | {
      readonly outcome: 'served';
      readonly target: ScanTarget;
      /** ISO 8601 instant the handshake completed. */
      readonly observedAt: string;
      /** The chain as served, leaf first; certificates that did not parse are left out and named in `errors`. */
      readonly chain: readonly ParsedCertificate[];
      /** Negotiated protocol: `TLSv1.3`, `TLSv1.2`, `TLSv1.1`, `TLSv1`. */
      readonly protocol: string;
      /** Negotiated cipher suite, in its standard (IANA) name. */
      readonly cipher: string;
      readonly verdict: ChainVerdict;
      /** Per-certificate problems (a served certificate that does not parse): reported, the rest kept. */
      readonly errors: readonly string[];
    }
  | {
      readonly outcome: ScanFailure;
      readonly target: ScanTarget;
      readonly observedAt: string;
      /** For people: what happened and, where there is one, the fix. */
      readonly message: string;
    };

/** Bounds of one scan. Every bound is per endpoint except the concurrency and the rate. */
export interface ScanLimits {
  /** Endpoints in flight at once. */
  readonly concurrency: number;
  /** TCP connect timeout. */
  readonly connectTimeoutMs: number;
  /** From connected to handshake complete (STARTTLS greeting included). */
  readonly handshakeTimeoutMs: number;
  /** New connections per second at most; absent is unlimited. */
  readonly connectionsPerSecond?: number;
}

/** Scans a stream of targets, yielding one observation per target as each completes (not in input order). */
export interface NetworkScanner {
  scan(
    targets: AsyncIterable<ScanTarget> | Iterable<ScanTarget>,
    limits: ScanLimits,
  ): AsyncIterable<EndpointObservation>;
}
