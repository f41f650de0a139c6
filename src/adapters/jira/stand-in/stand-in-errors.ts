/** The Jira stand-in's errors: a request Jira refuses (with Jira's error body), and options it cannot start with. */

/** A request Jira refuses, with Jira's error body: `{errorMessages, errors}`. */
export class JiraRequestError extends Error {
  override readonly name = 'JiraRequestError';
  constructor(
    readonly status: number,
    readonly errorMessages: readonly string[],
    readonly errors: Readonly<Record<string, string>> = {},
  ) {
    super([...errorMessages, ...Object.entries(errors).map(([field, message]) => `${field}: ${message}`)].join('; '));
  }
}

/** The 404 Jira gives for an issue that does not exist or is hidden. */
export function issueNotFound(): JiraRequestError {
  return new JiraRequestError(404, ['Issue does not exist or you do not have permission to see it.']);
}

/** A stand-in given contradictory or incomplete options at start. */
export class JiraStandInConfigError extends Error {
  override readonly name = 'JiraStandInConfigError';
}
