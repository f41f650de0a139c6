import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  DEMO_JIRA_USERS,
  JiraStandInPortInUseError,
  startDemoJira,
} from '../../../../src/adapters/jira/stand-in/demo-jira';
import { PortInUseError } from '../../../../src/adapters/shared/port-in-use-error';
import JiraApi from 'jira-client';

describe('the demo Jira site certflow start runs without Jira credentials', () => {
  it('starts with the demo people and project, and credentials that differ per run', async () => {
    const first = await startDemoJira({ port: 0 });
    const second = await startDemoJira({ port: 0 });
    try {
      expect(second.apiToken).not.toBe(first.apiToken);
      expect(second.webhookSecret).not.toBe(first.webhookSecret);
      const jira = new JiraApi({
        protocol: 'http',
        host: '127.0.0.1',
        port: String(first.standIn.port),
        username: first.email,
        password: first.apiToken,
        apiVersion: '3',
      });
      expect(await jira.getCurrentUser()).toMatchObject({ accountId: DEMO_JIRA_USERS.certflow.accountId });
      const created = (await jira.addNewIssue({
        fields: {
          project: { key: 'CERT' },
          issuetype: { name: 'Change' },
          summary: 'Renew demo',
          customfield_10050: '2026-12-05',
        },
      })) as { key: string };
      expect(created.key).toBe('CERT-1');
      const page = await (await fetch(`${first.standIn.url}/?user=${DEMO_JIRA_USERS.changeManager.accountId}`)).text();
      expect(page).toContain('Adam Approver');
      expect(page).toContain('>Approve</button>');
      // People other than certflow's bot cannot use the REST API: they have no token.
      const asOwner = await fetch(`${first.standIn.url}/rest/api/3/myself`, {
        headers: { Authorization: `Basic ${Buffer.from(`${DEMO_JIRA_USERS.owner.email}:`).toString('base64')}` },
      });
      expect(asOwner.status).toBe(401);
    } finally {
      await first.standIn.close();
      await second.standIn.close();
    }
  });

  it('a taken port is a PortInUseError that names CERTFLOW_JIRA_STAND_IN_PORT', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const error = await startDemoJira({ port }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(JiraStandInPortInUseError);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toContain(`port ${port} (CERTFLOW_JIRA_STAND_IN_PORT)`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
