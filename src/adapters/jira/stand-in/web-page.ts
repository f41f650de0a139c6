/**
 * The stand-in's web page: a newcomer without Jira sees the tickets certflow opened (key, summary, status, priority,
 * assignee, comments) and moves them as one of the stand-in's people, e.g. approves a change as its change manager.
 * Each transition button is a plain form posting to `/stand-in/transition`, which calls transitionAs, so certflow
 * receives the same signed webhook as when someone clicks in Jira. Server-rendered, no script; every value escaped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpHandler, readRequestBody, requestUrl, sendJson, sendText } from '../../shared/http';
import { escapeHtml } from '../../shared/escape-html';
import { JiraRequestError } from './stand-in-errors';
import type { StandInIssue, TransitionScreen } from './stand-in-model';
import type { StandInState } from './stand-in-state';

/** What the page needs from the stand-in. */
export interface StandInPageDependencies {
  readonly state: StandInState;
  readonly transitionAs: (key: string, toStatus: string, accountId: string, screen?: TransitionScreen) => Promise<void>;
}

/** Where the page's transition buttons post: form-encoded or JSON `{key, toStatus, user}`, optionally `comment`. */
export const TRANSITION_PATH = '/stand-in/transition';

/** A page request that cannot be acted on; nothing changed. */
class PageRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendHtml(response: ServerResponse, html: string): void {
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    // No script at all, and forms may only post back here: ticket text cannot run code even if escaping failed.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(html);
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #172b4d; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #dfe1e6; padding: 0.5rem; text-align: left; vertical-align: top; }
.status { border-radius: 3px; padding: 0 0.3rem; font-size: 0.8rem; text-transform: uppercase; font-weight: 600; }
.status.new { background: #dfe1e6; } .status.indeterminate { background: #deebff; } .status.done { background: #e3fcef; }
ul.comments { margin: 0; padding-left: 1rem; font-size: 0.9rem; white-space: pre-wrap; }
form.transition { display: inline; } button { margin: 0 0.3rem 0.3rem 0; }
.empty { color: #6b778c; }
`;

function issueRow(state: StandInState, issue: StandInIssue, userId: string): string {
  const { fields } = issue;
  const comments =
    issue.comments.length === 0
      ? '<span class="empty">none</span>'
      : `<ul class="comments">${issue.comments
          .map((comment) => `<li><b>${escapeHtml(comment.author.displayName)}</b>: ${escapeHtml(comment.body)}</li>`)
          .join('')}</ul>`;
  const buttons = state
    .transitions(issue)
    .map(
      (transition) =>
        `<form class="transition" method="post" action="${TRANSITION_PATH}">` +
        `<input type="hidden" name="key" value="${escapeHtml(issue.key)}">` +
        `<input type="hidden" name="toStatus" value="${escapeHtml(transition.to)}">` +
        `<input type="hidden" name="user" value="${escapeHtml(userId)}">` +
        // A transition that closes the ticket (a decline) asks why, as Jira's transition screens do.
        (state.workflows.status(transition.to).category === 'done'
          ? `<input type="text" name="comment" placeholder="Comment (optional)" aria-label="Comment on ${escapeHtml(transition.name)}">`
          : '') +
        `<button type="submit">${escapeHtml(transition.name)}</button></form>`,
    )
    .join('');
  // A campaign's epic lists its tasks and each task names its epic, so the page reads as the campaign's progress.
  const parentKey = state.parentKeyOf(issue);
  const children = state
    .issues()
    .filter((other) => state.parentKeyOf(other) === issue.key)
    .map((child) => child.key);
  const hierarchy =
    (parentKey === null ? '' : `<br><small>in epic ${escapeHtml(parentKey)}</small>`) +
    (children.length === 0 ? '' : `<br><small>tasks: ${escapeHtml(children.join(', '))}</small>`);
  return (
    `<tr data-key="${escapeHtml(issue.key)}"><td>${escapeHtml(issue.key)}<br><small>${escapeHtml(fields.issuetype.name)}</small>${hierarchy}</td>` +
    `<td>${escapeHtml(fields.summary)}${fields.duedate === null ? '' : `<br><small>due ${escapeHtml(fields.duedate)}</small>`}</td>` +
    `<td><span class="status ${fields.status.statusCategory.key}">${escapeHtml(fields.status.name)}</span></td>` +
    `<td>${escapeHtml(fields.priority.name)}</td>` +
    `<td>${fields.assignee === null ? '<span class="empty">unassigned</span>' : escapeHtml(fields.assignee.displayName)}</td>` +
    `<td>${comments}</td><td>${buttons || '<span class="empty">no transitions</span>'}</td></tr>`
  );
}

/** The whole page, acting as `userId`. */
export function pageHtml(state: StandInState, userId: string): string {
  const options = state.users
    .map(
      (user) =>
        `<option value="${escapeHtml(user.accountId)}"${user.accountId === userId ? ' selected' : ''}>` +
        `${escapeHtml(user.displayName)} (${escapeHtml(user.email)})</option>`,
    )
    .join('');
  const issues = [...state.issues()].reverse();
  const rows =
    issues.length === 0
      ? '<p class="empty">No tickets yet: certflow opens one at a renewal’s ticket instant.</p>'
      : `<table><thead><tr><th>Key</th><th>Summary</th><th>Status</th><th>Priority</th><th>Assignee</th>` +
        `<th>Comments</th><th>Move as ${escapeHtml(state.person(userId)?.displayName ?? userId)}</th></tr></thead>` +
        `<tbody>${issues.map((issue) => issueRow(state, issue, userId)).join('\n')}</tbody></table>`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Jira stand-in</title>` +
    `<style>${STYLE}</style></head><body><h1>Jira stand-in</h1>` +
    `<form method="get" action="/"><label>Act as <select name="user">${options}</select></label> ` +
    `<button type="submit">Switch</button> <a href="/?user=${encodeURIComponent(userId)}">Refresh</a></form>` +
    `${rows}</body></html>`
  );
}

async function transitionInput(
  request: IncomingMessage,
): Promise<{ key: string; toStatus: string; user: string; comment: string | undefined }> {
  const text = new TextDecoder().decode(await readRequestBody(request));
  const contentType = request.headers['content-type'] ?? '';
  let input: Record<string, unknown>;
  if (/^application\/json\b/i.test(contentType)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PageRequestError(
        400,
        'the body is not JSON; send {"key": "CERT-1", "toStatus": "Approved", "user": "<accountId>"}',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PageRequestError(400, 'the body must be a JSON object with key, toStatus and user');
    }
    input = parsed as Record<string, unknown>;
  } else if (/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    input = Object.fromEntries(new URLSearchParams(text));
  } else {
    throw new PageRequestError(415, 'send the transition as a form (application/x-www-form-urlencoded) or as JSON');
  }
  const field = (name: string): string => {
    const value = input[name];
    if (typeof value !== 'string' || value === '')
      throw new PageRequestError(400, `give "${name}" as a non-empty string`);
    return value;
  };
  const comment = input.comment;
  if (comment !== undefined && typeof comment !== 'string') throw new PageRequestError(400, 'give "comment" as text');
  return {
    key: field('key'),
    toStatus: field('toStatus'),
    user: field('user'),
    comment: comment === undefined || comment.trim() === '' ? undefined : comment.trim(),
  };
}

/** The page's handler: `GET /` and `POST /stand-in/transition`; other paths are left to the 404. */
export function createStandInPage(deps: StandInPageDependencies): HttpHandler {
  const { state } = deps;
  const known = () => state.users.map((user) => user.accountId).join(', ');
  return async (request, response) => {
    const url = requestUrl(request);
    try {
      if (url.pathname === '/') {
        if (request.method !== 'GET' && request.method !== 'HEAD')
          throw new PageRequestError(405, 'the page only answers GET');
        const userId = url.searchParams.get('user') ?? state.users[0]!.accountId;
        if (state.person(userId) === undefined) {
          throw new PageRequestError(404, `no user "${userId}" in the Jira stand-in; use one of ${known()}`);
        }
        sendHtml(response, pageHtml(state, userId));
        return true;
      }
      if (url.pathname !== TRANSITION_PATH) return false;
      if (request.method !== 'POST') throw new PageRequestError(405, `POST the transition to ${TRANSITION_PATH}`);
      const input = await transitionInput(request);
      if (state.person(input.user) === undefined) {
        throw new PageRequestError(404, `no user "${input.user}" in the Jira stand-in; use one of ${known()}`);
      }
      if (state.issue(input.key) === undefined)
        throw new PageRequestError(404, `no ticket ${input.key} in the Jira stand-in`);
      try {
        await deps.transitionAs(
          input.key,
          input.toStatus,
          input.user,
          input.comment === undefined ? {} : { comment: input.comment },
        );
      } catch (error) {
        // The ticket moved on since the page was drawn, or the status was made up: the page is stale, not broken.
        if (error instanceof JiraRequestError) throw new PageRequestError(409, error.message);
        throw error;
      }
      if (/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        const status = state.issue(input.key)!.fields.status.name;
        sendJson(response, 200, { ok: true, key: input.key, status });
      } else {
        response.writeHead(303, { Location: `/?user=${encodeURIComponent(input.user)}` }).end();
      }
      return true;
    } catch (error) {
      if (!(error instanceof PageRequestError)) throw error;
      sendText(response, error.status, error.message);
      return true;
    }
  };
}
