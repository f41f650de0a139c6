/**
 * Publishes a CA over HTTP (R-REV-1): relying parties fetch the CRL from the distribution point written into every
 * certificate, and the CA certificates from the AIA URL or to install trust. Mount it at `/ca`.
 *
 * - `/ca/<name>/crl` the issuing CA's CRL, DER (`application/pkix-crl`); `/ca/<name>/crl.pem` the same as `X509 CRL` PEM
 * - `/ca/<name>/root.crl` the root's CRL, DER, the issuing CA certificate's distribution point; `root.crl.pem` as PEM
 * - `/ca/<name>/root.pem`, `/ca/<name>/issuing.pem` CA certificates, PEM (`application/x-pem-file`)
 * - `/ca/<name>/root.cer`, `/ca/<name>/issuing.cer` the same, DER (`application/pkix-cert`), as AIA URLs need
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpHandler, requestUrl, sendText } from '../shared/http';

/** What a CA publishes; InternalCa is one. */
export interface PublishedCa {
  readonly name: string;
  crlDer(): Promise<Uint8Array>;
  crlPem(): Promise<string>;
  rootCrlDer(): Promise<Uint8Array>;
  rootCrlPem(): Promise<string>;
  rootPem(): string;
  rootDer(): Uint8Array;
  issuingPem(): string;
  issuingDer(): Uint8Array;
}

const PEM = 'application/x-pem-file';
const CERTIFICATE_DER = 'application/pkix-cert';
const CRL_DER = 'application/pkix-crl';
// Relying parties must see a new revocation at once, not a cached list.
const CRL_CACHE = 'no-cache';
const CERTIFICATE_CACHE = 'public, max-age=3600';

/** One published document. */
interface Resource {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly body: () => Promise<string | Uint8Array>;
}

function send(request: IncomingMessage, response: ServerResponse, resource: Resource, body: string | Uint8Array): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  response.writeHead(200, {
    'Content-Type': resource.contentType,
    'Content-Length': bytes.length,
    'Cache-Control': resource.cacheControl,
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

/** A handler answering GET and HEAD for the CA's documents under `/ca/<name>/`; other paths are left to others. */
export function createCaHttpHandler(ca: PublishedCa): HttpHandler {
  const base = `/ca/${ca.name}/`;
  const resources: Readonly<Record<string, Resource>> = {
    crl: { contentType: CRL_DER, cacheControl: CRL_CACHE, body: () => ca.crlDer() },
    'crl.pem': { contentType: PEM, cacheControl: CRL_CACHE, body: () => ca.crlPem() },
    'root.crl': { contentType: CRL_DER, cacheControl: CRL_CACHE, body: () => ca.rootCrlDer() },
    'root.crl.pem': { contentType: PEM, cacheControl: CRL_CACHE, body: () => ca.rootCrlPem() },
    'root.pem': { contentType: PEM, cacheControl: CERTIFICATE_CACHE, body: async () => ca.rootPem() },
    'issuing.pem': { contentType: PEM, cacheControl: CERTIFICATE_CACHE, body: async () => ca.issuingPem() },
    'root.cer': { contentType: CERTIFICATE_DER, cacheControl: CERTIFICATE_CACHE, body: async () => ca.rootDer() },
    'issuing.cer': { contentType: CERTIFICATE_DER, cacheControl: CERTIFICATE_CACHE, body: async () => ca.issuingDer() },
  };

  return (request, response) => {
    const pathname = requestUrl(request).pathname;
    if (pathname !== base.slice(0, -1) && !pathname.startsWith(base)) return false;
    const document = pathname.slice(base.length);
    const resource = Object.hasOwn(resources, document) ? resources[document] : undefined;
    if (resource === undefined) {
      sendText(
        response,
        404,
        `no ${ca.name} CA document at ${pathname}; try ${base}crl, crl.pem, root.crl, root.pem or issuing.pem`,
      );
      return true;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendText(response, 405, `${request.method ?? 'this method'} is not allowed here; use GET or HEAD`, {
        Allow: 'GET, HEAD',
      });
      return true;
    }
    return resource.body().then((body) => {
      send(request, response, resource, body);
      return true;
    });
  };
}
