/**
 * The dated plan of one certificate's lifecycle (R-MON-1 … R-MON-4): reminders, the change ticket, the renewal
 * deadline, the escalation and expiry, plus where the certificate stands at `now` and what to wait for next.
 *
 * Dates are ISO 8601 strings with a zone, in and out, like `CertificateFacts`; only `next.inMs` is a duration.
 *
 * The plan scales with the certificate's lifetime (R-MON-4), so no reminder is due on a freshly issued certificate:
 * - The renewal deadline is `renewalDeadlineDaysBefore` (30) days before expiry, or for short-lived certificates
 *   (lifetime under `shortLivedThresholdDays`, 60) at `shortLivedRenewalFraction` (80%) of their lifetime. Offsets
 *   at or after the deadline (the 30-day reminder, the escalation) scale with it: `scale = deadline / configured`.
 * - Offsets before the deadline (the 90- and 60-day reminders, the ticket) keep their configured days when they fit;
 *   when they do not, they are compressed toward the deadline so that the earliest falls `maxLeadFraction` (0.6) of the
 *   lifetime before expiry: never in the first 40% of a certificate's life. With NIST's values this is exactly the
 *   short-lived plan's shape (a 47-day certificate is reminded 28.2, 18.8 and 9.4 days before expiry), a 90-day one
 *   at 54, 42 and 30 with its deadline at two thirds of its life, a 100-day one at 60, 45 and 30, and from 150 days on
 *   the configured 90/60/30.
 * Contexts recorded before `maxLeadFraction` existed lack it and keep the earlier plan (no compression), so recorded
 * workflow histories replay unchanged.
 *
 * Instants that still fall at or before notBefore (odd settings) make no sense: such reminders are dropped, while the
 * ticket, deadline and escalation are moved to notBefore because the workflow needs them.
 *
 * Everything due at or before `now` (and after `handledUntil`) is folded into one `due` step at `now`, whose level
 * is the most serious event in it: a certificate found 20 days before expiry gets one escalation, not three stale
 * reminders, and an expired one gets one expiry incident. A workflow loops: compute, act on `due`, keep `now` as
 * the next call's `handledUntil`, sleep `next.inMs`; recomputing after a policy change never repeats a handled step.
 */
import type { LifecycleSettings } from '../policy/policy';
import { DAY_MS } from '../duration';

/** What happens at an instant of the plan, from least to most serious. */
export const LIFECYCLE_EVENT_KINDS = ['reminder', 'ticket', 'renewal-deadline', 'escalation', 'expiry'] as const;

/** One of {@link LIFECYCLE_EVENT_KINDS}. */
export type LifecycleEventKind = (typeof LIFECYCLE_EVENT_KINDS)[number];

/** Where a certificate stands: the most serious event that has happened. */
export type LifecycleStage = 'pending' | 'reminding' | 'ticketed' | 'overdue' | 'escalated' | 'expired';

const STAGE_AFTER: Readonly<Record<LifecycleEventKind, LifecycleStage>> = {
  reminder: 'reminding',
  ticket: 'ticketed',
  'renewal-deadline': 'overdue',
  escalation: 'escalated',
  expiry: 'expired',
};

/** One dated event of the plan. */
export interface LifecycleEvent {
  readonly kind: LifecycleEventKind;
  /** ISO 8601 UTC. */
  readonly at: string;
  /** The configured offset it comes from, in days before notAfter (90 for the 90-day reminder; 0 for expiry). */
  readonly offsetDays: number;
  /** Actual days from `at` to notAfter, to three decimals: differs from `offsetDays` when scaled or moved. */
  readonly daysBeforeExpiry: number;
}

/** Events that fall due together; the workflow acts once, at the level of the most serious one. */
export interface LifecycleStep {
  /** ISO 8601 UTC. */
  readonly at: string;
  readonly level: LifecycleEventKind;
  readonly events: readonly LifecycleEvent[];
}

/** The next step to wait for, with the wait from `now`. */
export interface NextLifecycleStep extends LifecycleStep {
  /** Milliseconds from `now` to `at`, for `sleep`. */
  readonly inMs: number;
}

/** Input of {@link computeLifecycleSchedule}. */
export interface LifecycleScheduleInput {
  /** ISO 8601 with a zone, as in `CertificateFacts`. */
  readonly notBefore: string;
  readonly notAfter: string;
  readonly now: string;
  /** The policy's schedule settings (`policy.schedule` will do). */
  readonly settings: LifecycleSettings;
  /** The owner group's reminder offsets; when given they win over `settings.reminderDays` (R-MON-1). */
  readonly groupReminderDays?: readonly number[] | null;
  /** Events at or before this instant were already acted on and are not due again (e.g. after a policy change). */
  readonly handledUntil?: string | null;
  /** A CA asked for renewal by this instant (RFC 9773): the renewal deadline moves to it when that is earlier. */
  readonly renewBy?: string | null;
}

/** The dated plan of one certificate and its position at `now`. */
export interface LifecycleSchedule {
  /** notBefore and notAfter normalised to ISO 8601 UTC. */
  readonly notBefore: string;
  readonly notAfter: string;
  readonly lifetimeDays: number;
  readonly shortLived: boolean;
  /** Factor applied to the renewal deadline and the offsets at or after it: 1 unless short-lived. */
  readonly scale: number;
  /** The reminder offsets used, largest first, and whether they came from the group or the policy. */
  readonly reminderDays: readonly number[];
  readonly reminderDaysSource: 'group' | 'policy';
  /** By when renewal must be complete (R-MON-4). ISO 8601 UTC. */
  readonly renewalDeadline: string;
  /** The whole plan regardless of `now`, in time order. */
  readonly events: readonly LifecycleEvent[];
  readonly stage: LifecycleStage;
  /** What to do right now for events already past and not yet handled, as one step at `now`; null when nothing. */
  readonly due: LifecycleStep | null;
  /** Steps after `now`, in time order. */
  readonly upcoming: readonly LifecycleStep[];
  /** The first upcoming step, or null after expiry. */
  readonly next: NextLifecycleStep | null;
}

/** The schedule's input is unusable; the message names the field and the fix. */
export class LifecycleScheduleError extends Error {
  override readonly name = 'LifecycleScheduleError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function readInstant(field: string, value: unknown): number {
  const ms = typeof value === 'string' && ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new LifecycleScheduleError(
      field,
      `${JSON.stringify(value) ?? String(value)} is not an ISO 8601 instant with a zone; write e.g. 2026-01-01T00:00:00.000Z`,
    );
  }
  return ms;
}

function readDays(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new LifecycleScheduleError(field, `${String(value)} is not a positive number of days before notAfter`);
  }
  return value;
}

function readReminderDays(field: string, value: readonly number[]): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new LifecycleScheduleError(field, 'needs at least one reminder offset in days, e.g. [90, 60, 30]');
  }
  const days = value.map((day, index) => readDays(`${field}[${index}]`, day));
  return [...new Set(days)].sort((a, b) => b - a);
}

function readSettings(settings: LifecycleSettings): LifecycleSettings {
  if (typeof settings !== 'object' || settings === null) {
    throw new LifecycleScheduleError('settings', 'missing; pass the policy schedule settings (policy.schedule)');
  }
  const fraction = settings.shortLivedRenewalFraction;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new LifecycleScheduleError(
      'settings.shortLivedRenewalFraction',
      `${String(fraction)} is not a fraction between 0 and 1 (exclusive), e.g. 0.8`,
    );
  }
  const lead = settings.maxLeadFraction;
  if (lead !== undefined && (typeof lead !== 'number' || !(lead > 0 && lead < 1))) {
    throw new LifecycleScheduleError(
      'settings.maxLeadFraction',
      `${String(lead)} is not a fraction between 0 and 1 (exclusive), e.g. 0.6`,
    );
  }
  return {
    ...(lead === undefined ? {} : { maxLeadFraction: lead }),
    reminderDays: readReminderDays('settings.reminderDays', settings.reminderDays),
    ticketDaysBefore: readDays('settings.ticketDaysBefore', settings.ticketDaysBefore),
    escalationDaysBefore: readDays('settings.escalationDaysBefore', settings.escalationDaysBefore),
    renewalDeadlineDaysBefore: readDays('settings.renewalDeadlineDaysBefore', settings.renewalDeadlineDaysBefore),
    shortLivedThresholdDays: readDays('settings.shortLivedThresholdDays', settings.shortLivedThresholdDays),
    shortLivedRenewalFraction: fraction,
  };
}

const RANK: Readonly<Record<LifecycleEventKind, number>> = {
  reminder: 0,
  ticket: 1,
  'renewal-deadline': 2,
  escalation: 3,
  expiry: 4,
};

function mostSerious(events: readonly LifecycleEvent[]): LifecycleEventKind {
  let level: LifecycleEventKind = 'reminder';
  for (const event of events) if (RANK[event.kind] > RANK[level]) level = event.kind;
  return level;
}

type PlannedEvent = LifecycleEvent & { readonly ms: number };

function strip({ kind, at, offsetDays, daysBeforeExpiry }: PlannedEvent): LifecycleEvent {
  return { kind, at, offsetDays, daysBeforeExpiry };
}

function groupByInstant(events: readonly PlannedEvent[]): LifecycleStep[] {
  const steps: { at: string; ms: number; events: LifecycleEvent[] }[] = [];
  for (const event of events) {
    const last = steps[steps.length - 1];
    if (last !== undefined && last.ms === event.ms) last.events.push(strip(event));
    else steps.push({ at: event.at, ms: event.ms, events: [strip(event)] });
  }
  return steps.map(({ at, events }) => ({ at, level: mostSerious(events), events }));
}

/**
 * Computes a certificate's lifecycle plan (R-MON-1 … R-MON-4) and its position at `now`; see the module comment
 * for how short-lived certificates scale and how past events fold into one step.
 */
export function computeLifecycleSchedule(input: LifecycleScheduleInput): LifecycleSchedule {
  const notBefore = readInstant('notBefore', input.notBefore);
  const notAfter = readInstant('notAfter', input.notAfter);
  const now = readInstant('now', input.now);
  const handledUntil =
    input.handledUntil === undefined || input.handledUntil === null
      ? Number.NEGATIVE_INFINITY
      : readInstant('handledUntil', input.handledUntil);
  if (notAfter <= notBefore) {
    throw new LifecycleScheduleError(
      'notAfter',
      `${input.notAfter} is not after notBefore ${input.notBefore}; check that the two dates are not swapped`,
    );
  }
  const settings = readSettings(input.settings);
  const groupDays = input.groupReminderDays ?? null;
  const fromGroup = groupDays !== null;
  const reminderDays = fromGroup ? readReminderDays('groupReminderDays', groupDays) : settings.reminderDays;

  const lifetimeMs = notAfter - notBefore;
  const lifetimeDays = lifetimeMs / DAY_MS;
  const shortLived = lifetimeMs < settings.shortLivedThresholdDays * DAY_MS;
  const configuredDeadline = settings.renewalDeadlineDaysBefore;
  const scale = shortLived ? ((1 - settings.shortLivedRenewalFraction) * lifetimeDays) / configuredDeadline : 1;
  const deadlineDays = configuredDeadline * scale;
  const longestDays = Math.max(
    ...reminderDays,
    settings.ticketDaysBefore,
    settings.escalationDaysBefore,
    configuredDeadline,
  );
  // The earliest offset may lie at most maxLeadFraction of the lifetime before expiry; the offsets before the
  // deadline are compressed toward it when it would lie earlier.
  const leadLimit = (settings.maxLeadFraction ?? Number.POSITIVE_INFINITY) * lifetimeDays;
  const compressed = longestDays > configuredDeadline && longestDays * scale > leadLimit;
  const leadFactor = compressed
    ? (Math.max(deadlineDays, leadLimit) - deadlineDays) / (longestDays - configuredDeadline)
    : scale;
  /** Days before notAfter of a configured offset, for this certificate's lifetime. */
  const daysFor = (offsetDays: number): number =>
    !compressed || offsetDays <= configuredDeadline
      ? offsetDays * scale
      : deadlineDays + (offsetDays - configuredDeadline) * leadFactor;

  const planned: PlannedEvent[] = [];
  const plan = (kind: LifecycleEventKind, offsetDays: number, clampToNotBefore: boolean): void => {
    let ms = Math.round(notAfter - daysFor(offsetDays) * DAY_MS);
    if (ms <= notBefore) {
      if (!clampToNotBefore) return;
      ms = notBefore;
    }
    const daysBeforeExpiry = Math.round(((notAfter - ms) / DAY_MS) * 1000) / 1000;
    planned.push({ kind, at: new Date(ms).toISOString(), offsetDays, daysBeforeExpiry, ms });
  };
  for (const days of reminderDays) plan('reminder', days, false);
  plan('ticket', settings.ticketDaysBefore, true);
  plan('renewal-deadline', settings.renewalDeadlineDaysBefore, true);
  const renewBy = input.renewBy === undefined || input.renewBy === null ? null : readInstant('renewBy', input.renewBy);
  const plannedDeadline = planned[planned.length - 1] as PlannedEvent;
  if (renewBy !== null && renewBy < plannedDeadline.ms) {
    const ms = Math.max(renewBy, notBefore);
    const daysBeforeExpiry = Math.round(((notAfter - ms) / DAY_MS) * 1000) / 1000;
    planned[planned.length - 1] = { ...plannedDeadline, at: new Date(ms).toISOString(), daysBeforeExpiry, ms };
  }
  plan('escalation', settings.escalationDaysBefore, true);
  plan('expiry', 0, true);
  planned.sort((a, b) => a.ms - b.ms || RANK[a.kind] - RANK[b.kind] || b.offsetDays - a.offsetDays);

  const past = planned.filter((event) => event.ms <= now);
  const pending = past.filter((event) => event.ms > handledUntil).map(strip);
  const future = planned.filter((event) => event.ms > now);
  const upcoming = groupByInstant(future);
  const first = upcoming[0];
  const deadline = planned.find((event) => event.kind === 'renewal-deadline') as LifecycleEvent;

  return {
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    lifetimeDays: Math.round(lifetimeDays * 1000) / 1000,
    shortLived,
    scale,
    reminderDays,
    reminderDaysSource: fromGroup ? 'group' : 'policy',
    renewalDeadline: deadline.at,
    events: planned.map(strip),
    stage: past.length === 0 ? 'pending' : STAGE_AFTER[mostSerious(past)],
    due:
      pending.length === 0 ? null : { at: new Date(now).toISOString(), level: mostSerious(pending), events: pending },
    upcoming,
    next: first === undefined ? null : { ...first, inMs: Date.parse(first.at) - now },
  };
}

/**
 * The reminder planned at the same instant as the escalation (with NIST's values the 30-day one), or null. The
 * workflow acts on that instant at the escalation's level, so the owners' reminder goes out beside it (R-MON-1).
 */
export function reminderWithEscalation(schedule: Pick<LifecycleSchedule, 'events'>): LifecycleEvent | null {
  const escalation = schedule.events.find((event) => event.kind === 'escalation');
  if (escalation === undefined) return null;
  return schedule.events.find((event) => event.kind === 'reminder' && event.at === escalation.at) ?? null;
}
