/**
 * One endpoint's look: TCP connect, the STARTTLS dialogue if any, a TLS handshake that trusts nothing, and what the
 * server served. Every way an endpoint can fail ends as a failure observation within the endpoint's timeouts.
 */
import type { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { ParsedCertificate } from '../../core/domain/certificates/certificate-facts';
import { CertificateParseError } from '../../core/domain/certificates/errors';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import type { EndpointObservation, ScanFailure, ScanLimits, ScanTarget } from '../../core/ports/network-scanner';
import { negotiateStartTls, StartTlsRefusedError } from './starttls';

/** What every probe of one scanner shares. */
export interface ProbeContext {
  /** Trust store, oldest protocols and every cipher: built once, since building one per connection is costly. */
  readonly secureContext: tls.SecureContext;
  /** Certificates already parsed, by SHA-256: the intermediates most endpoints serve are parsed once. */
  readonly parsed: Map<string, ParsedCertificate>;
  readonly now: () => Date;
}

/** Parsed certificates a scanner keeps; past it the cache starts over, so a long scan's memory stays flat. */
const PARSED_CACHE_SIZE = 4096;

type Phase = 'connect' | 'STARTTLS dialogue' | 'TLS handshake';

/** Connection errors that mean nothing can be reached at that address. */
const UNREACHABLE = new Set([
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** OpenSSL's words for bytes that are not a TLS record: the endpoint speaks another protocol. */
const NOT_TLS =
  /WRONG_VERSION_NUMBER|UNKNOWN_PROTOCOL|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LAYER_FAILURE|UNEXPECTED_RECORD/;

/** Looks at one endpoint; resolves (never rejects) with what it served or why it served nothing. */
export function probeEndpoint(
  target: ScanTarget,
  limits: ScanLimits,
  context: ProbeContext,
  signal: AbortSignal,
): Promise<EndpointObservation> {
  const endpoint = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  return new Promise((resolve) => {
    let phase: Phase = 'connect';
    let settled = false;
    let secure: tls.TLSSocket | null = null;
    const raw = net.connect({ host: target.host, port: target.port });
    // Timers run before the event loop reads sockets: a timeout that fires waits one turn (setImmediate runs after
    // the reads) so what the endpoint already sent is read first. A busy scanner never blames a punctual endpoint.
    const deadline = (ms: number, message: () => string): NodeJS.Timeout => {
      const armed = setTimeout(
        () =>
          setImmediate(() => {
            if (timer === armed) fail('timeout', message());
          }),
        ms,
      );
      return armed;
    };
    let timer = deadline(
      limits.connectTimeoutMs,
      () => `no TCP connection within ${limits.connectTimeoutMs} ms (filtered, or the host is down)`,
    );

    const finish = (observation: EndpointObservation): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      secure?.destroy();
      raw.destroy();
      resolve(observation);
    };
    const fail = (outcome: ScanFailure, message: string): void =>
      finish({ outcome, target, observedAt: context.now().toISOString(), message: `${endpoint}: ${message}` });
    const onError = (error: NodeJS.ErrnoException): void => fail(...classify(error, phase, limits));
    // A close without an error (the peer hung up cleanly): let an error emitted alongside it speak first.
    const onClose = (): void => {
      setImmediate(() => fail('reset', `the server closed the connection during the ${phase}`));
    };
    const onAbort = (): void => fail('error', 'the scan was stopped before this endpoint answered');

    signal.addEventListener('abort', onAbort);
    raw.on('error', onError);
    raw.on('close', onClose);
    raw.once('connect', () => {
      clearTimeout(timer);
      timer = deadline(
        limits.handshakeTimeoutMs,
        () =>
          `connected, but the ${phase} did not finish within ${limits.handshakeTimeoutMs} ms (a slow server or a tarpit)`,
      );
      void handshake();
    });

    async function handshake(): Promise<void> {
      if (target.startTls) {
        phase = 'STARTTLS dialogue';
        try {
          await negotiateStartTls(raw, target.startTls);
        } catch (error) {
          if (error instanceof StartTlsRefusedError) fail('starttls-refused', `${target.startTls}: ${error.message}`);
          else fail('error', (error as Error).message);
          return;
        }
      }
      if (settled) return;
      phase = 'TLS handshake';
      const servername = target.sni !== undefined && net.isIP(target.sni) === 0 ? target.sni : undefined;
      secure = tls.connect({
        socket: raw,
        secureContext: context.secureContext,
        rejectUnauthorized: false,
        // The verdict is the chain's alone; names are judged by the re-check rules against the SNI or host.
        checkServerIdentity: () => undefined,
        ...(servername ? { servername } : {}),
      });
      // Node builds a detailed object of every served certificate to hand to checkServerIdentity, which judges
      // nothing here (the chain is read below from the peer's X509Certificate): not building it saves about 0.4 ms
      // of CPU a handshake, an eighth of the scan's cost.
      secure.getPeerCertificate = unbuiltPeerCertificate;
      secure.on('error', onError);
      secure.on('close', onClose);
      secure.once('secureConnect', () => {
        try {
          finish(observe(secure!));
        } catch (error) {
          fail('error', `the handshake completed but its results could not be read: ${(error as Error).message}`);
        }
      });
    }

    function observe(socket: tls.TLSSocket): EndpointObservation {
      const chain: ParsedCertificate[] = [];
      const errors: string[] = [];
      servedChain(socket).forEach(({ der, fingerprint }, index) => {
        try {
          let certificate = context.parsed.get(fingerprint);
          if (!certificate) {
            certificate = parseCertificateDer(new Uint8Array(der), endpoint, index + 1);
            if (context.parsed.size >= PARSED_CACHE_SIZE) context.parsed.clear();
            context.parsed.set(fingerprint, certificate);
          }
          chain.push(certificate);
        } catch (error) {
          if (!(error instanceof CertificateParseError)) throw error;
          errors.push(error.message);
        }
      });
      const authorizationError = socket.authorizationError as Error | string | null | undefined;
      return {
        outcome: 'served',
        target,
        observedAt: context.now().toISOString(),
        chain,
        protocol: socket.getProtocol() ?? 'unknown',
        cipher: socket.getCipher().standardName,
        verdict: socket.authorized ? { trusted: true } : { trusted: false, code: String(authorizationError) },
        errors,
      };
    }
  });
}

/** Stands in for the detailed peer certificate Node builds only to pass to the (no-op) checkServerIdentity. */
function unbuiltPeerCertificate(): tls.DetailedPeerCertificate {
  return {} as tls.DetailedPeerCertificate;
}

/**
 * The chain exactly as served, leaf first, in the server's order. Node's X509Certificate of the peer links each
 * served certificate to the next one sent (never to one from the trust store), ending at the last one sent.
 */
function servedChain(socket: tls.TLSSocket): { der: Buffer; fingerprint: string }[] {
  const chain: { der: Buffer; fingerprint: string }[] = [];
  let certificate: X509Certificate | undefined = socket.getPeerX509Certificate();
  while (certificate !== undefined) {
    const fingerprint = certificate.fingerprint256;
    // A certificate sent twice would link to itself: the chain ends there.
    if (chain.some((served) => served.fingerprint === fingerprint)) break;
    chain.push({ der: certificate.raw, fingerprint });
    certificate = certificate.issuerCertificate;
  }
  return chain;
}

function classify(error: NodeJS.ErrnoException, phase: Phase, limits: ScanLimits): [ScanFailure, string] {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return ['refused', 'connection refused: nothing listens on this port'];
  if (code === 'ECONNRESET' || code === 'EPIPE') return ['reset', `the connection was reset during the ${phase}`];
  if (code === 'ETIMEDOUT') return ['timeout', `no TCP connection within ${limits.connectTimeoutMs} ms`];
  if (UNREACHABLE.has(code)) return ['unreachable', `cannot reach the host (${code}): ${error.message}`];
  if (NOT_TLS.test(code) || NOT_TLS.test(error.message)) {
    return [
      'not-tls',
      `the server does not speak TLS on this port (${error.message}); name its STARTTLS protocol if it has one`,
    ];
  }
  return ['error', `${phase} failed: ${error.message}`];
}
