/**
 * The network scanner (R-INV-2 discovery, R-MON-6 re-checks) on node:tls: streams targets in lazily, keeps at most
 * `concurrency` endpoints in flight, paces new connections, and streams observations out as each endpoint finishes.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import tls from 'node:tls';
import type { EndpointObservation, NetworkScanner, ScanLimits, ScanTarget } from '../../core/ports/network-scanner';
import { probeEndpoint, type ProbeContext } from './endpoint-probe';
import { platformTrustStore, type TrustStore } from './trust-store';

/** Bounds that make no scan: the message names the bound and what it takes. */
export class ScanLimitsError extends Error {
  override readonly name = 'ScanLimitsError';
}

/** How the scanner judges and stamps what it sees. */
export interface TlsScannerOptions {
  /** Verdicts are given against this store; the platform's roots by default. */
  readonly trustStore?: TrustStore;
  readonly now?: () => Date;
}

/**
 * A scanner that completes every handshake without trusting anything, yet reports the platform verifier's verdict
 * against the trust store. Protocols down to TLS 1.0 and every cipher OpenSSL has are offered, so a weak endpoint is
 * observed rather than refused.
 */
export function createTlsScanner(options: TlsScannerOptions = {}): NetworkScanner {
  const trustStore = options.trustStore ?? platformTrustStore();
  const context: ProbeContext = {
    secureContext: tls.createSecureContext({
      ca: [...trustStore.certificates],
      minVersion: 'TLSv1',
      // Security level 0 lets OpenSSL 3 negotiate TLS 1.0/1.1, SHA-1 signatures and small keys.
      ciphers: 'DEFAULT:@SECLEVEL=0',
    }),
    parsed: new Map(),
    now: options.now ?? (() => new Date()),
  };
  return { scan: (targets, limits) => scan(targets, limits, context) };
}

async function* scan(
  targets: AsyncIterable<ScanTarget> | Iterable<ScanTarget>,
  limits: ScanLimits,
  context: ProbeContext,
): AsyncGenerator<EndpointObservation> {
  checkLimits(limits);
  const source: AsyncIterator<ScanTarget> | Iterator<ScanTarget> =
    Symbol.asyncIterator in targets ? targets[Symbol.asyncIterator]() : targets[Symbol.iterator]();
  const stop = new AbortController();
  // Every endpoint in flight listens for the stop: up to `concurrency` listeners is the design, not a leak.
  setMaxListeners(limits.concurrency + 1, stop.signal);
  const pace = pacer(limits.connectionsPerSecond);
  const finished: EndpointObservation[] = [];
  let running = 0;
  let exhausted = false;
  let wake: (() => void) | null = null;
  try {
    for (;;) {
      const observation = finished.shift();
      if (observation) {
        yield observation;
      } else if (!exhausted && running < limits.concurrency) {
        // Pulled one at a time, only when a slot is free: a range of any size costs one target of memory.
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          continue;
        }
        await pace();
        running++;
        void probeEndpoint(next.value, limits, context, stop.signal).then((result) => {
          running--;
          finished.push(result);
          wake?.();
        });
      } else if (running === 0) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    }
  } finally {
    stop.abort();
    await source.return?.();
  }
}

function checkLimits(limits: ScanLimits): void {
  const positive: [string, number | undefined][] = [
    ['concurrency', limits.concurrency],
    ['connectTimeoutMs', limits.connectTimeoutMs],
    ['handshakeTimeoutMs', limits.handshakeTimeoutMs],
  ];
  if (limits.connectionsPerSecond !== undefined) positive.push(['connectionsPerSecond', limits.connectionsPerSecond]);
  for (const [name, value] of positive) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new ScanLimitsError(`${name} is ${String(value)}: it must be a number above 0`);
    }
  }
  if (!Number.isInteger(limits.concurrency)) {
    throw new ScanLimitsError(`concurrency is ${limits.concurrency}: it must be a whole number of endpoints`);
  }
}

/** Waits as long as it takes to keep new connections at `perSecond` at most; unlimited when absent. */
function pacer(perSecond: number | undefined): () => Promise<void> {
  if (perSecond === undefined) return () => Promise.resolve();
  const interval = 1000 / perSecond;
  let nextStart = 0;
  return async () => {
    const now = performance.now();
    const wait = nextStart - now;
    nextStart = Math.max(now, nextStart) + interval;
    if (wait > 0) await delay(wait);
  };
}
