/**
 * App Home: when a person opens certflow's Home tab, it is published afresh with their groups' certificates due in
 * the next 90 days and the requests waiting for their decision, with the same buttons as messages (R-MON-1, R-RA-1).
 */
import type { App } from '@slack/bolt';
import {
  appHomeErrorView,
  appHomeView,
  HOME_HORIZON_DAYS,
  HOME_MAX_APPROVALS,
  HOME_MAX_DUE,
} from '../../views/app-home';
import { dueCertificates, myGroups, pendingApprovals } from '../commands/my-certificates';
import type { SlackListenerContext } from '../index';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Registers the `app_home_opened` listener; the Messages and About tabs are Slack's own and left alone. */
export function registerAppHomeOpened(app: App, context: SlackListenerContext): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    let view;
    try {
      const now = (context.now ?? (() => new Date()))();
      const actor = await context.identities.actorFor(client, { id: event.user });
      const groups = await myGroups(context.store, actor);
      const approverOf = groups.filter(({ approver }) => approver).map(({ group }) => group.id);
      const [certificates, approvals] = await Promise.all([
        dueCertificates(
          context,
          groups.map(({ group }) => group.id),
          { now, withinDays: HOME_HORIZON_DAYS, show: HOME_MAX_DUE },
        ),
        pendingApprovals(context, actor, approverOf, HOME_MAX_APPROVALS),
      ]);
      view = appHomeView({
        now: now.toISOString(),
        groups: groups.map(({ group }) => group.name),
        certificates,
        approvals: approvals.approvals,
        uncheckedApprovals: approvals.unchecked,
      });
    } catch (error) {
      context.log(`Slack App Home for ${event.user} failed: ${messageOf(error)}`);
      view = appHomeErrorView('the inventory or the lifecycles did not answer; open the Home tab again in a minute');
    }
    try {
      await client.views.publish({ user_id: event.user, view });
    } catch (error) {
      context.log(`Slack views.publish of App Home for ${event.user} failed: ${messageOf(error)}`);
    }
  });
}
