/**
 * HTTP-01 (RFC 8555 section 8.3): certflow's HTTP server answers `GET /.well-known/acme-challenge/<token>` with the
 * key authorization of an order the ACME adapter is proving, read from the shared {@link AcmeState}. Mount it at
 * `/.well-known/acme-challenge`; the CA must reach that server on port 80 of every name in the order.
 */
import type { HttpHandler } from '../shared/http';
import { requestUrl, sendText } from '../shared/http';
import type { AcmeState } from './acme-state';

/** The path prefix the CA fetches from. */
export const HTTP01_PREFIX = '/.well-known/acme-challenge';

/** RFC 8555 tokens are base64url, at least 128 bits. */
const TOKEN = /^[A-Za-z0-9_-]{22,128}$/;

/** A handler serving the key authorizations of pending HTTP-01 challenges; unknown tokens get 404. */
export function createHttp01Handler(state: AcmeState): HttpHandler {
  return async (request, response) => {
    const path = requestUrl(request).pathname;
    if (!path.startsWith(`${HTTP01_PREFIX}/`)) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendText(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
      return true;
    }
    const token = path.slice(HTTP01_PREFIX.length + 1);
    const answer = TOKEN.test(token) ? await state.http01(token) : null;
    if (answer === null) {
      sendText(response, 404, 'no ACME challenge is pending for this token');
      return true;
    }
    // The body is the key authorization exactly: no trailing newline, as the CA compares it byte for byte.
    response.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': Buffer.byteLength(answer),
      'Cache-Control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : answer);
    return true;
  };
}
