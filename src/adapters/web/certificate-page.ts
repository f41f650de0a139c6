/**
 * certflow's read-only page of one managed certificate, at `/certificates/<managed id>`: where Slack's *View details*
 * and the Jira ticket's link back lead. It shows the current certificate's facts, where it is installed, its owner
 * group, its lifecycle phase and its policy violations with their fixes. Until the HTTP API has authentication it
 * shows nothing personal or secret: no contacts, approvers or e-mail addresses (not even e-mail SANs), no keys.
 * Server-rendered, escaped HTML with inline style only; no script and nothing fetched from elsewhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatLocation } from '../../core/domain/inventory/location';
import type { InventoryCertificate, OwnerGroup } from '../../core/domain/inventory/model';
import type { InventoryStore, ManagedCertificate } from '../../core/ports/inventory-store';
import { requestUrl, type HttpHandler } from '../shared/http';
import { DAY_MS } from '../../core/domain/duration';
import { escapeHtml } from '../shared/escape-html';

/** Where the pages are mounted. */
export const CERTIFICATE_PAGE_PREFIX = '/certificates';

const MANAGED_ID = /^[0-9a-f]{8,64}$/;

/** What the page shows, gathered from the inventory. */
export interface CertificatePageInput {
  readonly managed: ManagedCertificate;
  /** The managed certificate's current version; null when the inventory lost it. */
  readonly certificate: InventoryCertificate | null;
  readonly group: OwnerGroup | null;
  /** ISO 8601: the instant days left count from. */
  readonly now: string;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d1c1d}
h1{font-size:1.5rem;margin-bottom:.25rem}.muted{color:#616061}dl{display:grid;grid-template-columns:12rem 1fr;gap:.25rem 1rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}code{font-size:.9em}.bad{color:#b3261e}.ok{color:#1a7f37}
li{margin-bottom:.5rem}`;

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${escapeHtml(title)} · certflow</title><style>${STYLE}</style></head><body>${body}</body></html>\n`
  );
}

function row(label: string, valueHtml: string): string {
  return `<dt>${escapeHtml(label)}</dt><dd>${valueHtml}</dd>`;
}

function list(items: readonly string[], none: string): string {
  if (items.length === 0) return `<span class="muted">${escapeHtml(none)}</span>`;
  return items.map((item) => escapeHtml(item)).join('<br>');
}

function keyText(certificate: InventoryCertificate): string {
  const { algorithm, sizeBits, curve } = certificate.facts.publicKey;
  if (curve !== null) return `${algorithm} ${curve}`;
  return sizeBits === null ? algorithm : `${algorithm} ${sizeBits}-bit`;
}

function daysLeftText(notAfter: string, now: string): string {
  const days = Math.floor((Date.parse(notAfter) - Date.parse(now)) / DAY_MS);
  if (days < 0) return `<span class="bad">expired ${-days} day${days === -1 ? '' : 's'} ago</span>`;
  return `${days} day${days === 1 ? '' : 's'} left`;
}

function factsHtml(certificate: InventoryCertificate, now: string): string {
  const { facts } = certificate;
  const sans = [...facts.subjectAltNames.dns, ...facts.subjectAltNames.ip, ...facts.subjectAltNames.uri];
  return (
    `<h2>Certificate</h2><dl>` +
    row('Subject', escapeHtml(facts.subject.text || '(empty)')) +
    row('Subject alternative names', list(sans, 'none')) +
    row('Issuer', escapeHtml(facts.issuer.text || '(empty)')) +
    row('Valid from', escapeHtml(facts.notBefore)) +
    row('Valid until', `${escapeHtml(facts.notAfter)} (${daysLeftText(facts.notAfter, now)})`) +
    row('Key', escapeHtml(keyText(certificate))) +
    row('Signature', escapeHtml(facts.signatureAlgorithm.name)) +
    row('SHA-256 fingerprint', `<code>${escapeHtml(facts.fingerprintSha256)}</code>`) +
    row('Serial number', `<code>${escapeHtml(facts.serialNumber)}</code>`) +
    row('Installed at', list(certificate.metadata.locations.map(formatLocation), 'no known location')) +
    `</dl>`
  );
}

function violationsHtml(certificate: InventoryCertificate): string {
  const result = certificate.policy;
  if (result === null) return `<h2>Policy</h2><p class="muted">Not evaluated yet.</p>`;
  if (result.violations.length === 0) return `<h2>Policy</h2><p class="ok">Compliant.</p>`;
  const items = result.violations.map(
    (violation) =>
      `<li><b>${escapeHtml(violation.ruleId)} ${escapeHtml(violation.rule)}</b> (${escapeHtml(violation.severity)}): ` +
      `${escapeHtml(violation.message)}<br>Fix: ${escapeHtml(violation.remedy)}</li>`,
  );
  return `<h2>Policy violations (${result.violations.length})</h2><ul>${items.join('')}</ul>`;
}

/** The certificate's facts and its policy verdict, as the read-only page shows them; the dashboard shows them too. */
export function certificateDetailsHtml(certificate: InventoryCertificate, now: string): string {
  return factsHtml(certificate, now) + violationsHtml(certificate);
}

/** The page of one managed certificate. Pure. */
export function certificatePageHtml(input: CertificatePageInput): string {
  const { managed, certificate, group } = input;
  const name =
    certificate?.facts.subject.commonName ?? certificate?.facts.subjectAltNames.dns[0] ?? `certificate ${managed.id}`;
  const ownerGroup = certificate?.metadata.ownerGroup ?? null;
  const groupText =
    group !== null
      ? escapeHtml(group.name)
      : ownerGroup !== null
        ? `${escapeHtml(ownerGroup)} <span class="muted">(not a known group)</span>`
        : '<span class="bad">none assigned</span>';
  const phase = managed.retired ? 'retired' : managed.phase;
  const lifecycle =
    `<h2>Lifecycle</h2><dl>` +
    row('Phase', `${escapeHtml(phase)}${managed.phaseDetail ? `: ${escapeHtml(managed.phaseDetail)}` : ''}`) +
    row('Owner group', groupText) +
    row('Change ticket', managed.ticketKey ? escapeHtml(managed.ticketKey) : '<span class="muted">none open</span>') +
    row('Managed since', escapeHtml(managed.createdAt)) +
    `</dl>`;
  const body =
    `<h1>${escapeHtml(name)}</h1><p class="muted">Managed certificate <code>${escapeHtml(managed.id)}</code>, ` +
    `as of ${escapeHtml(input.now)}. Read-only.</p>` +
    lifecycle +
    (certificate === null
      ? `<h2>Certificate</h2><p class="bad">The inventory has no certificate ${escapeHtml(managed.currentFingerprint)}: ` +
        `import it again, then run <code>certflow lifecycle sync</code>.</p>`
      : certificateDetailsHtml(certificate, input.now));
  return page(name, body);
}

function sendHtml(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : html);
}

function problemPage(response: ServerResponse, status: number, title: string, message: string): void {
  sendHtml(response, status, page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`));
}

/** What the handler reads. */
export interface CertificatePageDependencies {
  readonly store: Pick<InventoryStore, 'getManagedCertificate' | 'getCertificate' | 'getOwnerGroup'>;
  /** The clock of "days left"; the wall clock by default. */
  readonly now?: () => Date;
}

/** The handler of `GET /certificates/<managed id>`: the page, 400 for a malformed id, 404 for an unknown one. */
export function createCertificatePageHandler(dependencies: CertificatePageDependencies): HttpHandler {
  const now = dependencies.now ?? (() => new Date());
  return async (request: IncomingMessage, response: ServerResponse) => {
    const pathname = requestUrl(request).pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendHtml(response, 405, page('Method not allowed', '<h1>Only GET reads this page</h1>'), { Allow: 'GET, HEAD' });
      return true;
    }
    const id = pathname.slice(CERTIFICATE_PAGE_PREFIX.length).replace(/^\//, '');
    if (!MANAGED_ID.test(id)) {
      problemPage(
        response,
        id === '' ? 404 : 400,
        id === '' ? 'No certificate named' : 'Not a managed certificate id',
        id === ''
          ? 'Open /certificates/<managed id>; `certflow list` shows the ids.'
          : `"${id.slice(0, 80)}" is not a managed certificate id (8 to 64 lower-case hex digits); ` +
              '`certflow list` shows the ids.',
      );
      return true;
    }
    const managed = await dependencies.store.getManagedCertificate(id);
    if (managed === null) {
      problemPage(
        response,
        404,
        'No such certificate',
        `certflow manages no certificate ${id}: it may have been imported into another certflow, or its id mistyped; ` +
          '`certflow list` shows the ids.',
      );
      return true;
    }
    const certificate = await dependencies.store.getCertificate(managed.currentFingerprint);
    const groupId = certificate?.metadata.ownerGroup ?? null;
    const group = groupId === null ? null : await dependencies.store.getOwnerGroup(groupId);
    sendHtml(response, 200, certificatePageHtml({ managed, certificate, group, now: now().toISOString() }));
    return true;
  };
}
