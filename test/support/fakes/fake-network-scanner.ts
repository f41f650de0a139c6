/**
 * A NetworkScanner stand-in for use-case tests: each target gets what the test says its endpoint serves now (a
 * chain, a protocol, a verdict) or why it fails, and the scans it was asked for are kept.
 */
import type { ParsedCertificate } from '../../../src/core/domain/certificates/certificate-facts';
import type {
  ChainVerdict,
  EndpointObservation,
  NetworkScanner,
  ScanFailure,
  ScanLimits,
  ScanTarget,
} from '../../../src/core/ports/network-scanner';

/** What one endpoint does when scanned. */
export type FakeEndpoint =
  | {
      readonly chain: readonly ParsedCertificate[];
      readonly protocol?: string;
      readonly verdict?: ChainVerdict;
      readonly errors?: readonly string[];
    }
  | { readonly failure: ScanFailure; readonly message?: string };

/** The key of a target in a fake network: `host:port` or `host:port=sni`. */
export const endpointKey = (target: ScanTarget) => `${target.host}:${target.port}${target.sni ? `=${target.sni}` : ''}`;

/** A network of fake endpoints; a target it does not know is refused. Change `endpoints` between scans. */
export class FakeNetworkScanner implements NetworkScanner {
  readonly endpoints = new Map<string, FakeEndpoint>();
  readonly scans: ScanLimits[] = [];
  /** Targets scanned, in order, over every scan. */
  readonly scanned: ScanTarget[] = [];

  constructor(private readonly observedAt: () => string) {}

  async *scan(
    targets: AsyncIterable<ScanTarget> | Iterable<ScanTarget>,
    limits: ScanLimits,
  ): AsyncIterable<EndpointObservation> {
    this.scans.push(limits);
    for await (const target of targets) {
      this.scanned.push(target);
      const endpoint = this.endpoints.get(endpointKey(target)) ?? { failure: 'refused' as const };
      const observedAt = this.observedAt();
      if ('failure' in endpoint) {
        yield {
          outcome: endpoint.failure,
          target,
          observedAt,
          message: endpoint.message ?? `${endpointKey(target)}: connection ${endpoint.failure}`,
        };
      } else {
        yield {
          outcome: 'served',
          target,
          observedAt,
          chain: endpoint.chain,
          protocol: endpoint.protocol ?? 'TLSv1.3',
          cipher: 'TLS_AES_128_GCM_SHA256',
          verdict: endpoint.verdict ?? { trusted: true },
          errors: endpoint.errors ?? [],
        };
      }
    }
  }
}
