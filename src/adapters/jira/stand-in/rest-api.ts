/**
 * The stand-in's REST API under `/rest/api/2`, `/rest/api/3` and `/rest/api/latest`: the endpoints a ticketing
 * adapter calls, with Jira Cloud's request and response shapes, auth checks and error bodies
 * (`{errorMessages, errors}`). On the cloud flavour the removed `/search` answers 410 Gone as Jira Cloud does; the
 * data-center flavour serves it with startAt/total paging and has no `/search/jql`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, requestUrl, sendJson } from '../../shared/http';
import type { JiraFaults } from './faults';
import { JqlError, parseJql } from './jql';
import {
  type ApiVersion,
  type RenderContext,
  renderComment,
  renderIssue,
  renderTransition,
  renderUser,
  selectFields,
} from './rendering';
import { commentText, entityProperties } from './issue-fields';
import { JiraRequestError } from './stand-in-errors';
import type { ChangelogItem, StandInIssue, StandInPerson } from './stand-in-model';
import { requireComment, type StandInState } from './stand-in-state';

/** A REST call as the stand-in recorded it (faulted calls included); the path has no query string. */
export interface RecordedJiraCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** What the REST API needs from the stand-in. */
export interface RestApiDependencies {
  readonly state: StandInState;
  readonly flavour: 'cloud' | 'data-center';
  readonly faults: JiraFaults;
  readonly calls: RecordedJiraCall[];
  readonly baseUrl: () => string;
  /** Whether the issue's comment list honours `expand=properties`. */
  readonly expandsCommentProperties: boolean;
  /** Holds a slow call for `milliseconds`; resolves false when the stand-in closes meanwhile. */
  readonly hold: (milliseconds: number, response: ServerResponse) => Promise<boolean>;
  /** Called after a status change made through the API, to send the webhook. */
  readonly changed: (issue: StandInIssue, items: readonly ChangelogItem[], by: StandInPerson) => void;
}

const REMOVED_SEARCH =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration ' +
  'guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';

const MAX_RESULTS = 5000;

interface Call {
  readonly method: string;
  readonly route: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly user: StandInPerson;
  readonly context: RenderContext;
}

type Answer = { readonly status: number; readonly body?: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Jira's answer: no body (a 204), or JSON with the content type Jira sends. */
function sendJiraAnswer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  sendJson(response, status, body, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
}

function authenticate(state: StandInState, header: string | undefined): StandInPerson | undefined {
  const basic = /^Basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  let user;
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [name, secret] = colon === -1 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    user = state.users.find((candidate) => candidate.email === name && candidate.apiToken === secret && secret !== '');
  } else if (bearer !== undefined) {
    user = state.users.find((candidate) => candidate.personalAccessToken === bearer);
  }
  return user === undefined ? undefined : state.person(user.accountId);
}

function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw new JiraRequestError(400, [`"${name}" must be a list of strings or a comma-separated string`]);
}

function maxResultsOf(value: unknown): number {
  if (value === undefined || value === null || value === '') return 50;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new JiraRequestError(400, [`maxResults must be a whole number ≥ 0, got ${JSON.stringify(value)}`]);
  }
  return Math.min(number, MAX_RESULTS);
}

/** The REST API as a handler for `/rest`. */
export function createRestApi(deps: RestApiDependencies) {
  const { state } = deps;

  const search = (call: Call, parameters: Record<string, unknown>, paging: 'token' | 'startAt'): Answer => {
    const jql = parameters.jql;
    if (jql !== undefined && typeof jql !== 'string') throw new JiraRequestError(400, ['"jql" must be a string']);
    if (paging === 'token' && (jql === undefined || jql.trim() === '')) {
      throw new JiraRequestError(400, [
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      ]);
    }
    let query;
    try {
      query = parseJql(jql ?? '', [...state.projects.keys()]);
    } catch (error) {
      if (error instanceof JqlError) throw new JiraRequestError(400, [error.message]);
      throw error;
    }
    const maxResults = maxResultsOf(parameters.maxResults);
    // A page of none would hand back a token that never advances, and a client following tokens would loop.
    if (paging === 'token' && maxResults === 0) throw new JiraRequestError(400, ['maxResults must be at least 1']);
    const include = selectFields(stringList(parameters.fields, 'fields'), paging === 'token' ? 'none' : 'all');
    const views = state.issues().map((issue) => ({ issue, ...state.jqlView(issue) }));
    const found = query.sort(views.filter((view) => query.matches(view))).map((view) => view.issue);
    let startAt = 0;
    if (paging === 'token') {
      const token = parameters.nextPageToken;
      if (token !== undefined && token !== null && token !== '') {
        const decoded =
          typeof token === 'string' ? /^start:(\d+)$/.exec(Buffer.from(token, 'base64url').toString()) : null;
        if (decoded === null) {
          throw new JiraRequestError(400, ['The nextPageToken is not valid: pass the one the previous page returned.']);
        }
        startAt = Number(decoded[1]);
      }
    } else {
      startAt = parameters.startAt === undefined || parameters.startAt === '' ? 0 : Number(parameters.startAt);
      if (!Number.isInteger(startAt) || startAt < 0)
        throw new JiraRequestError(400, ['startAt must be a whole number ≥ 0']);
    }
    const page = found.slice(startAt, startAt + maxResults).map((issue) => renderIssue(issue, call.context, include));
    if (paging === 'startAt') {
      return { status: 200, body: { expand: 'schema,names', startAt, maxResults, total: found.length, issues: page } };
    }
    const next = startAt + maxResults;
    return {
      status: 200,
      body: {
        issues: page,
        ...(next < found.length ? { nextPageToken: Buffer.from(`start:${next}`).toString('base64url') } : {}),
        isLast: next >= found.length,
      },
    };
  };

  const route = (call: Call): Answer => {
    const { method, route: path, body, user, context } = call;
    const segments = path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          throw new JiraRequestError(400, [`the path segment "${segment}" is not valid percent-encoding`]);
        }
      });
    const [resource, key, sub, extra] = segments;
    const object = isRecord(body) ? body : {};
    const needObject = () => {
      if (!isRecord(body)) throw new JiraRequestError(400, ['send a JSON object as the request body']);
    };
    const notHere = (): Answer => ({
      status: 404,
      body: { errorMessages: [`null for uri: ${context.baseUrl}${path}`] },
    });
    const wrongMethod = (): Answer => ({
      status: 405,
      body: { errorMessages: [`${method} is not supported on ${path}`], errors: {} },
    });

    if (resource === 'myself' && segments.length === 1) {
      return method === 'GET' ? { status: 200, body: renderUser(user, context) } : wrongMethod();
    }
    if (resource === 'search' && segments.length === 1) {
      if (deps.flavour === 'cloud') return { status: 410, body: { errorMessages: [REMOVED_SEARCH], errors: {} } };
      if (method === 'GET') return search(call, Object.fromEntries(call.query), 'startAt');
      if (method === 'POST') {
        needObject();
        return search(call, object, 'startAt');
      }
      return wrongMethod();
    }
    if (resource === 'search' && key === 'jql' && segments.length === 2) {
      if (deps.flavour === 'data-center') return notHere();
      if (method === 'GET') {
        const parameters: Record<string, unknown> = Object.fromEntries(call.query);
        parameters.fields = call.query.getAll('fields');
        return search(call, parameters, 'token');
      }
      if (method === 'POST') {
        needObject();
        return search(call, object, 'token');
      }
      return wrongMethod();
    }
    if (resource === 'comment' && key !== undefined && sub === 'properties' && segments.length <= 4) {
      const { comment } = requireComment(state, key);
      if (method !== 'GET') return wrongMethod();
      if (extra === undefined) {
        const keys = comment.properties.map((property) => ({
          self: `${context.baseUrl}/rest/api/${context.version}/comment/${comment.id}/properties/${property.key}`,
          key: property.key,
        }));
        return { status: 200, body: { keys } };
      }
      const property = comment.properties.find((candidate) => candidate.key === extra);
      if (property === undefined) {
        return {
          status: 404,
          body: { errorMessages: [`The property with key '${extra}' does not exist.`], errors: {} },
        };
      }
      return { status: 200, body: { key: property.key, value: property.value } };
    }
    if (resource !== 'issue') return notHere();
    if (key === undefined) {
      if (method !== 'POST') return wrongMethod();
      needObject();
      const issue = state.create(object.fields, object.update, user);
      return {
        status: 201,
        body: {
          id: issue.id,
          key: issue.key,
          self: `${context.baseUrl}/rest/api/${context.version}/issue/${issue.id}`,
        },
      };
    }
    const issue = state.require(key);
    if (sub === undefined) {
      if (method === 'GET') {
        const include = selectFields(call.query.getAll('fields'), 'all');
        const expand = (call.query.get('expand') ?? '').split(',');
        const transitions = expand.includes('transitions')
          ? { transitions: state.transitions(issue).map((transition) => renderTransition(transition, context, false)) }
          : {};
        return { status: 200, body: { ...renderIssue(issue, context, include), ...transitions } };
      }
      if (method === 'PUT') {
        needObject();
        state.edit(issue, object.fields, object.update, user);
        return { status: 204 };
      }
      return wrongMethod();
    }
    if (extra !== undefined) return notHere();
    if (sub === 'transitions') {
      if (method === 'GET') {
        const withFields = (call.query.get('expand') ?? '').split(',').includes('transitions.fields');
        const transitions = state
          .transitions(issue)
          .map((transition) => renderTransition(transition, context, withFields));
        return { status: 200, body: { expand: 'transitions', transitions } };
      }
      if (method !== 'POST') return wrongMethod();
      needObject();
      const transition = object.transition;
      const id = isRecord(transition) ? transition.id : undefined;
      if (typeof id !== 'string' && typeof id !== 'number') {
        throw new JiraRequestError(400, [
          'Missing transition: give {"transition": {"id": "…"}} with an id from GET …/transitions',
        ]);
      }
      // Checked before the fields and comments of the request are applied, so a refused transition changes nothing.
      state.availableTransition(issue, { id: String(id) });
      if (object.fields !== undefined || object.update !== undefined)
        state.edit(issue, object.fields, object.update, user);
      const item = state.transition(issue, { id: String(id) }, user, 'api');
      deps.changed(issue, [item], user);
      return { status: 204 };
    }
    if (sub === 'comment') {
      if (method === 'GET') {
        const withProperties =
          deps.expandsCommentProperties && (call.query.get('expand') ?? '').split(',').includes('properties');
        const comments = issue.comments.map((comment) => renderComment(issue, comment, context, withProperties));
        return { status: 200, body: { startAt: 0, maxResults: comments.length, total: comments.length, comments } };
      }
      if (method !== 'POST') return wrongMethod();
      needObject();
      const text = commentText(object.body);
      if (text === undefined) {
        throw new JiraRequestError(400, [], {
          comment: 'Comment body can not be empty! Give text (v2) or an ADF document (v3).',
        });
      }
      const properties = entityProperties(object.properties);
      return { status: 201, body: renderComment(issue, state.addComment(issue, text, user, properties), context) };
    }
    if (sub === 'assignee') {
      if (method !== 'PUT') return wrongMethod();
      needObject();
      const wanted = object.accountId === undefined && object.name === undefined ? undefined : object;
      state.edit(
        issue,
        { assignee: wanted === undefined || object.accountId === null ? null : wanted },
        undefined,
        user,
      );
      return { status: 204 };
    }
    return notHere();
  };

  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = requestUrl(request);
    const method = request.method ?? 'GET';
    const match = /^\/rest\/api\/(2|3|latest)(\/.*)?$/.exec(url.pathname);
    const raw = await readRequestBody(request);
    const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      deps.calls.push({ method, path: url.pathname, status });
      sendJiraAnswer(response, status, body, headers);
    };
    if (match === null) {
      answer(404, { errorMessages: [`null for uri: ${deps.baseUrl()}${url.pathname}`] });
      return true;
    }
    const fault = deps.faults.take(method, url.pathname);
    if (fault !== undefined && 'delayMs' in fault && !(await deps.hold(fault.delayMs, response))) return true;
    const failAfterwards = fault !== undefined && 'status' in fault && fault.status === 500 && fault.afterProcessing;
    if (fault !== undefined && 'status' in fault && !failAfterwards) {
      if (fault.status === 429) {
        answer(
          429,
          { errorMessages: ['Rate limit exceeded.'], errors: {} },
          { 'Retry-After': String(fault.retryAfterSeconds) },
        );
      } else {
        answer(500, { errorMessages: ['Internal server error'], errors: {} });
      }
      return true;
    }
    const user = authenticate(state, request.headers.authorization);
    if (user === undefined) {
      answer(401, {
        errorMessages: [
          'You are not authenticated. Authentication required to perform this operation: send Basic auth with an ' +
            "account's email and API token, or a Bearer personal access token.",
        ],
        errors: {},
      });
      return true;
    }
    let body: unknown;
    const text = new TextDecoder().decode(raw);
    if (text.trim() !== '') {
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        answer(415, {
          errorMessages: ['Unsupported media type: send the body as Content-Type: application/json'],
          errors: {},
        });
        return true;
      }
      try {
        body = JSON.parse(text);
      } catch (error) {
        answer(400, { errorMessages: [`The request body is not valid JSON: ${(error as Error).message}`], errors: {} });
        return true;
      }
    }
    const version: ApiVersion = match[1] === '3' ? '3' : '2';
    const context: RenderContext = {
      baseUrl: deps.baseUrl(),
      version,
      flavour: deps.flavour,
      status: (name) => state.workflows.status(name),
    };
    let result: Answer;
    try {
      result = route({ method, route: match[2] ?? '/', query: url.searchParams, body, user, context });
    } catch (error) {
      if (!(error instanceof JiraRequestError)) throw error;
      result = { status: error.status, body: { errorMessages: error.errorMessages, errors: error.errors } };
    }
    if (failAfterwards) answer(500, { errorMessages: ['Internal server error'], errors: {} });
    else answer(result.status, result.body);
    return true;
  };
}
