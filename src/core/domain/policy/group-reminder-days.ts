/**
 * A group's reminder offsets, apart from policy.ts: workflows import this, and the workflow bundle must not hold zod,
 * which policy.ts's schema needs (every cached workflow evaluates every module of the bundle: zod cost 1.5 MiB each).
 */
import type { Policy } from './policy';

/**
 * The reminder offsets for a group's certificates (R-MON-1): the group record's own setting wins, then the policy
 * file's entry for the group; null means the policy's default `reminderDays` apply.
 */
export function groupReminderDays(
  policy: Policy,
  group: { readonly id: string; readonly reminderDays: readonly number[] | null } | null,
): readonly number[] | null {
  if (group === null) return null;
  if (group.reminderDays !== null) return group.reminderDays;
  return Object.hasOwn(policy.schedule.groups, group.id)
    ? (policy.schedule.groups[group.id]?.reminderDays ?? null)
    : null;
}
