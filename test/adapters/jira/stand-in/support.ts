/** Shared set-up for the Jira stand-in tests: people, a project and jira-client pointed at the stand-in. */
import JiraApi from 'jira-client';
import type { JiraStandIn, JiraStandInOptions } from '../../../../src/adapters/jira/stand-in/jira-stand-in';

export const ALICE = {
  accountId: '5b10a2844c20165700ede21g',
  email: 'alice@example.com',
  displayName: 'Alice Change-Manager',
  apiToken: 'alice-api-token',
  personalAccessToken: 'alice-pat',
} as const;

export const CERTFLOW_BOT = {
  accountId: '712020:certflow-bot',
  email: 'certflow@example.com',
  displayName: 'certflow',
  apiToken: 'certflow-api-token',
} as const;

export const OPTIONS: JiraStandInOptions = {
  users: [ALICE, CERTFLOW_BOT],
  projects: [{ key: 'CERT', name: 'Certificates' }, { key: 'OPS' }],
  customFields: [{ id: 'customfield_10050', name: 'Change window start', type: 'date' }],
};

/** jira-client as an adapter configures it for the stand-in. */
export function jiraClient(
  standIn: JiraStandIn,
  apiVersion: '2' | '3' = '3',
  user: { readonly email: string; readonly apiToken: string } = CERTFLOW_BOT,
): JiraApi {
  return new JiraApi({
    protocol: 'http',
    host: '127.0.0.1',
    port: String(standIn.port),
    username: user.email,
    password: user.apiToken,
    apiVersion,
    strictSSL: false,
  });
}

/** A raw REST call as certflow's bot. */
export async function rest(
  standIn: JiraStandIn,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${standIn.url}${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${CERTFLOW_BOT.email}:${CERTFLOW_BOT.apiToken}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    headers: response.headers,
  };
}

/** A change ticket's fields as an adapter would send them. */
export function changeFields(overrides: Record<string, unknown> = {}) {
  return {
    project: { key: 'CERT' },
    issuetype: { name: 'Change' },
    summary: 'Renew www.example.com before 2027-01-15',
    description: 'Owner group: web\nExpires: 2027-01-31',
    labels: ['certflow', 'certflow-cycle-abc'],
    duedate: '2027-01-15',
    ...overrides,
  };
}
