import { proxyActivities } from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle';

// Three option groups, one per kind of outside system: changing any of them changes the recorded commands.

/** Notifications, tickets, the inventory: quick, retried patiently, idempotent per key. */
export const acts = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
});

/** Issuance: a CA outage is retried for about an hour, then the renewal fails and is escalated. */
export const issuing = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 minute', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 6 },
});

/** Installation and verification talk to servers: a few retries, then a person looks. */
export const deploying = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '15 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});
