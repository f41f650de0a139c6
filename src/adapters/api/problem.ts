/**
 * RFC 9457 problem details: every error the HTTP API answers is `application/problem+json` with a type, a title,
 * the status, what went wrong (detail) and how to fix it (fix, an extension member).
 */

/** Media type of a problem body. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** A problem body. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly fix: string;
  /** Extension members, e.g. each invalid parameter of a 400. */
  readonly [extension: string]: unknown;
}

/** Builds a problem whose `type` names it under certflow's problem namespace. */
export function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  fix: string,
  extensions: Readonly<Record<string, unknown>> = {},
): Problem {
  return { type: `https://certflow.dev/problems/${slug}`, title, status, detail, fix, ...extensions };
}

/** An error a route throws to answer with a problem. */
export class ApiProblemError extends Error {
  override readonly name = 'ApiProblemError';
  constructor(
    readonly problem: Problem,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(problem.detail);
  }
}
