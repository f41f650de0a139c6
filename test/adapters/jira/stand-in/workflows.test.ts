import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidStandInWorkflowError,
  startJiraStandIn,
  type JiraStandIn,
  type WebhookDelivery,
} from '../../../../src/adapters/jira/stand-in/jira-stand-in';
import { ALICE, changeFields, jiraClient, OPTIONS } from './support';

const CAB = {
  statuses: [
    { name: 'Pending CAB', category: 'new' as const },
    { name: 'CAB approved', category: 'indeterminate' as const },
    { name: 'CAB rejected', category: 'done' as const },
  ],
  workflows: {
    Change: {
      initial: 'Pending CAB',
      transitions: [
        { id: '11', name: 'Approve', from: ['Pending CAB'], to: 'CAB approved' },
        { id: '21', name: 'Reject', from: ['Pending CAB'], to: 'CAB rejected' },
      ],
    },
  },
};

const open: JiraStandIn[] = [];
afterEach(async () => {
  for (const standIn of open.splice(0)) await standIn.close();
});

/** A stand-in with the CAB workflow whose webhooks are recorded (the receiver answers nothing: no target needed). */
async function cabStandIn(): Promise<{ standIn: JiraStandIn; sent: () => readonly WebhookDelivery[] }> {
  const receiver = await startJiraStandIn({ ...OPTIONS });
  open.push(receiver);
  const standIn = await startJiraStandIn({
    ...OPTIONS,
    customFields: [{ id: 'customfield_10060', name: 'Decline reason', type: 'string' }],
    workflows: CAB,
    // Any HTTP answer will do: the delivery is recorded with its body either way.
    webhook: { url: `${receiver.url}/hook`, secret: 's' },
  });
  open.push(standIn);
  return { standIn, sent: () => standIn.webhookDeliveries };
}

describe('Jira stand-in workflows of its own', () => {
  it('a Change starts in the configured initial status and offers its transitions over REST', async () => {
    const { standIn } = await cabStandIn();
    const jira = jiraClient(standIn, '2');
    const { key } = (await jira.addNewIssue({ fields: changeFields() })) as { key: string };
    expect(((await jira.findIssue(key)) as { fields: { status: unknown } }).fields.status).toMatchObject({
      name: 'Pending CAB',
      statusCategory: { key: 'new' },
    });
    const listed = (await jira.listTransitions(key)) as { transitions: { name: string; to: { name: string } }[] };
    expect(listed.transitions.map((transition) => [transition.name, transition.to.name])).toEqual([
      ['Approve', 'CAB approved'],
      ['Reject', 'CAB rejected'],
    ]);
  });

  it("a person's transition with a screen sends one webhook with the status, the fields and the comment", async () => {
    const { standIn, sent } = await cabStandIn();
    const { key } = (await jiraClient(standIn, '2').addNewIssue({ fields: changeFields() })) as { key: string };
    await standIn.transitionAs(key, 'CAB rejected', ALICE.accountId, {
      fields: { customfield_10060: 'freeze' },
      comment: 'No rollback plan.',
    });
    expect(sent()).toHaveLength(1);
    const body = sent()[0]!.body as {
      comment?: { body: string; author: { accountId: string } };
      changelog: { items: { field: string; toString: string | null }[] };
      issue: { fields: Record<string, unknown> };
    };
    expect(body.changelog.items.map((item) => [item.field, item.toString])).toEqual([
      ['Decline reason', 'freeze'],
      ['status', 'CAB rejected'],
    ]);
    expect(body.comment).toMatchObject({ body: 'No rollback plan.', author: { accountId: ALICE.accountId } });
    expect(body.issue.fields.customfield_10060).toBe('freeze');
  });

  it('a transition the workflow does not offer applies neither the screen nor the comment', async () => {
    const { standIn, sent } = await cabStandIn();
    const { key } = (await jiraClient(standIn, '2').addNewIssue({ fields: changeFields() })) as { key: string };
    await expect(standIn.transitionAs(key, 'Done', ALICE.accountId, { comment: 'x' })).rejects.toThrow(
      /not valid for this issue in status 'Pending CAB'/,
    );
    expect(standIn.issue(key)!.comments).toEqual([]);
    expect(sent()).toEqual([]);
  });

  it('refuses a workflow that names a status it does not have', async () => {
    await expect(
      startJiraStandIn({
        ...OPTIONS,
        workflows: { workflows: { Change: { initial: 'Pending CAB', transitions: [] } } },
      }),
    ).rejects.toThrow(InvalidStandInWorkflowError);
  });
});
