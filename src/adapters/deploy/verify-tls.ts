/**
 * Verification of a live TLS endpoint (R-REN-2, R-MON-6): connect, read the served chain, and check the leaf's
 * fingerprint, the chain up to the trust anchors and the names. Hostname checks are separate from the chain check,
 * so a name mismatch and an incomplete chain are reported apart. Network failures are results, never throws.
 */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { normalizeHex } from '../../core/domain/certificates/hex';
import { splitPem } from '../../core/domain/certificates/pem';
import type { CertificateLocation } from '../../core/domain/inventory/model';
import { formatLocation } from '../../core/domain/inventory/location';
import type { VerificationResult } from '../../core/ports/deployer';

/** Certificates in PEM text; a broken block throws the parser's CertificateParseError. */
export function certificatesFromPem(text: string, source: string): X509Certificate[] {
  const split = splitPem(text, source);
  const first = split.errors[0];
  if (first) throw first;
  return split.blocks.filter((block) => block.kind === 'certificate').map((block) => new X509Certificate(block.der));
}

/** The SHA-256 fingerprint as certflow writes it: lower-case hex without separators. */
export function fingerprintOf(certificate: X509Certificate): string {
  return normalizeHex(certificate.fingerprint256);
}

/** What to check at one endpoint. */
export interface TlsVerifyOptions {
  readonly host: string;
  readonly port: number;
  /** SNI name; defaults to `host`. Never sent when it is an IP address. */
  readonly servername?: string;
  readonly expectedFingerprint: string;
  /** The only certificates trusted for the chain check, PEM. */
  readonly trustAnchorPems: readonly string[];
  /** DNS names and IP addresses the served certificate must cover. */
  readonly names: readonly string[];
  readonly timeoutMs: number;
  /** The location to report; `host:port` when absent. */
  readonly location?: CertificateLocation;
}

/** Why the chain did not verify, in words; `served` is how many certificates the server sent. */
function chainProblem(code: string, served: number): string {
  const sent = `the server sends ${served} certificate${served === 1 ? '' : 's'}`;
  switch (code) {
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `the served chain does not reach a trust anchor (${code}): ${sent}; install the intermediate CA certificates with it, or check that a trusted CA issued it`;
    case 'CERT_HAS_EXPIRED':
      return `a certificate in the served chain has expired (${code}); renew it or install the current intermediate`;
    case 'CERT_NOT_YET_VALID':
      return `a certificate in the served chain is not valid yet (${code}); check the server's and the CA's clocks`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `the served chain ends in a self-signed certificate that is not a trust anchor (${code}); install a certificate from a trusted CA`;
    default:
      return `the served chain does not verify against the trust anchors (${code}); ${sent}`;
  }
}

function networkProblem(where: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `nothing is listening at ${where} (connection refused); start the server or correct the location`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${where} closed the connection during the TLS handshake (${error.code}); check that it speaks TLS on this port`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name of ${where} does not resolve (${error.code}); correct the location or the DNS`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable (${error.code}); check the network path or the firewall`;
    case 'ETIMEDOUT':
      return `no answer from ${where} (${error.code}); check the firewall and that the server runs`;
    default:
      return `the TLS handshake with ${where} failed (${error.code ?? 'error'}: ${error.message}); check that it serves a certificate over TLS on this port`;
  }
}

/** How many certificates the server sent, from the linked peer certificate. */
function servedCount(peer: tls.DetailedPeerCertificate): number {
  let count = 0;
  const seen = new Set<tls.DetailedPeerCertificate>();
  for (let current: tls.DetailedPeerCertificate | undefined = peer; current?.raw; current = current.issuerCertificate) {
    // Node links a self-signed certificate, and the end of the chain it built, back to itself.
    if (seen.has(current)) break;
    seen.add(current);
    count++;
  }
  return count;
}

/** Connects to the endpoint and checks what it serves; never rejects. */
export function verifyTlsEndpoint(options: TlsVerifyOptions): Promise<VerificationResult> {
  const host = options.host.replace(/^\[(.*)\]$/, '$1');
  const location: CertificateLocation = options.location ?? { kind: 'endpoint', host, port: options.port };
  const where = formatLocation(location);
  const failure = (problem: string): VerificationResult => ({
    location,
    ok: false,
    servedFingerprint: null,
    chainComplete: false,
    namesMatch: false,
    problems: [problem],
  });
  let anchors: string[];
  try {
    anchors = options.trustAnchorPems.flatMap((pem, index) =>
      certificatesFromPem(pem, `trust anchor ${index + 1}`).map((anchor) => anchor.toString()),
    );
  } catch (error) {
    return Promise.resolve(failure(`a trust anchor is not readable: ${(error as Error).message}`));
  }
  const requested = options.servername ?? host;
  const servername = net.isIP(requested) ? undefined : requested;

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: VerificationResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = tls.connect({
      host,
      port: options.port,
      servername,
      // Only the anchors count: a certificate from a public CA is not "complete" for a private one.
      ca: anchors,
      rejectUnauthorized: false,
      // Names are checked one by one below; keep them out of `authorized`, which then speaks of the chain alone.
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(
      () =>
        finish(
          failure(
            `no TLS answer from ${where} within ${options.timeoutMs} ms; check the firewall and that the server runs`,
          ),
        ),
      options.timeoutMs,
    );
    socket.on('error', (error: NodeJS.ErrnoException) => finish(failure(networkProblem(where, error))));
    socket.on('close', () =>
      finish(failure(`${where} closed the connection before the TLS handshake finished; check that it speaks TLS`)),
    );
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      if (!peer?.raw) return finish(failure(`${where} completed the handshake without sending a certificate`));
      const problems: string[] = [];
      const servedFingerprint = normalizeHex(peer.fingerprint256);
      const expected = normalizeHex(options.expectedFingerprint);
      if (servedFingerprint !== expected) {
        problems.push(`${where} serves certificate ${servedFingerprint}, not the expected ${expected}`);
      }
      const chainComplete = socket.authorized && anchors.length > 0;
      if (anchors.length === 0) problems.push('no trust anchor was given to check the served chain against');
      else if (!socket.authorized) {
        problems.push(chainProblem(String(socket.authorizationError), servedCount(peer)));
      }
      const uncovered = options.names.filter((name) => tls.checkServerIdentity(name, peer) !== undefined);
      if (uncovered.length > 0) problems.push(`the served certificate does not cover ${uncovered.join(', ')}`);
      finish({
        location,
        ok: problems.length === 0,
        servedFingerprint,
        chainComplete,
        namesMatch: uncovered.length === 0,
        problems,
      });
    });
  });
}
