/**
 * The stand-in's web page: a newcomer without a Slack workspace sees what certflow posted (channels, their DM with the
 * app, ephemeral messages, modals, App Home) as one user at a time, and clicks the buttons. A click goes through the
 * user driver, so certflow receives the same signed request Slack would send. Server-rendered HTML; the little
 * script only posts clicks and re-fetches the workspace every second so new messages appear.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, requestUrl, sendJson, type HttpHandler } from '../../shared/http';
import { escapeHtml } from '../../shared/escape-html';
import { blocksHtml, textOf, type ButtonTarget } from './block-kit-html';
import { isObject } from './method-arguments';
import { type RecordedMessage, STAND_IN_BOT, type StandInState } from './stand-in-state';
import { type AppAnswer, SlackDriverError, type SlackUserDriver } from './user-driver';

/** What the page needs from the stand-in. */
export interface StandInPageDependencies {
  readonly state: StandInState;
  /** A driver acting as the user against the app; throws when the stand-in does not know the app's endpoint. */
  readonly as: (userId: string) => SlackUserDriver;
}

/** A request to the page's endpoints that cannot be acted on (bad input, or no app to send it to); nothing changed. */
class PageRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    // The page's own inline script and style only: rendered messages cannot run code even if escaping failed.
    'Content-Security-Policy':
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(html);
}

/** A JSON answer of the page's endpoints, never cached: it is the state of the moment. */
function sendPageJson(response: ServerResponse, status: number, body: unknown): void {
  sendJson(response, status, body, { 'Cache-Control': 'no-store' });
}

function userName(state: StandInState, userId: string): string | undefined {
  const user = state.users.get(userId);
  return user === undefined ? undefined : (user.realName ?? user.name);
}

function knownUser(state: StandInState, userId: unknown): string {
  const known = [...state.users.keys()].join(', ');
  if (typeof userId !== 'string' || userId === '') {
    throw new PageRequestError(400, `say who acts: give "user", one of ${known}`);
  }
  if (!state.users.has(userId))
    throw new PageRequestError(404, `no user "${userId}" in the stand-in; use one of ${known}`);
  return userId;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new PageRequestError(400, `give "${field}" as a string`);
  return value;
}

function timeOf(ts: string): string {
  return new Date(Number(ts.split('.')[0]) * 1000).toISOString().slice(11, 19);
}

function messageHtml(state: StandInState, message: RecordedMessage, target: ButtonTarget, extraClass = ''): string {
  const author =
    message.user === STAND_IN_BOT.userId ? STAND_IN_BOT.name : (userName(state, message.user) ?? message.user);
  const edited = message.edits.length > 0 ? ' <span class="edited">(edited)</span>' : '';
  const files = (message.files ?? []).map(
    (file) =>
      `<p class="file"><a href="/files/${encodeURIComponent(file.id)}" download>${escapeHtml(file.title)}</a> ` +
      `(${escapeHtml(file.name)}, ${file.length} bytes)</p>`,
  );
  const body =
    blocksHtml(message.blocks, message.text, { userName: (id) => userName(state, id), target }) + files.join('');
  return (
    `<article class="message${extraClass}" data-channel="${escapeHtml(message.channel)}" data-ts="${escapeHtml(message.ts)}">` +
    `<header><b>${escapeHtml(author)}</b> <time>${timeOf(message.ts)} UTC</time>${edited}</header>${body}</article>`
  );
}

function conversationHtml(state: StandInState, channel: string, title: string, kind: string): string {
  const messages = (state.messages.get(channel) ?? []).filter((message) => !message.deleted);
  const list =
    messages.length === 0
      ? '<p class="empty">No messages yet.</p>'
      : messages.map((message) => messageHtml(state, message, { kind: 'message', channel, ts: message.ts })).join('\n');
  return `<section class="conversation ${kind}" data-channel="${escapeHtml(channel)}"><h2>${escapeHtml(title)}</h2>${list}</section>`;
}

/** The part of the page that changes: everything `userId` can see in the workspace. */
export function workspaceHtml(state: StandInState, userId: string): string {
  const names = { userName: (id: string) => userName(state, id) };
  const views = [...state.views.values()].filter((view) => view.user === userId);
  const modals = views
    .filter((view) => view.type === 'modal' && !view.closed)
    .map((view) => {
      const blocks = Array.isArray(view.definition.blocks) ? (view.definition.blocks as unknown[]) : [];
      const title = textOf(view.definition.title);
      const submit = textOf(view.definition.submit) || 'Submit';
      return (
        `<form class="modal" data-view-id="${escapeHtml(view.id)}"><h2>${escapeHtml(title)}</h2>` +
        `${blocksHtml(blocks, '', { ...names, target: { kind: 'view', viewId: view.id } })}` +
        `<button type="submit" class="slack-button primary submit">${escapeHtml(submit)}</button></form>`
      );
    });
  const ephemeral = (state.ephemeral.get(userId) ?? []).map(
    (message) =>
      `<article class="message ephemeral" data-ts="${escapeHtml(message.messageTs)}"><header><b>${STAND_IN_BOT.name}</b> ` +
      `<time>${timeOf(message.messageTs)} UTC</time> <span class="only-you">only visible to you</span></header>` +
      `${blocksHtml(message.blocks, message.text, { ...names, target: { kind: 'none' } })}</article>`,
  );
  const channels = [...state.channels.values()]
    .filter((channel) => channel.members === undefined || channel.members.includes(userId))
    .map((channel) => conversationHtml(state, channel.id, `#${channel.name}`, 'channel'));
  const dm = state.dmChannels.get(userId);
  const home = views.find((view) => view.type === 'home');
  const homeBlocks = Array.isArray(home?.definition.blocks) ? (home.definition.blocks as unknown[]) : [];
  return [
    modals.length === 0 ? '' : `<section class="modals"><h2>Open dialogs</h2>${modals.join('\n')}</section>`,
    ephemeral.length === 0
      ? ''
      : `<section class="ephemeral"><h2>Only visible to you</h2>${ephemeral.join('\n')}</section>`,
    ...channels,
    dm === undefined
      ? '<section class="conversation dm"><h2>Direct messages with certflow</h2><p class="empty">No messages yet.</p></section>'
      : conversationHtml(state, dm, 'Direct messages with certflow', 'dm'),
    `<section class="home"><h2>App Home</h2><button type="button" class="open-home">Open App Home</button>` +
      (home === undefined ? '' : blocksHtml(homeBlocks, '', { ...names, target: { kind: 'view', viewId: home.id } })) +
      '</section>',
  ].join('\n');
}

const STYLE = `
body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f4f6; color: #1d1c1d; }
header.top { background: #3f0e40; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; }
header.top h1 { font-size: 18px; margin: 0; }
main { max-width: 860px; margin: 0 auto; padding: 12px 20px; }
section { background: #fff; border-radius: 8px; padding: 8px 16px; margin: 12px 0; }
section h2 { font-size: 16px; margin: 6px 0; }
.message { border-top: 1px solid #eee; padding: 8px 0; }
.message header { color: #616061; font-size: 13px; }
.block { margin: 4px 0; }
.block.actions { margin-top: 8px; }
.ephemeral, .modals { border-left: 4px solid #1264a3; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; }
.context { color: #616061; font-size: 13px; }
blockquote { border-left: 3px solid #ddd; margin: 2px 0; padding-left: 8px; }
.slack-button, .open-home { border: 1px solid #bbb; background: #fff; border-radius: 4px; padding: 4px 12px; cursor: pointer; }
.slack-button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.slack-button.danger { background: #e01e5a; color: #fff; border-color: #e01e5a; }
.slack-button[disabled] { opacity: 0.5; cursor: not-allowed; }
.modal textarea, .modal input { display: block; width: 100%; min-height: 3em; margin: 4px 0; }
#status { font-size: 13px; }
.empty { color: #888; }
`;

const SCRIPT = `
const user = document.body.dataset.user;
const workspace = document.getElementById('workspace');
const status = document.getElementById('status');
let shown = null;
async function refresh(force) {
  const typing = [...workspace.querySelectorAll('textarea, input')].some((field) => field.value !== '');
  if (!force && typing) return;
  const response = await fetch('/page/workspace?user=' + encodeURIComponent(user));
  if (!response.ok) return;
  const html = await response.text();
  if (html !== shown) { workspace.innerHTML = html; shown = html; }
}
async function act(path, body) {
  status.textContent = 'sending…';
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({ error: 'the stand-in sent no answer' }));
  status.textContent = response.ok ? (answer.errors ? 'certflow says: ' + Object.values(answer.errors).join('; ') : 'sent to certflow') : answer.error;
  await refresh(response.ok && !answer.errors);
}
document.getElementById('acting-as').addEventListener('change', (event) => {
  location.search = '?user=' + encodeURIComponent(event.target.value);
});
document.addEventListener('click', (event) => {
  const home = event.target.closest('button.open-home');
  if (home) return void act('/page/home', { user });
  const button = event.target.closest('button.slack-button[data-action-id]');
  if (!button || button.disabled) return;
  if (button.dataset.url) window.open(button.dataset.url, '_blank', 'noopener');
  const body = { user, actionId: button.dataset.actionId };
  if (button.dataset.viewId) body.viewId = button.dataset.viewId;
  else Object.assign(body, { channel: button.dataset.channel, ts: button.dataset.ts });
  void act('/page/click', body);
});
document.addEventListener('submit', (event) => {
  const form = event.target.closest('form.modal');
  if (!form) return;
  event.preventDefault();
  const values = {};
  for (const field of form.querySelectorAll('[name]')) {
    const [block, action] = field.name.split('::');
    values[block] = Object.assign(values[block] || {}, { [action]: field.value });
  }
  void act('/page/submit', { user, viewId: form.dataset.viewId, values });
});
setInterval(() => void refresh(false), 1000);
`;

/** The whole page for `userId`. */
export function pageHtml(state: StandInState, userId: string): string {
  const options = [...state.users.values()]
    .map(
      (user) =>
        `<option value="${escapeHtml(user.id)}"${user.id === userId ? ' selected' : ''}>` +
        `${escapeHtml(user.realName ?? user.name)} (@${escapeHtml(user.name)}${user.email === undefined ? '' : `, ${escapeHtml(user.email)}`})</option>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>certflow · Slack stand-in</title><style>${STYLE}</style></head>
<body data-user="${escapeHtml(userId)}">
<header class="top"><h1>Slack stand-in</h1>
<label>Acting as <select id="acting-as">${options}</select></label>
<span id="status" role="status"></span></header>
<main id="workspace">${workspaceHtml(state, userId)}</main>
<script>${SCRIPT}</script>
</body></html>`;
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readRequestBody(request));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PageRequestError(400, 'the body is not JSON; send a JSON object such as {"user": "U…", …}');
  }
  if (!isObject(body)) throw new PageRequestError(400, 'the body must be a JSON object');
  return body;
}

function readValues(body: Record<string, unknown>): Record<string, Record<string, string>> {
  const values = body.values ?? {};
  const valid =
    isObject(values) &&
    Object.values(values).every(
      (byAction) => isObject(byAction) && Object.values(byAction).every((value) => typeof value === 'string'),
    );
  if (!valid) throw new PageRequestError(400, 'give "values" as {"<block_id>": {"<action_id>": "text"}}');
  return values as Record<string, Record<string, string>>;
}

/** The answer to a page action: what the app said, or why it refused the request (a bad signature, a crash). */
function actionAnswer(response: ServerResponse, answer: AppAnswer): void {
  if (answer.status >= 400) {
    return sendPageJson(response, 502, { ok: false, error: `certflow answered HTTP ${answer.status}: ${answer.body}` });
  }
  const errors = isObject(answer.json) && answer.json.response_action === 'errors' ? answer.json.errors : undefined;
  sendPageJson(response, 200, { ok: true, status: answer.status, ...(errors === undefined ? {} : { errors }) });
}

/** A driver for a known user; the stand-in may not know where the app listens (no appUrl, no Socket Mode). */
function driverFor(deps: StandInPageDependencies, userId: string): SlackUserDriver {
  try {
    return deps.as(userId);
  } catch (error) {
    if (error instanceof SlackDriverError) throw error;
    throw new PageRequestError(503, `the stand-in cannot act for ${userId}: ${(error as Error).message}`);
  }
}

/** Sends one interaction; an app that does not answer at all is a 502 that says so, as a refusal by it is. */
async function send(interaction: () => Promise<AppAnswer>): Promise<AppAnswer> {
  try {
    return await interaction();
  } catch (error) {
    if (error instanceof SlackDriverError) throw error;
    throw new PageRequestError(502, `certflow did not answer (${(error as Error).message}): is it running?`);
  }
}

async function act(request: IncomingMessage, response: ServerResponse, action: string, deps: StandInPageDependencies) {
  const body = await readJsonBody(request);
  const driver = driverFor(deps, knownUser(deps.state, body.user));
  if (action === 'click') {
    const actionId = requiredString(body, 'actionId');
    const target =
      typeof body.viewId === 'string'
        ? { viewId: body.viewId, actionId }
        : { channel: requiredString(body, 'channel'), ts: requiredString(body, 'ts'), actionId };
    return actionAnswer(response, await send(() => driver.click(target)));
  }
  if (action === 'submit') {
    const viewId = requiredString(body, 'viewId');
    const values = readValues(body);
    return actionAnswer(response, await send(() => driver.submitView(viewId, values)));
  }
  return actionAnswer(response, await send(() => driver.openHome()));
}

/** The page's HTTP handler: `GET /`, `GET /page/workspace`, `POST /page/click`, `/page/submit` and `/page/home`. */
export function createStandInPage(deps: StandInPageDependencies): HttpHandler {
  return async (request, response) => {
    const url = requestUrl(request);
    const action = /^\/page\/(click|submit|home)$/.exec(url.pathname)?.[1];
    const reading = url.pathname === '/' || url.pathname === '/page/workspace';
    if (action === undefined && !reading) return false;
    try {
      if (action !== undefined) {
        if (request.method !== 'POST') throw new PageRequestError(405, `POST to ${url.pathname}`);
        await act(request, response, action, deps);
        return true;
      }
      const first = deps.state.users.keys().next().value;
      const userId = knownUser(deps.state, url.searchParams.get('user') ?? first);
      if (url.pathname === '/') sendHtml(response, 200, pageHtml(deps.state, userId));
      else sendHtml(response, 200, workspaceHtml(deps.state, userId));
    } catch (error) {
      if (error instanceof PageRequestError) sendPageJson(response, error.status, { ok: false, error: error.message });
      else if (error instanceof SlackDriverError) sendPageJson(response, 404, { ok: false, error: error.message });
      else throw error;
    }
    return true;
  };
}
