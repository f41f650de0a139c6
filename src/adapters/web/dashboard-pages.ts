/**
 * The dashboard's pages as pure functions of what they show (R-REP-1): server-rendered, escaped HTML that links one
 * stylesheet and one script from certflow itself (no inline script or style, so a strict Content-Security-Policy
 * holds), a skip link, labelled controls in reading order, and forms that carry the session's CSRF token. An action
 * appears only when the viewer's role allows it; the server refuses it anyway when it does not.
 */
import { describeCampaignSelector } from '../../core/domain/campaigns/selector';
import { CAMPAIGN_KINDS, CAMPAIGN_MEMBER_STATES } from '../../core/domain/campaigns/model';
import type { CampaignPreview } from '../../core/domain/campaigns/model';
import type { AuditEntry, InventoryCertificate } from '../../core/domain/inventory/model';
import type { LifecycleView } from '../../core/domain/lifecycle/lifecycle-view';
import type { ManagedCertificate } from '../../core/ports/inventory-store';
import { escapeHtml } from '../shared/escape-html';
import { certificateDetailsHtml } from './certificate-page';
import { burndownSvg, expiryHistogramSvg, EXPIRY_HORIZON_DAYS } from './dashboard-charts';
import type { CampaignPageData, CertificateList, DashboardOverview } from './dashboard-data';
import { CSRF_FIELD } from './web-sessions';

/** Where the dashboard's stylesheet and script are served. */
export const ASSET_PATHS = { css: '/dashboard/assets/dashboard.css', js: '/dashboard/assets/dashboard.js' } as const;

/** Who looks at a page: the principal, the token the session came from, and the form token. */
export interface Viewer {
  readonly actor: string;
  readonly tokenName: string;
  readonly csrfToken: string;
  /** Security leads and admins may start campaigns. */
  readonly mayStartCampaigns: boolean;
}

/** A line above the page's content: what an action did, or why it was refused. */
export interface Notice {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

const e = escapeHtml;

function csrfField(viewer: Viewer): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${e(viewer.csrfToken)}">`;
}

/** A POST form with the CSRF token. */
function form(viewer: Viewer, action: string, inner: string, className = 'action'): string {
  return `<form class="${className}" method="post" action="${e(action)}">${csrfField(viewer)}${inner}</form>`;
}

function noticeHtml(notice: Notice | null): string {
  if (notice === null) return '';
  return `<p class="notice ${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${e(notice.text)}</p>`;
}

/** The frame of every page: skip link, header with the viewer and sign-out, the main content. */
export function layout(input: {
  readonly title: string;
  readonly viewer: Viewer | null;
  readonly notice?: Notice | null;
  readonly body: string;
}): string {
  const { viewer } = input;
  const header =
    `<header class="top"><a class="brand" href="/">certflow</a>` +
    (viewer === null
      ? ''
      : `<nav aria-label="Dashboard"><a href="/">Overview</a></nav>` +
        `<form class="search" role="search" method="get" action="/search"><label for="q">Find a certificate</label>` +
        `<input id="q" name="q" type="search" required><button type="submit">Search</button></form>` +
        `<span class="who">Signed in as <b>${e(viewer.actor)}</b> (token ${e(viewer.tokenName)})</span>` +
        form(viewer, '/sign-out', '<button type="submit" class="link">Sign out</button>', 'sign-out')) +
    `</header>`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${e(input.title)} · certflow</title><link rel="stylesheet" href="${ASSET_PATHS.css}">` +
    `<script src="${ASSET_PATHS.js}" defer></script></head><body>` +
    `<a class="skip" href="#main">Skip to content</a>${header}` +
    `<main id="main" tabindex="-1"><h1>${e(input.title)}</h1>${noticeHtml(input.notice ?? null)}${input.body}</main>` +
    `</body></html>\n`
  );
}

/** The sign-in page: an API token in a password field. */
export function signInPage(error: string | null): string {
  return layout({
    title: 'Sign in',
    viewer: null,
    notice: error === null ? null : { kind: 'error', text: error },
    body:
      `<p>Sign in with an API token. An operator creates one with ` +
      `<code>certflow tokens create --actor email:you@example.com --name you</code>.</p>` +
      `<form class="sign-in" method="post" action="/sign-in">` +
      `<label for="token">API token</label>` +
      `<input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" ` +
      `placeholder="cfk_…" aria-describedby="token-help">` +
      `<p id="token-help" class="muted">The token is checked once; the browser then keeps a session cookie for at most 8 hours.</p>` +
      `<button type="submit">Sign in</button></form>`,
  });
}

function certificateName(certificate: InventoryCertificate): string {
  const { facts } = certificate;
  return facts.subject.commonName ?? facts.subjectAltNames.dns[0] ?? (facts.subject.text || certificate.id);
}

function certificateLink(certificate: InventoryCertificate): string {
  return `<a href="/certificates/${e(certificate.id)}">${e(certificateName(certificate))}</a>`;
}

function certificateTable(
  list: CertificateList,
  caption: string,
  none: string,
  detail: (c: InventoryCertificate) => string,
): string {
  if (list.total === 0) return `<p class="ok">${e(none)}</p>`;
  const rows = list.items.map(
    (certificate) =>
      `<tr><td>${certificateLink(certificate)}</td><td>${e(certificate.facts.notAfter.slice(0, 10))}</td>` +
      `<td>${e(certificate.metadata.ownerGroup ?? '—')}</td><td>${e(detail(certificate))}</td></tr>`,
  );
  const more =
    list.total > list.items.length
      ? `<p class="muted">Showing ${list.items.length} of ${list.total}, soonest to expire first.</p>`
      : '';
  return (
    `<table><caption>${e(caption)} (${list.total})</caption><thead><tr><th scope="col">Certificate</th>` +
    `<th scope="col">Expires</th><th scope="col">Owner group</th><th scope="col">Why</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>${more}`
  );
}

function violationText(certificate: InventoryCertificate, ruleIds: readonly string[]): string {
  const violations = certificate.policy?.violations ?? [];
  return violations
    .filter((violation) => ruleIds.includes(violation.ruleId))
    .map((violation) => violation.message)
    .join('; ');
}

function section(id: string, title: string, content: string): string {
  return `<section id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${e(title)}</h2>${content}</section>`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.round((100 * part) / whole)} %`;
}

function campaignStartForm(viewer: Viewer): string {
  const kinds = CAMPAIGN_KINDS.map((kind) => `<option value="${kind}">${kind}</option>`).join('');
  return form(
    viewer,
    '/campaigns/preview',
    `<fieldset><legend>Start a campaign</legend>` +
      `<label for="selector">Which certificates</label>` +
      `<input id="selector" name="selector" required aria-describedby="selector-help" placeholder="issuer=&quot;CN=Old CA&quot; sig=SHA-1">` +
      `<p id="selector-help" class="muted">The selector of <code>certflow campaign start</code>, e.g. <code>group=payments key-size-below=2048</code>.</p>` +
      `<label for="kind">Kind</label><select id="kind" name="kind">${kinds}</select>` +
      `<label for="reason">Reason</label><input id="reason" name="reason" required>` +
      `<label for="deadline">Deadline (ISO 8601 UTC, empty: two days)</label><input id="deadline" name="deadline" placeholder="2026-12-31T00:00:00Z">` +
      `<label class="check"><input type="checkbox" name="emergency" value="on" checked> Emergency: I pre-approve every renewal</label>` +
      `<button type="submit">Preview</button></fieldset>`,
    'campaign-start',
  );
}

function soonestTable(data: DashboardOverview): string {
  if (data.soonest.length === 0) return '';
  const rows = data.soonest.map(
    (entry) =>
      `<tr><td><a href="/certificates/${e(entry.managedCertificateId)}">${e(entry.commonName ?? entry.names[0] ?? entry.managedCertificateId)}</a></td>` +
      `<td>${e(entry.notAfter.slice(0, 10))}</td><td>${e(entry.ownerGroup ?? '—')}</td><td>${e(entry.phase)}</td></tr>`,
  );
  return (
    `<table id="soonest"><caption>Expiring soonest</caption><thead><tr><th scope="col">Certificate</th>` +
    `<th scope="col">Expires</th><th scope="col">Owner group</th><th scope="col">Lifecycle</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

/** The results of the header's search: links to each certificate's page. */
export function searchPage(query: string, results: CertificateList, viewer: Viewer): string {
  return layout({
    title: `Certificates matching “${query}”`,
    viewer,
    body:
      results.total === 0
        ? '<p>No certificate matches: search by a name, a subject or an IP address.</p>'
        : certificateTable(results, 'Matching certificates', '', (c) => c.facts.issuer.text),
  });
}

/** The overview at `/`. */
export function overviewPage(data: DashboardOverview, viewer: Viewer, notice: Notice | null = null): string {
  const histogram = section(
    'expirations',
    `Expirations in the next ${EXPIRY_HORIZON_DAYS} days`,
    `<figure>${expiryHistogramSvg(data.expiryWeeks)}<figcaption>Managed certificates in service expiring each week from ` +
      `${e(data.now.slice(0, 10))}.</figcaption></figure>` +
      `<details><summary>The numbers</summary><table><thead><tr><th scope="col">Week from</th><th scope="col">to</th>` +
      `<th scope="col">Expiring</th></tr></thead><tbody>${data.expiryWeeks
        .map(
          (week) =>
            `<tr><td>${e(week.from.slice(0, 10))}</td><td>${e(week.to.slice(0, 10))}</td><td>${week.count}</td></tr>`,
        )
        .join('')}</tbody></table></details>` +
      soonestTable(data),
  );
  const weak = section(
    'weak',
    'Weak keys and bad algorithms',
    certificateTable(
      data.weak,
      'Certificates violating the key or signature rule',
      'No weak keys or signature algorithms in service.',
      (c) => violationText(c, ['R-POL-3', 'R-POL-4']),
    ),
  );
  const unapproved = section(
    'unapproved-ca',
    'Certificates from unapproved CAs',
    certificateTable(
      data.unapprovedCa,
      'Certificates issued by a CA the policy does not approve',
      'Every certificate comes from an approved CA.',
      (c) => c.facts.issuer.text,
    ),
  );
  const complianceRows = data.compliance.map(
    (entry) =>
      `<tr><td>${entry.group === null ? '<span class="bad">no owner group</span>' : e(entry.group)}</td><td>${entry.total}</td>` +
      `<td>${entry.violating}</td><td>${percent(entry.total - entry.violating, entry.total)}</td></tr>`,
  );
  const compliance = section(
    'compliance',
    'Compliance per owner group',
    data.compliance.length === 0
      ? '<p class="muted">The inventory is empty: import certificates with <code>certflow import</code>.</p>'
      : `<table><thead><tr><th scope="col">Owner group</th><th scope="col">Certificates</th><th scope="col">Violating</th>` +
          `<th scope="col">Compliant</th></tr></thead><tbody>${complianceRows.join('')}</tbody></table>`,
  );
  const unowned = section(
    'unowned',
    'Unowned certificates',
    certificateTable(
      data.unowned,
      'End-entity certificates with no owner group',
      'Every end-entity certificate has an owner group.',
      (c) => (c.metadata.locations.length === 0 ? 'no known location' : `${c.metadata.locations.length} location(s)`),
    ),
  );
  const findings =
    data.findings === null
      ? ''
      : section(
          'findings',
          'Discovery findings',
          data.findings.total === 0
            ? '<p class="ok">No open findings.</p>'
            : `<table><caption>Open findings (${data.findings.total})</caption><thead><tr><th scope="col">Severity</th>` +
                `<th scope="col">Where</th><th scope="col">What</th></tr></thead><tbody>${data.findings.items
                  .map(
                    (finding) =>
                      `<tr><td>${e(finding.severity)}</td><td>${e(`${finding.location.host}:${finding.location.port}`)}</td>` +
                      `<td>${e(finding.message)}</td></tr>`,
                  )
                  .join('')}</tbody></table>`,
        );
  const campaignRows = data.campaigns.map(
    ({ campaign, total, done }) =>
      `<tr><td><a href="/campaigns/${e(campaign.definition.id)}">${e(campaign.definition.title)}</a></td>` +
      `<td>${e(campaign.status)}</td><td>${done} of ${total}</td><td>${e(campaign.definition.deadline)}</td></tr>`,
  );
  const campaigns = section(
    'campaigns',
    'Running campaigns',
    (data.campaigns.length === 0
      ? '<p class="muted">No campaign is running.</p>'
      : `<table><thead><tr><th scope="col">Campaign</th><th scope="col">Status</th><th scope="col">Done</th>` +
        `<th scope="col">Deadline</th></tr></thead><tbody>${campaignRows.join('')}</tbody></table>`) +
      (viewer.mayStartCampaigns ? campaignStartForm(viewer) : ''),
  );
  return layout({
    title: 'Certificates at a glance',
    viewer,
    notice,
    body: histogram + campaigns + weak + unapproved + compliance + unowned + findings,
  });
}

/** What the signed-in certificate page shows beyond the read-only one. */
export interface CertificatePageView {
  readonly managed: ManagedCertificate;
  readonly certificate: InventoryCertificate | null;
  /** Null when the lifecycle could not be asked; `lifecycleProblem` says why. */
  readonly lifecycle: LifecycleView | null;
  readonly lifecycleProblem: string | null;
  readonly audit: readonly AuditEntry[];
  /** What the viewer may do here, from the server's roles. */
  readonly mayRenew: boolean;
  readonly mayDecide: boolean;
  readonly now: string;
}

function lifecycleHtml(view: CertificatePageView): string {
  const { lifecycle } = view;
  if (lifecycle === null) return `<p class="bad">${e(view.lifecycleProblem ?? 'The lifecycle is not available.')}</p>`;
  const plan = lifecycle.plan.map(
    (entry) =>
      `<tr class="${entry.status}"><td>${e(entry.kind)}</td><td>${e(entry.at)}</td><td>${entry.daysBeforeExpiry}</td>` +
      `<td>${e(entry.status)}</td></tr>`,
  );
  const request = lifecycle.request;
  const requestHtml =
    request === null
      ? '<p class="muted">No open request.</p>'
      : `<dl><dt>Request</dt><dd><code>${e(request.id)}</code>: ${e(request.kind)}, ${e(request.status)}</dd>` +
        `<dt>Asked by</dt><dd>${e(request.requestedBy.displayName ?? request.requestedBy.id)} at ${e(request.requestedAt)}</dd>` +
        `<dt>Reason</dt><dd>${e(request.reason)}</dd>` +
        (request.decidedBy === null
          ? ''
          : `<dt>Decided by</dt><dd>${e(request.decidedBy.displayName ?? request.decidedBy.id)}` +
            `${request.decisionReason ? `: ${e(request.decisionReason)}` : ''}</dd>`) +
        `</dl>`;
  return (
    `<dl><dt>Phase</dt><dd>${e(lifecycle.phase)} (cycle ${lifecycle.cycle})</dd>` +
    `<dt>Renew by</dt><dd>${e(lifecycle.renewalDeadline ?? '—')}</dd>` +
    `<dt>Next step</dt><dd>${lifecycle.next === null ? '—' : `${e(lifecycle.next.level)} at ${e(lifecycle.next.at)}`}</dd></dl>` +
    `<h3>Plan</h3><table id="plan"><thead><tr><th scope="col">Step</th><th scope="col">At</th>` +
    `<th scope="col">Days before expiry</th><th scope="col">Status</th></tr></thead><tbody>${plan.join('')}</tbody></table>` +
    `<h3>Request</h3>${requestHtml}` +
    (lifecycle.lastProblem === null ? '' : `<p class="bad">Needs attention: ${e(lifecycle.lastProblem)}</p>`)
  );
}

function ticketsHtml(view: CertificatePageView): string {
  const ticket = view.lifecycle?.ticket ?? null;
  const gate = view.lifecycle?.changeApproval ?? null;
  const key = ticket?.key ?? view.managed.ticketKey;
  if (key === null) return '<p class="muted">No change ticket is open.</p>';
  const link = ticket !== null && /^https?:\/\//.test(ticket.url) ? `<a href="${e(ticket.url)}">${e(key)}</a>` : e(key);
  return (
    `<dl><dt>Change ticket</dt><dd>${link}</dd>` +
    (gate === null
      ? ''
      : `<dt>Change approval</dt><dd>${gate.required ? 'required' : 'not required'}${gate.status === null ? '' : `, ${e(gate.status)}`}</dd>`) +
    `</dl>`
  );
}

function recordsAndAuditHtml(view: CertificatePageView): string {
  const records = (view.lifecycle?.records ?? []).map(
    (record) => `<tr><td>${e(record.at)}</td><td>${e(record.kind)}</td><td>${e(record.detail)}</td></tr>`,
  );
  const audit = view.audit.map(
    (entry) =>
      `<tr><td>${e(entry.at)}</td><td>${e(entry.actor)}</td><td>${e(entry.action)}</td><td>${e(entry.where)}</td></tr>`,
  );
  return (
    (records.length === 0
      ? ''
      : `<table><caption>What the lifecycle sent and did</caption><thead><tr><th scope="col">At</th><th scope="col">What</th>` +
        `<th scope="col">Detail</th></tr></thead><tbody>${records.join('')}</tbody></table>`) +
    (audit.length === 0
      ? '<p class="muted">No audit entries for this certificate yet.</p>'
      : `<table id="audit"><caption>Audit trail, newest first</caption><thead><tr><th scope="col">At</th><th scope="col">Who</th>` +
        `<th scope="col">Action</th><th scope="col">Where</th></tr></thead><tbody>${audit.join('')}</tbody></table>`)
  );
}

function actionsHtml(view: CertificatePageView, viewer: Viewer): string {
  const base = `/certificates/${view.managed.id}`;
  const forms: string[] = [];
  if (view.mayRenew) {
    forms.push(
      form(
        viewer,
        `${base}/renew`,
        `<label for="renew-reason">Why renew (optional)</label><input id="renew-reason" name="reason">` +
          `<button type="submit" id="renew">Request renewal</button>`,
      ),
    );
  }
  const request = view.lifecycle?.request ?? null;
  if (view.mayDecide && request !== null) {
    const hidden = `<input type="hidden" name="requestId" value="${e(request.id)}">`;
    forms.push(
      form(
        viewer,
        `${base}/approve`,
        `${hidden}<button type="submit" id="approve">Approve ${e(request.kind)}</button>`,
      ),
    );
    forms.push(
      form(
        viewer,
        `${base}/reject`,
        `${hidden}<label for="reject-reason">Why reject</label><input id="reject-reason" name="reason" required>` +
          `<button type="submit" id="reject">Reject</button>`,
      ),
    );
  }
  if (forms.length === 0) return '<p class="muted">Your roles allow no action on this certificate now.</p>';
  return forms.join('');
}

/** A certificate's page for a signed-in viewer: facts, lifecycle plan, tickets, audit trail and the allowed actions. */
export function certificatePage(view: CertificatePageView, viewer: Viewer, notice: Notice | null): string {
  const name = view.certificate === null ? `certificate ${view.managed.id}` : certificateName(view.certificate);
  return layout({
    title: name,
    viewer,
    notice,
    body:
      `<p class="muted">Managed certificate <code>${e(view.managed.id)}</code>, as of ${e(view.now)}.</p>` +
      section('actions', 'Actions', actionsHtml(view, viewer)) +
      section('lifecycle', 'Lifecycle', lifecycleHtml(view)) +
      section('tickets', 'Tickets', ticketsHtml(view)) +
      (view.certificate === null
        ? `<p class="bad">The inventory has no certificate ${e(view.managed.currentFingerprint)}.</p>`
        : certificateDetailsHtml(view.certificate, view.now)) +
      section('trail', 'Audit trail', recordsAndAuditHtml(view)),
  });
}

/** The burndown as the page embeds it and its refresh replaces it: the chart and a sentence for screen readers. */
export function burndownFragment(data: CampaignPageData, now: Date): string {
  const { burndown } = data;
  return (
    burndownSvg(burndown, now) +
    `<p class="summary">${burndown.done} of ${burndown.total} done; deadline ${e(burndown.deadline)}; ` +
    `status ${e(data.campaign.status)}; as of ${e(now.toISOString())}.</p>`
  );
}

/** A campaign's page: what it is, members by state and the live burndown. */
export function campaignPage(data: CampaignPageData, viewer: Viewer, now: Date, notice: Notice | null = null): string {
  const { definition } = data.campaign;
  const states = CAMPAIGN_MEMBER_STATES.filter((state) => (data.states[state] ?? 0) > 0)
    .map((state) => `<tr><td>${e(state)}</td><td>${data.states[state]}</td></tr>`)
    .join('');
  return layout({
    title: definition.title,
    viewer,
    notice,
    body:
      `<dl><dt>Campaign</dt><dd><code>${e(definition.id)}</code> (${e(definition.kind)})</dd>` +
      `<dt>Why</dt><dd>${e(definition.reason)}</dd><dt>Selects</dt><dd>${e(describeCampaignSelector(definition.selector))}</dd>` +
      `<dt>Launched</dt><dd>${e(definition.launchedAt)} by ${e(definition.launchedBy.displayName ?? definition.launchedBy.id)}</dd>` +
      `<dt>Deadline</dt><dd>${e(definition.deadline)}</dd></dl>` +
      section(
        'burndown',
        'Burndown',
        `<div id="burndown-live" aria-live="polite" data-refresh="/campaigns/${e(definition.id)}/burndown" ` +
          `data-refresh-seconds="5">${burndownFragment(data, now)}</div>`,
      ) +
      section(
        'members',
        'Members by state',
        states === ''
          ? '<p class="muted">No members enrolled yet.</p>'
          : `<table><thead><tr><th scope="col">State</th><th scope="col">Members</th></tr></thead><tbody>${states}</tbody></table>`,
      ),
  });
}

/** What the start form asked, carried to the confirmation. */
export interface CampaignStartFields {
  readonly selector: string;
  readonly kind: string;
  readonly reason: string;
  readonly deadline: string;
  readonly emergency: boolean;
}

/** The preview of a campaign before it starts: the count to confirm, by owner group, and a sample. */
export function campaignPreviewPage(preview: CampaignPreview, fields: CampaignStartFields, viewer: Viewer): string {
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${e(value)}">`;
  const groups = preview.byOwnerGroup
    .map((entry) => `<tr><td>${e(entry.key)}</td><td>${entry.count}</td></tr>`)
    .join('');
  return layout({
    title: 'Start this campaign?',
    viewer,
    body:
      `<p>It selects <b id="preview-count">${preview.total}</b> certificate(s): ${e(describeCampaignSelector(preview.selector))}.</p>` +
      (groups === ''
        ? ''
        : `<table><thead><tr><th scope="col">Owner group</th><th scope="col">Certificates</th></tr></thead><tbody>${groups}</tbody></table>`) +
      form(
        viewer,
        '/campaigns',
        hidden('selector', fields.selector) +
          hidden('kind', fields.kind) +
          hidden('reason', fields.reason) +
          hidden('deadline', fields.deadline) +
          hidden('emergency', fields.emergency ? 'on' : '') +
          hidden('count', String(preview.total)) +
          `<button type="submit" id="start-campaign">Start the campaign on ${preview.total} certificate(s)</button>`,
      ) +
      `<p><a href="/">Back without starting</a></p>`,
  });
}

/** A page that only says something: a refusal, a missing page. */
export function messagePage(title: string, message: string, viewer: Viewer | null): string {
  return layout({ title, viewer, body: `<p>${e(message)}</p><p><a href="/">Back to the overview</a></p>` });
}
