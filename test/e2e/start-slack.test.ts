import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/adapters/slack/views/block-ids';
import type { SlackStandIn } from '../../src/adapters/slack/stand-in/slack-stand-in';
import { resendRequest } from '../../src/adapters/slack/stand-in/user-driver';
import { until } from '../support/until';
import { type CertflowProcess, runCertflowToEnd } from '../support/processes';
import { type SlackStart, startCertflowWithSlack } from '../support/slack-start';

const TOKEN = 'xoxb-e2e-0001';
const SECRET = 'e2e-signing-secret';

describe('certflow start with Slack (the stand-in): a renewal approved with a button', () => {
  let standIn: SlackStandIn;
  let certflow: CertflowProcess;
  let env: NodeJS.ProcessEnv;
  let started: SlackStart | undefined;

  beforeAll(async () => {
    started = await startCertflowWithSlack({
      botToken: TOKEN,
      signingSecret: SECRET,
      users: [
        { id: 'U0OWNER', name: 'owner', email: 'owner@example.com' },
        { id: 'U0BOB', name: 'bob', email: 'bob@example.com' },
        { id: 'U0EVE', name: 'eve', email: 'eve@example.com' },
      ],
    });
    ({ standIn, certflow, env } = started);
  });

  /** Adds what certflow printed and what it asked Slack to a failure, so a broken step says where it broke. */
  function explain(error: Error): never {
    const calls = standIn.calls.map((call) => `${call.method}${call.error ? ` (${call.error})` : ''}`).join(', ');
    throw new Error(
      `${error.message}\ncertflow said:\n${[...certflow.stdout, ...certflow.stderr].join('\n')}\nSlack calls: ${calls}`,
    );
  }

  afterAll(async () => {
    await started?.close();
  });

  it("R-RA-1, R-RA-2, R-REN-2, R-MON-2, R-SEC-1: the approver gets the request in Slack, View details opens certflow's page, a stranger is refused, Approve renews the endpoint and its replay is refused, the channel shows the decision once and the Jira stand-in's change ticket is done", async () => {
    expect(certflow.stdout).toContain(`Slack app listening at http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/slack/events`);
    const listed = await runCertflowToEnd(['list', '--json'], env);
    const id = (JSON.parse(listed.stdout) as { items: { id: string }[] }).items[0]!.id;
    const renew = await runCertflowToEnd(['renew', id, '--reason', 'e2e', '--json'], {
      ...env,
      CERTFLOW_ACTOR: 'email:owner@example.com',
    });
    expect(renew.code, renew.out).toBe(0);

    const approverDm = await until(() => standIn.dmChannel('U0BOB'), 'the DM to the approver').catch(explain);
    const approval = await until(
      () =>
        standIn
          .messages(approverDm)
          .find((message) => JSON.stringify(message.blocks).includes(ACTION_IDS.approveRequest)),
      'the approval request',
    );
    const appUrl = `http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/slack/events`;

    // Eve is no approver: her click changes nothing and she alone is told why.
    await standIn
      .as('U0EVE', { appUrl })
      .click({ channel: approverDm, ts: approval.ts, actionId: ACTION_IDS.approveRequest });
    const refusal = await until(() => standIn.ephemeral('U0EVE')[0], "Eve's refusal");
    expect(JSON.stringify(refusal)).toMatch(/only approvers of group demo/);

    // View details leads to certflow's page of the certificate, and its click is acknowledged (issue 14 item 5).
    const details = (approval.blocks as { elements?: { action_id?: string; url?: string }[] }[])
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === ACTION_IDS.viewDetails)?.url;
    expect(details).toBe(`http://127.0.0.1:${env.CERTFLOW_HTTP_PORT}/certificates/${id}`);
    const page = await fetch(details ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Demo');
    const viewed = await standIn
      .as('U0BOB', { appUrl })
      .click({ channel: approverDm, ts: approval.ts, actionId: ACTION_IDS.viewDetails });
    expect(viewed.status).toBe(200);

    const approved = await standIn
      .as('U0BOB', { appUrl })
      .click({ channel: approverDm, ts: approval.ts, actionId: ACTION_IDS.approveRequest });
    expect(approved.status).toBe(200);
    // The same signed click sent again is a replay: refused before any listener runs (R-SEC-1).
    expect((await resendRequest(approved.sent!)).status).toBe(401);
    // The approval request is updated in place with the decision, and the lifecycle moves to its next cycle.
    await until(
      () => standIn.messages(approverDm).find((message) => message.ts === approval.ts && message.edits.length > 0),
      'the decision in place',
    ).catch(explain);
    const status = await until(async () => {
      const result = await runCertflowToEnd(['lifecycle', 'status', id, '--json'], env);
      const view = JSON.parse(result.stdout) as { lifecycle: { cycle: number } };
      return view.lifecycle.cycle === 2 ? view : undefined;
    }, 'the renewal');
    expect(status.lifecycle.cycle).toBe(2);
    // The channel shows the decision once: in the approval request it replaced (issue 14 item 12).
    const decided = standIn.messages('C0DEMO').filter((message) => /Approved: renewal/.test(message.text));
    expect(decided, JSON.stringify(standIn.messages('C0DEMO').map((message) => message.text))).toHaveLength(1);

    // Without Jira credentials the Jira stand-in played Jira: the renewal's change ticket is done (R-MON-2).
    const jiraRow = certflow.stdout.find((line) => line.startsWith('  Jira stand-in'));
    const jiraUrl = /(http:\/\/\S+\/)/.exec(jiraRow ?? '')?.[1];
    expect(jiraUrl, certflow.stdout.join('\n')).toBeDefined();
    const tickets = await until(async () => {
      const page = await (await fetch(jiraUrl ?? '')).text();
      return /CERT-1\b[\s\S]*class="status done">Done</.test(page) ? page : undefined;
    }, 'the change ticket done in the Jira stand-in').catch(explain);
    expect(tickets).toMatch(/Renew/i);
  });
});
