/**
 * One endpoint's look: TCP connect, the STARTTLS dialogue if any, a TLS handshake that trusts nothing, and what the
 * server served. Every way an endpoint can fail ends as a failure observation within the endpoint's timeouts.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ParsedCertificate } from '../../core/domain/certificates/certificate-facts';
import { CertificateParseError } from '../../core/domain/certificates/errors';
import { parseCertificateDer } from '../../core/domain/certificates/parse-certificate';
import type { EndpointObservation, ScanFailure, ScanLimits, ScanTarget } from '../../core/ports/network-scanner';
import { negotiateStartTls, StartTlsRefusedError } from './starttls';
import { sha256 } from './trust-store';

/** What every probe of one scanner shares. */
export interface ProbeContext {
  /** Trust store, oldest protocols and every cipher: built once, since building one per connection is costly. */
  readonly secureContext: tls.SecureContext;
  /** SHA-256 of the trust store's certificates. */
  readonly trustAnchors: ReadonlySet<string>;
  readonly now: () => Date;
}

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
    let timer = setTimeout(
      () => fail('timeout', `no TCP connection within ${limits.connectTimeoutMs} ms (filtered, or the host is down)`),
      limits.connectTimeoutMs,
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
      timer = setTimeout(
        () =>
          fail(
            'timeout',
            `connected, but the ${phase} did not finish within ${limits.handshakeTimeoutMs} ms (a slow server or a tarpit)`,
          ),
        limits.handshakeTimeoutMs,
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
      servedChain(socket, context.trustAnchors).forEach((der, index) => {
        try {
          chain.push(parseCertificateDer(new Uint8Array(der), endpoint, index + 1));
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

/**
 * The served chain, leaf first, as DER. Node builds it from the certificates the server sent, then appends
 * issuers from the trust store when the last one sent is not self-signed; a trailing trust anchor is therefore left
 * out, since whether it was sent cannot be told, and an anchor lives in the trust store, not on the endpoint.
 */
function servedChain(socket: tls.TLSSocket, trustAnchors: ReadonlySet<string>): Buffer[] {
  const ders: Buffer[] = [];
  const seen = new Set<string>();
  let certificate: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (certificate?.raw !== undefined) {
    const fingerprint = sha256(certificate.raw);
    if (seen.has(fingerprint)) break;
    seen.add(fingerprint);
    ders.push(certificate.raw);
    certificate = certificate.issuerCertificate;
  }
  while (ders.length > 1 && trustAnchors.has(sha256(ders.at(-1)!))) ders.pop();
  return ders;
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
