import { DEMO_JIRA_PROJECT, type DemoJira } from '../../src/adapters/jira/stand-in/demo-jira';
import { DEMO_CHANNEL, type DemoSlack } from '../../src/adapters/slack/stand-in/demo-workspace';

/**
 * The environment that points a `certflow worker`'s Slack notifier and Jira adapter at demo stand-ins a test runs (so
 * they outlive a killed worker): the bot token and signing secret, the demo channel for campaigns, the Jira cloud
 * flavour with the demo project, and no polling of waiting tickets.
 */
export function standInWorkerEnv(slack: DemoSlack, jira: DemoJira): NodeJS.ProcessEnv {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.standIn.apiUrl,
    CERTFLOW_CAMPAIGN_CHANNEL: DEMO_CHANNEL.id,
    JIRA_URL: jira.standIn.url,
    JIRA_FLAVOUR: 'cloud',
    JIRA_EMAIL: jira.email,
    JIRA_API_TOKEN: jira.apiToken,
    JIRA_PROJECT: DEMO_JIRA_PROJECT.key,
    JIRA_ISSUE_TYPE: 'Task',
    CERTFLOW_JIRA_POLL_SECONDS: '0',
  };
}
