/**
 * Switchable faults: the next REST calls matching a path pattern fail with a 500, are rate limited, or answer slowly;
 * or, in the random mode, a seeded share of all calls fails one of those ways or is processed and then answered 500.
 */
import { RandomFaults, type RandomFaultSettings, type StandInFault } from '../../shared/random-faults';

/** One injected fault (see StandInFault: `afterProcessing` fails a call after it took effect). */
export type JiraFault = StandInFault;

/** A fault given a bad pattern, a negative or fractional count, or a negative delay or Retry-After. */
export class InvalidJiraFaultError extends Error {
  override readonly name = 'InvalidJiraFaultError';
  constructor(detail: string) {
    super(`invalid Jira stand-in fault: ${detail}`);
  }
}

interface QueuedFault {
  readonly matches: (method: string, path: string) => boolean;
  readonly fault: JiraFault;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

// `'any'`, or an optional HTTP method and a path below `/rest/api/<version>` in which `*` stands for one segment:
// `/issue`, `POST /issue`, `/issue/*/transitions`, `/search/jql`. A pattern starting with `/rest/` is the whole path.
function compile(pattern: string): (method: string, path: string) => boolean {
  if (pattern === 'any') return () => true;
  const [first, ...rest] = pattern.trim().split(/\s+/);
  const method = rest.length > 0 ? first?.toUpperCase() : undefined;
  const path = rest.length > 0 ? rest.join(' ') : (first ?? '');
  if (rest.length > 1 || (method !== undefined && !METHODS.includes(method)) || !path.startsWith('/')) {
    throw new InvalidJiraFaultError(
      `pattern "${pattern}" must be 'any' or [METHOD] /path, e.g. "POST /issue" or "/issue/*/transitions"`,
    );
  }
  const segments = path
    .split('/')
    .map((segment) => (segment === '*' ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  const expression = new RegExp(path.startsWith('/rest/') ? `^${segments}/?$` : `^/rest/api/[^/]+${segments}/?$`);
  return (requestMethod, requestPath) =>
    (method === undefined || method === requestMethod) && expression.test(requestPath);
}

/** Faults queued per path pattern, each consumed by the first call it matches, in the order they were queued. */
export class JiraFaults {
  private readonly queued: QueuedFault[] = [];
  private random: RandomFaults | undefined;

  /**
   * From now on `rate` of the calls queued faults leave alone meet a random fault (429 with Retry-After, 500, a hold
   * of `timeoutMs`, or processed then 500), drawn from `seed`; `undefined` turns the random mode off.
   */
  randomly(settings: RandomFaultSettings | undefined): void {
    this.random = settings === undefined ? undefined : new RandomFaults(settings);
  }

  /**
   * The next `times` REST calls matching `pathPattern` meet `fault`, after faults already queued. The pattern is
   * `'any'` or `[METHOD] /path` below `/rest/api/<version>` (one starting with `/rest/` is the whole path), where a
   * `*` segment stands for any one segment: `POST /issue`, `/search/jql`, `/issue/*` (any issue's GET or PUT).
   */
  next(pathPattern: string, fault: JiraFault, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new InvalidJiraFaultError('times must be a whole number ≥ 1');
    if ('delayMs' in fault && !(fault.delayMs >= 0)) throw new InvalidJiraFaultError('delayMs must be ≥ 0');
    if ('retryAfterSeconds' in fault && !(Number.isInteger(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)) {
      throw new InvalidJiraFaultError('retryAfterSeconds must be a whole number ≥ 0, as the Retry-After header is');
    }
    const matches = compile(pathPattern);
    for (let index = 0; index < times; index++) this.queued.push({ matches, fault });
  }

  /** Drops every queued fault and turns the random mode off. */
  clear(): void {
    this.queued.length = 0;
    this.random = undefined;
  }

  /** The fault for this call, if any: a queued one (removed from the queue), else the random mode's draw. */
  take(method: string, path: string): JiraFault | undefined {
    const index = this.queued.findIndex((queued) => queued.matches(method, path));
    if (index !== -1) return this.queued.splice(index, 1)[0]?.fault;
    return this.random?.draw();
  }
}
