/**
 * certflow's web dashboard (issue 20, R-REP-1), served by certflow's HTTP server at `/`: sign-in with an API token,
 * the overview, each campaign's live burndown and each certificate's page with its plan, tickets, audit trail and
 * the actions the viewer's roles allow. Reads go through the inventory's and campaigns' ports, actions through the
 * lifecycle and campaign clients, which decide who may do what from the server's configuration (R-SEC-2): a form the
 * page does not offer is refused there when forged. Every POST needs the session and its CSRF token; every answer
 * carries a strict Content-Security-Policy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CampaignNotFoundError,
  CampaignRefusedError,
  type CampaignOperations,
} from '../../core/application/campaign-operations';
import {
  InvalidRequestIdError,
  LifecycleTimeoutError,
  TemporalUnavailableError,
} from '../../core/application/lifecycle-errors';
import type { LifecycleClient } from '../../core/application/lifecycle-client';
import {
  ManagedCertificateNotFoundError,
  resolveManagedCertificate,
} from '../../core/application/resolve-managed-certificate';
import { CAMPAIGN_KINDS, type CampaignKind } from '../../core/domain/campaigns/model';
import { CampaignSelectorError, parseCampaignSelectorText } from '../../core/domain/campaigns/selector';
import type { AuditEntry } from '../../core/domain/inventory/model';
import type { LifecycleView } from '../../core/domain/lifecycle/lifecycle-view';
import { parseRequestId } from '../../core/domain/lifecycle/request-id';
import {
  buildRoster,
  checkDecisionAllowed,
  checkRequestAllowed,
  normalizePrincipal,
} from '../../core/domain/lifecycle/roles';
import { AmbiguousIdError, InventoryInputError } from '../../core/ports/inventory-errors';
import { LifecycleNotFoundError, LifecycleRefusedError } from '../../core/ports/lifecycle-port';
import { readRequestBody, requestUrl, sendText, type HttpMount } from '../shared/http';
import { DASHBOARD_CSS, DASHBOARD_JS } from './dashboard-assets';
import { OVERVIEW_LIST_SIZE, readCampaignPage, readDashboardOverview, type DashboardReaders } from './dashboard-data';
import {
  ASSET_PATHS,
  burndownFragment,
  campaignPage,
  campaignPreviewPage,
  certificatePage,
  messagePage,
  overviewPage,
  searchPage,
  signInPage,
  type CampaignStartFields,
  type Notice,
  type Viewer,
} from './dashboard-pages';
import { CSRF_FIELD, csrfTokenMatches, type SignedIn, type WebSessions } from './web-sessions';

/** Everything a page may load comes from certflow itself; nothing inline runs, nothing frames the dashboard. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Largest form the dashboard reads: its forms are a few short fields. */
const MAX_FORM_BYTES = 16 * 1024;

/** How many audit entries a certificate's page shows. */
const AUDIT_ENTRIES = 50;

/** What the dashboard works with. */
export interface DashboardDependencies {
  readonly readers: DashboardReaders;
  readonly sessions: WebSessions;
  /** Null until certflow's Temporal client is connected: actions answer 503. */
  readonly lifecycles: () => LifecycleClient | null;
  readonly campaigns: () => CampaignOperations | null;
  /** The security leads and admins of the server's configuration. */
  readonly roles: () => { readonly securityLeads: readonly string[]; readonly admins: readonly string[] };
  readonly now?: () => Date;
}

/** The texts a redirect after an action shows: by code, so nothing a URL carries is echoed. */
const DONE_NOTICES: Readonly<Record<string, string>> = {
  'renewal-requested': 'Renewal requested: an approver of the owner group decides.',
  approved: 'Approved.',
  rejected: 'Rejected; the requester is told why.',
  'campaign-started': 'Campaign started.',
  'signed-out': 'Signed out.',
};

function send(
  response: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function sendPage(
  response: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string | string[]> = {},
) {
  send(response, status, html, 'text/html; charset=utf-8', headers);
}

function redirect(response: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  send(response, 303, '', 'text/plain; charset=utf-8', { Location: location, ...headers });
}

function doneNotice(request: IncomingMessage): Notice | null {
  const code = requestUrl(request).searchParams.get('done');
  const text = code === null ? undefined : DONE_NOTICES[code];
  return text === undefined ? null : { kind: 'ok', text };
}

/** An action's failure as the page shows it; null for failures that are certflow's own. */
function actionFailure(error: unknown): { status: number; text: string } | null {
  if (!(error instanceof Error)) return null;
  if (error instanceof LifecycleRefusedError || error instanceof CampaignRefusedError) {
    return { status: 403, text: `Refused: ${error.message}` };
  }
  if (
    error instanceof CampaignSelectorError ||
    error instanceof InventoryInputError ||
    error instanceof InvalidRequestIdError ||
    error instanceof AmbiguousIdError
  ) {
    return { status: 400, text: error.message };
  }
  if (
    error instanceof ManagedCertificateNotFoundError ||
    error instanceof LifecycleNotFoundError ||
    error instanceof CampaignNotFoundError
  ) {
    return { status: 404, text: error.message };
  }
  if (error instanceof TemporalUnavailableError || error instanceof LifecycleTimeoutError) {
    return { status: 503, text: `${error.message}; try again in a moment` };
  }
  return null;
}

/** The campaign start form's fields; the selector is parsed by the caller. */
function startFields(form: URLSearchParams): CampaignStartFields {
  return {
    selector: form.get('selector')?.trim() ?? '',
    kind: form.get('kind') ?? 'other',
    reason: form.get('reason')?.trim() ?? '',
    deadline: form.get('deadline')?.trim() ?? '',
    emergency: form.get('emergency') === 'on',
  };
}

function campaignKind(text: string): CampaignKind {
  const kind = CAMPAIGN_KINDS.find((candidate) => candidate === text);
  if (kind === undefined)
    throw new CampaignSelectorError(`"${text}" is not a campaign kind: use one of ${CAMPAIGN_KINDS.join(', ')}`);
  return kind;
}

function deadlineOf(text: string): string | undefined {
  if (text === '') return undefined;
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at)) {
    throw new CampaignSelectorError(`deadline "${text}" is not an ISO 8601 instant: write e.g. 2026-12-31T00:00:00Z`);
  }
  return new Date(at).toISOString();
}

/** The dashboard's mounts: `/` (the overview, sign-in, campaigns, assets) and the signed-in certificate pages. */
export function createDashboardMounts(deps: DashboardDependencies): HttpMount[] {
  const now = deps.now ?? (() => new Date());
  const { store } = deps.readers;

  const viewerOf = (signedIn: SignedIn): Viewer => {
    const { securityLeads, admins } = deps.roles();
    const actor = normalizePrincipal(signedIn.session.actor);
    return {
      actor: signedIn.session.actor,
      tokenName: signedIn.session.tokenName,
      csrfToken: signedIn.csrfToken,
      mayStartCampaigns: [...securityLeads, ...admins].map(normalizePrincipal).includes(actor),
    };
  };

  /** Audits what a session did (or, with null, what an anonymous request tried). */
  const audit = async (
    session: { readonly actor: string; readonly tokenName: string } | null,
    action: string,
    subject: string,
    details: Record<string, unknown>,
  ) => {
    await store.appendAudit([
      {
        at: now().toISOString(),
        actor: session?.actor ?? 'anonymous',
        action,
        subject,
        where: session === null ? 'web' : `web:${session.tokenName}`,
        details,
      },
    ]);
  };

  /** Reads a POST's form and checks its session and CSRF token; answers the refusal itself and returns null. */
  const postForm = async (
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<{ signedIn: SignedIn; form: URLSearchParams } | null> => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      sendPage(
        response,
        415,
        messagePage('Not a form', 'The dashboard takes its forms as application/x-www-form-urlencoded.', null),
      );
      return null;
    }
    const form = new URLSearchParams(Buffer.from(await readRequestBody(request, MAX_FORM_BYTES)).toString('utf8'));
    const signedIn = await deps.sessions.current(request, now());
    if (signedIn === null) {
      sendPage(
        response,
        401,
        messagePage('Signed out', 'Your session has ended: sign in again, then repeat the action.', null),
      );
      return null;
    }
    if (!csrfTokenMatches(signedIn.secret, form.get(CSRF_FIELD))) {
      await audit(signedIn.session, 'web.refused', path, { code: 'csrf', method: 'POST' });
      sendPage(
        response,
        403,
        messagePage(
          'Refused',
          'The form did not carry this session’s CSRF token: submit it again from the dashboard’s own page.',
          viewerOf(signedIn),
        ),
      );
      return null;
    }
    return { signedIn, form };
  };

  const failed = async (response: ServerResponse, signedIn: SignedIn, path: string, error: unknown): Promise<void> => {
    const failure = actionFailure(error);
    if (failure === null) throw error;
    await audit(signedIn.session, 'web.refused', path, { status: failure.status, message: failure.text });
    sendPage(
      response,
      failure.status,
      messagePage(failure.status === 403 ? 'Refused' : 'Not done', failure.text, viewerOf(signedIn)),
    );
  };

  const lifecycleClient = (): LifecycleClient => {
    const client = deps.lifecycles();
    if (client === null) throw new TemporalUnavailableError('certflow has not connected to Temporal yet');
    return client;
  };
  const campaignOperations = (): CampaignOperations => {
    const operations = deps.campaigns();
    if (operations === null) throw new TemporalUnavailableError('certflow has not connected to Temporal yet');
    return operations;
  };

  const certificatePageFor = async (signedIn: SignedIn, idText: string, notice: Notice | null) => {
    const managed = await resolveManagedCertificate(store, idText);
    const certificate = await store.getCertificate(managed.currentFingerprint);
    let lifecycle: LifecycleView | null = null;
    let lifecycleProblem: string | null = null;
    try {
      lifecycle = await lifecycleClient().status(managed.id);
    } catch (error) {
      const failure = actionFailure(error);
      if (failure === null) throw error;
      lifecycleProblem = failure.text;
    }
    const groupId = certificate?.metadata.ownerGroup ?? null;
    const group = groupId === null ? null : await store.getOwnerGroup(groupId);
    const roster = buildRoster({
      group,
      metadata: certificate?.metadata ?? { contacts: [], approvers: [], ownerGroup: null },
      ...deps.roles(),
    });
    const actor = { id: signedIn.session.actor };
    const request = lifecycle?.request ?? null;
    const open = request !== null && request.status === 'awaiting-approval';
    // Steps are audited under the version they acted on: the first and the current version tell the story.
    const first = await store.getCertificate(managed.id);
    const subjects = new Set([
      managed.currentFingerprint,
      first?.facts.fingerprintSha256 ?? managed.currentFingerprint,
    ]);
    const audited: AuditEntry[] = [];
    for (const subject of subjects) {
      // The log reads oldest first: its total says where the newest entries begin.
      const { total } = await store.queryAudit({ subject }, { limit: 1 });
      const offset = Math.max(0, total - AUDIT_ENTRIES);
      audited.push(...(await store.queryAudit({ subject }, { limit: AUDIT_ENTRIES, offset })).items);
    }
    return certificatePage(
      {
        managed,
        certificate,
        lifecycle,
        lifecycleProblem,
        audit: audited.sort((a, b) => b.seq - a.seq).slice(0, AUDIT_ENTRIES),
        mayRenew:
          lifecycle !== null &&
          !open &&
          checkRequestAllowed({ actor, kind: 'renewal', source: 'owner' }, roster) === null,
        mayDecide:
          open && checkDecisionAllowed({ actor, requestId: request.id, decision: 'approve' }, request, roster) === null,
        now: now().toISOString(),
      },
      viewerOf(signedIn),
      notice,
    );
  };

  const certificateAction = async (
    request: IncomingMessage,
    response: ServerResponse,
    idText: string,
    action: string,
  ): Promise<void> => {
    const path = requestUrl(request).pathname;
    const posted = await postForm(request, response, path);
    if (posted === null) return;
    const { signedIn, form } = posted;
    const actor = { id: signedIn.session.actor };
    try {
      const managed = await resolveManagedCertificate(store, idText);
      let done: string;
      if (action === 'renew') {
        await lifecycleClient().requestRenewal(managed.id, {
          requestedBy: actor,
          reason:
            form.get('reason')?.trim() || `renewal requested on the dashboard (token ${signedIn.session.tokenName})`,
          source: 'owner',
        });
        done = 'renewal-requested';
      } else {
        const requestId = form.get('requestId') ?? '';
        if (parseRequestId(requestId)?.managedCertificateId !== managed.id) throw new InvalidRequestIdError(requestId);
        const reason = form.get('reason')?.trim();
        await lifecycleClient().decide({
          requestId,
          decision: action === 'approve' ? 'approve' : 'reject',
          decidedBy: actor,
          ...(reason ? { reason } : {}),
        });
        done = action === 'approve' ? 'approved' : 'rejected';
      }
      await audit(signedIn.session, 'web.post', path, { status: 303, action });
      redirect(response, `/certificates/${managed.id}?done=${done}`);
    } catch (error) {
      await failed(response, signedIn, path, error);
    }
  };

  const campaignStart = async (request: IncomingMessage, response: ServerResponse, confirm: boolean) => {
    const path = requestUrl(request).pathname;
    const posted = await postForm(request, response, path);
    if (posted === null) return;
    const { signedIn, form } = posted;
    const fields = startFields(posted.form);
    const launchedBy = { id: signedIn.session.actor };
    try {
      const selector = parseCampaignSelectorText(fields.selector);
      const kind = campaignKind(fields.kind);
      const deadline = deadlineOf(fields.deadline);
      if (!confirm) {
        const preview = await campaignOperations().preview(selector, launchedBy);
        sendPage(response, 200, campaignPreviewPage(preview, fields, viewerOf(signedIn)));
        return;
      }
      const count = Number(form.get('count'));
      const definition = await campaignOperations().start({
        selector,
        kind,
        reason: fields.reason,
        ...(deadline === undefined ? {} : { deadline }),
        emergency: fields.emergency,
        launchedBy,
        ...(Number.isSafeInteger(count) ? { confirmedCount: count } : {}),
      });
      await audit(signedIn.session, 'web.post', path, { status: 303, campaign: definition.id });
      redirect(response, `/campaigns/${encodeURIComponent(definition.id)}?done=campaign-started`);
    } catch (error) {
      await failed(response, signedIn, path, error);
    }
  };

  const root: HttpMount = {
    prefix: '/',
    handler: async (request, response) => {
      const path = requestUrl(request).pathname;
      const method = request.method ?? 'GET';
      const reading = method === 'GET' || method === 'HEAD';
      if (path === ASSET_PATHS.css && reading) {
        send(response, 200, DASHBOARD_CSS, 'text/css; charset=utf-8');
        return true;
      }
      if (path === ASSET_PATHS.js && reading) {
        send(response, 200, DASHBOARD_JS, 'text/javascript; charset=utf-8');
        return true;
      }
      if (path === '/sign-in' && reading) {
        if ((await deps.sessions.current(request, now())) !== null) redirect(response, '/');
        else sendPage(response, 200, signInPage(null));
        return true;
      }
      if (path === '/sign-in' && method === 'POST') {
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        const form =
          type === 'application/x-www-form-urlencoded'
            ? new URLSearchParams(Buffer.from(await readRequestBody(request, MAX_FORM_BYTES)).toString('utf8'))
            : new URLSearchParams();
        const opened = await deps.sessions.signIn(form.get('token') ?? '', now());
        if ('refused' in opened) {
          await audit(null, 'web.refused', path, { code: 'sign-in', refused: opened.refused });
          sendPage(
            response,
            401,
            signInPage(`Not signed in: the token is ${opened.refused}. Check it, or ask an operator for a new one.`),
          );
          return true;
        }
        await audit(opened.session, 'web.signed-in', opened.session.tokenName, { expiresAt: opened.session.expiresAt });
        redirect(response, '/', { 'Set-Cookie': deps.sessions.sessionCookie(opened.secret, opened.session, now()) });
        return true;
      }
      if (path === '/sign-out' && method === 'POST') {
        const posted = await postForm(request, response, path);
        if (posted === null) return true;
        await deps.sessions.signOut(posted.signedIn);
        await audit(posted.signedIn.session, 'web.signed-out', posted.signedIn.session.tokenName, {});
        redirect(response, '/sign-in', { 'Set-Cookie': deps.sessions.clearedCookie() });
        return true;
      }
      if (path === '/campaigns/preview' && method === 'POST') {
        await campaignStart(request, response, false);
        return true;
      }
      if (path === '/campaigns' && method === 'POST') {
        await campaignStart(request, response, true);
        return true;
      }
      if (path === '/search' && reading) {
        const signedIn = await deps.sessions.current(request, now());
        if (signedIn === null) {
          redirect(response, '/sign-in');
          return true;
        }
        const query = (requestUrl(request).searchParams.get('q') ?? '').trim().slice(0, 200);
        const results = await store.searchCertificates(
          { text: query },
          { limit: OVERVIEW_LIST_SIZE * 5, sort: 'notAfter' },
        );
        sendPage(response, 200, searchPage(query, results, viewerOf(signedIn)));
        return true;
      }
      const campaign = /^\/campaigns\/([A-Za-z0-9._-]{1,100})(\/burndown)?$/.exec(path);
      if (path !== '/' && campaign === null) return false;
      if (!reading) {
        send(response, 405, 'GET only\n', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' });
        return true;
      }
      const signedIn = await deps.sessions.current(request, now());
      if (signedIn === null) {
        if (campaign?.[2] !== undefined) sendText(response, 401, 'sign in again');
        else redirect(response, '/sign-in');
        return true;
      }
      if (campaign === null) {
        sendPage(
          response,
          200,
          overviewPage(await readDashboardOverview(deps.readers, now()), viewerOf(signedIn), doneNotice(request)),
        );
        return true;
      }
      const data = await readCampaignPage(deps.readers.campaigns, campaign[1]!, now());
      if (data === null) {
        sendPage(
          response,
          404,
          messagePage('No such campaign', `certflow has no campaign ${campaign[1]}.`, viewerOf(signedIn)),
        );
      } else if (campaign[2] !== undefined) {
        sendPage(response, 200, burndownFragment(data, now()));
      } else {
        sendPage(response, 200, campaignPage(data, viewerOf(signedIn), now(), doneNotice(request)));
      }
      return true;
    },
  };

  // Longer than the read-only page's prefix, so the server asks this mount first; it declines when nobody is
  // signed in and the read-only page (what Slack and Jira link to) answers instead.
  const certificates: HttpMount = {
    prefix: '/certificates/',
    handler: async (request, response) => {
      const path = requestUrl(request).pathname;
      const match = /^\/certificates\/([0-9A-Fa-f:]{8,128})(?:\/(renew|approve|reject))?$/.exec(path);
      if (match === null) return false;
      const [, idText, action] = match;
      if (action !== undefined) {
        if (request.method !== 'POST') {
          send(response, 405, 'POST only\n', 'text/plain; charset=utf-8', { Allow: 'POST' });
          return true;
        }
        await certificateAction(request, response, idText!, action);
        return true;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const signedIn = await deps.sessions.current(request, now());
      if (signedIn === null) return false;
      try {
        sendPage(response, 200, await certificatePageFor(signedIn, idText!, doneNotice(request)));
      } catch (error) {
        const failure = actionFailure(error);
        if (failure === null) throw error;
        sendPage(response, failure.status, messagePage('Not found', failure.text, viewerOf(signedIn)));
      }
      return true;
    },
  };
  return [root, certificates];
}
