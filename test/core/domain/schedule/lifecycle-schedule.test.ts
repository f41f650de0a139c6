import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from '../../../../src/core/domain/policy/load-policy';
import { groupReminderDays } from '../../../../src/core/domain/policy/group-reminder-days';
import type { LifecycleSettings } from '../../../../src/core/domain/policy/policy';
import {
  computeLifecycleSchedule,
  type LifecycleEventKind,
  type LifecycleSchedule,
  type LifecycleScheduleInput,
  LifecycleScheduleError,
} from '../../../../src/core/domain/schedule/lifecycle-schedule';
import { DAY_MS } from '../../../../src/core/domain/duration';

const NOT_BEFORE = '2026-01-01T00:00:00.000Z';
const SETTINGS = DEFAULT_POLICY.schedule;

function plusDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString();
}

/** A certificate of `lifetimeDays` from NOT_BEFORE, looked at `daysBeforeExpiry` days before its notAfter. */
function scheduleOf(lifetimeDays: number, daysBeforeExpiry: number, extra: Partial<LifecycleScheduleInput> = {}) {
  const notAfter = plusDays(NOT_BEFORE, lifetimeDays);
  return computeLifecycleSchedule({
    notBefore: NOT_BEFORE,
    notAfter,
    now: plusDays(notAfter, -daysBeforeExpiry),
    settings: SETTINGS,
    ...extra,
  });
}

/** The plan as `kind@days-before-expiry`, compact enough for a table. */
function planOf(schedule: LifecycleSchedule): string[] {
  return schedule.events.map((event) => `${event.kind}@${event.daysBeforeExpiry}`);
}

describe('the plan', () => {
  const longLived = [
    'reminder@90',
    'reminder@60',
    'ticket@60',
    'reminder@30',
    'renewal-deadline@30',
    'escalation@30',
    'expiry@0',
  ];

  it.each<[string, number, string[]]>([
    ['an 825-day certificate', 825, longLived],
    ['a 398-day certificate', 398, longLived],
    ['a 397-day certificate', 397, longLived],
    ['a 200-day certificate (public CAs’ maximum from 2026-03-15)', 200, longLived],
    ['a 150-day certificate: the first from which 90/60/30 fit after 40% of its life', 150, longLived],
    [
      'a 100-day certificate (public maximum from 2027-03-15): reminders compressed toward the 30-day deadline',
      100,
      ['reminder@60', 'reminder@45', 'ticket@45', 'reminder@30', 'renewal-deadline@30', 'escalation@30', 'expiry@0'],
    ],
    [
      'a 90-day (Let’s Encrypt) certificate: three reminders after 40% of its life, renewal due at two thirds',
      90,
      ['reminder@54', 'reminder@42', 'ticket@42', 'reminder@30', 'renewal-deadline@30', 'escalation@30', 'expiry@0'],
    ],
    [
      'a 60-day certificate (not short-lived): nothing before 40% of its life, renewal due halfway',
      60,
      ['reminder@36', 'reminder@33', 'ticket@33', 'reminder@30', 'renewal-deadline@30', 'escalation@30', 'expiry@0'],
    ],
    [
      'a 59-day certificate: short-lived, everything scales to 80% of its life',
      59,
      [
        'reminder@35.4',
        'reminder@23.6',
        'ticket@23.6',
        'reminder@11.8',
        'renewal-deadline@11.8',
        'escalation@11.8',
        'expiry@0',
      ],
    ],
    [
      'a 47-day certificate (public maximum from 2029-03-15)',
      47,
      [
        'reminder@28.2',
        'reminder@18.8',
        'ticket@18.8',
        'reminder@9.4',
        'renewal-deadline@9.4',
        'escalation@9.4',
        'expiry@0',
      ],
    ],
    [
      'a 7-day certificate',
      7,
      [
        'reminder@4.2',
        'reminder@2.8',
        'ticket@2.8',
        'reminder@1.4',
        'renewal-deadline@1.4',
        'escalation@1.4',
        'expiry@0',
      ],
    ],
  ])('R-MON-1, R-MON-4: %s', (_case, lifetimeDays, expected) => {
    expect(planOf(scheduleOf(lifetimeDays, lifetimeDays + 1))).toEqual(expected);
  });

  it.each([1, 7, 20, 47, 59, 60, 61, 89, 90, 100, 149, 150, 200, 397, 398, 825])(
    'R-MON-4: a %d-day certificate, backdated 5 minutes as CAs issue them, is not reminded in the first 40%% of its life',
    (lifetimeDays) => {
      const notBefore = plusDays(NOT_BEFORE, -5 / 1440);
      const notAfter = plusDays(NOT_BEFORE, lifetimeDays);
      const at = (now: string) => computeLifecycleSchedule({ notBefore, notAfter, now, settings: SETTINGS });
      const fresh = at(plusDays(NOT_BEFORE, 6 / 86_400));
      expect(fresh.due).toBeNull();
      expect(fresh.stage).toBe('pending');
      const first = fresh.events[0]!;
      const elapsed = (Date.parse(first.at) - Date.parse(notBefore)) / (Date.parse(notAfter) - Date.parse(notBefore));
      expect(elapsed).toBeGreaterThanOrEqual(0.4 - 1e-9);
      expect(fresh.events.filter((event) => event.kind === 'reminder')).toHaveLength(3);
    },
  );

  it('R-MON-4: the first reminder moves continuously with the lifetime, and the deadline only at the 60-day threshold', () => {
    const firstReminder = (lifetimeDays: number) =>
      scheduleOf(lifetimeDays, lifetimeDays + 1).events[0]!.daysBeforeExpiry;
    let previous = 0;
    for (let lifetimeDays = 1; lifetimeDays <= 400; lifetimeDays++) {
      const days = firstReminder(lifetimeDays);
      expect(days).toBeGreaterThanOrEqual(previous);
      expect(days - previous).toBeLessThanOrEqual(0.6 + 1e-9);
      previous = days;
    }
    expect(firstReminder(59.99)).toBeCloseTo(36, 1);
    expect(firstReminder(60)).toBe(36);
  });

  it('R-MON-4: maxLeadFraction is configurable; without it (contexts recorded before it existed) nothing is compressed', () => {
    const { maxLeadFraction: _dropped, ...recorded } = SETTINGS;
    expect(planOf(scheduleOf(90, 91, { settings: recorded }))).toEqual([
      'reminder@60',
      'ticket@60',
      'reminder@30',
      'renewal-deadline@30',
      'escalation@30',
      'expiry@0',
    ]);
    expect(planOf(scheduleOf(47, 48, { settings: recorded }))).toEqual(planOf(scheduleOf(47, 48)));
    expect(planOf(scheduleOf(90, 91, { settings: { ...SETTINGS, maxLeadFraction: 0.5 } })).slice(0, 3)).toEqual([
      'reminder@45',
      'reminder@37.5',
      'ticket@37.5',
    ]);
  });

  it('R-MON-1: reminders are dated 90, 60 and 30 days before notAfter and tagged with their offset', () => {
    const schedule = scheduleOf(397, 400);
    expect(schedule.notAfter).toBe('2027-02-02T00:00:00.000Z');
    expect(schedule.events.filter((event) => event.kind === 'reminder')).toEqual([
      { kind: 'reminder', at: '2026-11-04T00:00:00.000Z', offsetDays: 90, daysBeforeExpiry: 90 },
      { kind: 'reminder', at: '2026-12-04T00:00:00.000Z', offsetDays: 60, daysBeforeExpiry: 60 },
      { kind: 'reminder', at: '2027-01-03T00:00:00.000Z', offsetDays: 30, daysBeforeExpiry: 30 },
    ]);
  });

  it('R-MON-2: the change ticket opens 60 days before notAfter, configurable', () => {
    expect(scheduleOf(397, 400).events.find((event) => event.kind === 'ticket')?.at).toBe('2026-12-04T00:00:00.000Z');
    const settings: LifecycleSettings = { ...SETTINGS, ticketDaysBefore: 45 };
    expect(scheduleOf(397, 400, { settings }).events.find((event) => event.kind === 'ticket')?.daysBeforeExpiry).toBe(
      45,
    );
  });

  it('R-MON-3: escalation comes 30 days before notAfter, configurable, and expiry is an event of its own', () => {
    const schedule = scheduleOf(397, 400, { settings: { ...SETTINGS, escalationDaysBefore: 14 } });
    expect(planOf(schedule).slice(-3)).toEqual(['renewal-deadline@30', 'escalation@14', 'expiry@0']);
    expect(schedule.events.at(-1)).toMatchObject({ kind: 'expiry', at: schedule.notAfter, offsetDays: 0 });
  });

  it.each<[number, boolean, string]>([
    [825, false, '2028-03-06T00:00:00.000Z'],
    [397, false, '2027-01-03T00:00:00.000Z'],
    [90, false, '2026-03-02T00:00:00.000Z'],
    [60, false, '2026-01-31T00:00:00.000Z'],
    [59, true, '2026-02-17T04:48:00.000Z'],
    [47, true, '2026-02-07T14:24:00.000Z'],
    [20, true, '2026-01-17T00:00:00.000Z'],
    [7, true, '2026-01-06T14:24:00.000Z'],
  ])(
    'R-MON-4: a %d-day certificate (short-lived: %s) must be renewed by %s: 30 days before, or at 80% of its life',
    (lifetimeDays, shortLived, deadline) => {
      const schedule = scheduleOf(lifetimeDays, lifetimeDays + 1);
      expect(schedule.shortLived).toBe(shortLived);
      expect(schedule.renewalDeadline).toBe(deadline);
      if (shortLived) {
        const elapsed = (Date.parse(deadline) - Date.parse(NOT_BEFORE)) / (lifetimeDays * DAY_MS);
        expect(elapsed).toBeCloseTo(0.8, 9);
      }
    },
  );

  it('R-MON-4: the short-lived threshold and fraction are configurable', () => {
    const settings: LifecycleSettings = { ...SETTINGS, shortLivedThresholdDays: 100, shortLivedRenewalFraction: 0.5 };
    const schedule = scheduleOf(90, 91, { settings });
    expect([schedule.shortLived, schedule.renewalDeadline]).toEqual([true, '2026-02-15T00:00:00.000Z']);
    expect(schedule.scale).toBeCloseTo(1.5, 9);
  });
});

describe('where a certificate stands at now', () => {
  it.each<[string, number, string, LifecycleEventKind | null, string[], LifecycleEventKind | null, number | null]>([
    ['not yet valid', 398, 'pending', null, [], 'reminder', 90],
    ['100 days before expiry', 100, 'pending', null, [], 'reminder', 90],
    ['75 days before expiry', 75, 'reminding', 'reminder', ['reminder@90'], 'ticket', 60],
    [
      '45 days before expiry: one notice that opens the ticket',
      45,
      'ticketed',
      'ticket',
      ['reminder@90', 'reminder@60', 'ticket@60'],
      'escalation',
      30,
    ],
    [
      '20 days before expiry: ONE immediate escalation, not three stale reminders',
      20,
      'escalated',
      'escalation',
      ['reminder@90', 'reminder@60', 'ticket@60', 'reminder@30', 'renewal-deadline@30', 'escalation@30'],
      'expiry',
      0,
    ],
    [
      'exactly 30 days before expiry: the 30-day step is due now',
      30,
      'escalated',
      'escalation',
      ['reminder@90', 'reminder@60', 'ticket@60', 'reminder@30', 'renewal-deadline@30', 'escalation@30'],
      'expiry',
      0,
    ],
    [
      'already expired: one expiry incident',
      -3,
      'expired',
      'expiry',
      ['reminder@90', 'reminder@60', 'ticket@60', 'reminder@30', 'renewal-deadline@30', 'escalation@30', 'expiry@0'],
      null,
      null,
    ],
  ])(
    'R-MON-3: a 397-day certificate first seen %s',
    (_case, daysBeforeExpiry, stage, dueLevel, dueEvents, nextLevel, nextDaysBeforeExpiry) => {
      const schedule = scheduleOf(397, daysBeforeExpiry);
      expect(schedule.stage).toBe(stage);
      expect(schedule.due?.level ?? null).toBe(dueLevel);
      expect(schedule.due?.events.map((event) => `${event.kind}@${event.daysBeforeExpiry}`) ?? []).toEqual(dueEvents);
      expect(schedule.next?.level ?? null).toBe(nextLevel);
      expect(schedule.next?.events[0]?.daysBeforeExpiry ?? null).toBe(nextDaysBeforeExpiry);
    },
  );

  it('the due step is dated now and the next step says how long to sleep', () => {
    const schedule = scheduleOf(397, 45);
    const now = plusDays(schedule.notAfter, -45);
    expect(schedule.due?.at).toBe(now);
    expect(schedule.next).toMatchObject({ at: plusDays(schedule.notAfter, -30), inMs: 15 * DAY_MS });
    expect(schedule.upcoming.map((step) => step.level)).toEqual(['escalation', 'expiry']);
  });

  it('events at the same instant form one step: the 60-day reminder and the ticket arrive together', () => {
    const step = scheduleOf(397, 61).next;
    expect(step?.level).toBe('ticket');
    expect(step?.events.map((event) => event.kind)).toEqual(['reminder', 'ticket']);
  });

  it('handledUntil keeps steps already acted on from coming back (e.g. after a policy change)', () => {
    const notAfter = plusDays(NOT_BEFORE, 397);
    const base = { notBefore: NOT_BEFORE, notAfter, now: plusDays(notAfter, -45), settings: SETTINGS };
    const partly = computeLifecycleSchedule({ ...base, handledUntil: plusDays(notAfter, -70) });
    expect(partly.due?.events.map((event) => event.kind)).toEqual(['reminder', 'ticket']);
    expect(partly.stage).toBe('ticketed');
    expect(computeLifecycleSchedule({ ...base, handledUntil: base.now }).due).toBeNull();
  });

  it.each<[number, LifecycleEventKind[]]>([
    [397, ['reminder', 'ticket', 'escalation', 'expiry']],
    [90, ['reminder', 'ticket', 'escalation', 'expiry']],
    [7, ['reminder', 'ticket', 'escalation', 'expiry']],
  ])(
    'R-MON-1: a workflow that sleeps from step to step acts once per step for a %d-day certificate',
    (lifetimeDays, levels) => {
      const notAfter = plusDays(NOT_BEFORE, lifetimeDays);
      let now = NOT_BEFORE;
      let handledUntil: string | null = null;
      const acted: LifecycleEventKind[] = [];
      for (let wakeUps = 0; wakeUps < 20; wakeUps++) {
        const schedule = computeLifecycleSchedule({
          notBefore: NOT_BEFORE,
          notAfter,
          now,
          settings: SETTINGS,
          handledUntil,
        });
        if (schedule.due !== null) acted.push(schedule.due.level);
        if (schedule.next === null) break;
        handledUntil = now;
        now = new Date(Date.parse(now) + schedule.next.inMs).toISOString();
      }
      expect(acted).toEqual(levels);
    },
  );
});

describe('group overrides', () => {
  it('R-MON-1: a group’s reminder days win over the policy’s; the ticket and escalation stay', () => {
    const schedule = scheduleOf(397, 400, { groupReminderDays: [45, 14, 7] });
    expect([schedule.reminderDays, schedule.reminderDaysSource]).toEqual([[45, 14, 7], 'group']);
    expect(planOf(schedule)).toEqual([
      'ticket@60',
      'reminder@45',
      'renewal-deadline@30',
      'escalation@30',
      'reminder@14',
      'reminder@7',
      'expiry@0',
    ]);
  });

  it('R-MON-1: without a group override the policy’s days apply', () => {
    expect(scheduleOf(397, 400, { groupReminderDays: null })).toMatchObject({
      reminderDays: [90, 60, 30],
      reminderDaysSource: 'policy',
    });
  });

  it('R-MON-1: a group override scales like the policy’s days for a short-lived certificate', () => {
    const schedule = scheduleOf(20, 21, { groupReminderDays: [15] });
    expect(planOf(schedule).filter((event) => event.startsWith('reminder'))).toEqual(['reminder@2']);
  });

  it('R-MON-1: the schedule follows the policy file and its per-group entries', () => {
    const policy = parsePolicy(
      'schedule:\n  reminderDays: [120, 30]\n  groups:\n    payments-web: { reminderDays: [21] }\n',
      'policy.yaml',
    );
    const forGroup = (id: string) =>
      scheduleOf(397, 400, {
        settings: policy.schedule,
        groupReminderDays: groupReminderDays(policy, { id, reminderDays: null }),
      }).reminderDays;
    expect(forGroup('payments-web')).toEqual([21]);
    expect(forGroup('intranet')).toEqual([120, 30]);
  });
});

describe('bad input', () => {
  const notAfter = '2027-01-01T00:00:00.000Z';
  const valid: LifecycleScheduleInput = { notBefore: NOT_BEFORE, notAfter, now: NOT_BEFORE, settings: SETTINGS };

  it.each<[string, Partial<LifecycleScheduleInput> | Record<string, unknown>, RegExp]>([
    [
      'notAfter before notBefore',
      { notAfter: '2025-01-01T00:00:00.000Z' },
      /^notAfter: .* is not after notBefore .*swapped/,
    ],
    ['notAfter equal to notBefore', { notAfter: NOT_BEFORE }, /^notAfter: .* is not after notBefore/],
    [
      'notBefore that is not a date',
      { notBefore: 'soon' },
      /^notBefore: "soon" is not an ISO 8601 instant with a zone/,
    ],
    ['a date without a zone', { now: '2026-03-01T00:00:00' }, /^now: "2026-03-01T00:00:00" is not an ISO 8601 instant/],
    ['an impossible date', { now: '2026-02-30T25:00:00Z' }, /^now: .* is not an ISO 8601 instant/],
    [
      'epoch milliseconds instead of ISO text',
      { now: 1_767_225_600_000 },
      /^now: 1767225600000 is not an ISO 8601 instant/,
    ],
    ['a missing now', { now: undefined }, /^now: undefined is not an ISO 8601 instant/],
    ['a bad handledUntil', { handledUntil: 'earlier' }, /^handledUntil: "earlier"/],
    [
      'a negative reminder',
      { settings: { ...SETTINGS, reminderDays: [90, -30] } },
      /^settings\.reminderDays\[1\]: -30 is not a positive number of days/,
    ],
    [
      'a reminder that is not a number',
      { settings: { ...SETTINGS, reminderDays: [Number.NaN] } },
      /^settings\.reminderDays\[0\]: NaN/,
    ],
    ['no reminders', { settings: { ...SETTINGS, reminderDays: [] } }, /^settings\.reminderDays: needs at least one/],
    [
      'a zero ticket offset',
      { settings: { ...SETTINGS, ticketDaysBefore: 0 } },
      /^settings\.ticketDaysBefore: 0 is not a positive/,
    ],
    [
      'an infinite escalation offset',
      { settings: { ...SETTINGS, escalationDaysBefore: Infinity } },
      /^settings\.escalationDaysBefore: Infinity/,
    ],
    [
      'a negative deadline',
      { settings: { ...SETTINGS, renewalDeadlineDaysBefore: -1 } },
      /^settings\.renewalDeadlineDaysBefore: -1/,
    ],
    [
      'a fraction of 1',
      { settings: { ...SETTINGS, shortLivedRenewalFraction: 1 } },
      /^settings\.shortLivedRenewalFraction: 1 is not a fraction/,
    ],
    [
      'a lead fraction of 1',
      { settings: { ...SETTINGS, maxLeadFraction: 1 } },
      /^settings\.maxLeadFraction: 1 is not a fraction between 0 and 1/,
    ],
    [
      'a lead fraction that is not a number',
      { settings: { ...SETTINGS, maxLeadFraction: Number.NaN } },
      /^settings\.maxLeadFraction: NaN is not a fraction/,
    ],
    [
      'a missing fraction',
      { settings: { ...SETTINGS, shortLivedRenewalFraction: undefined } },
      /^settings\.shortLivedRenewalFraction: undefined/,
    ],
    ['no settings', { settings: null }, /^settings: missing/],
    ['an empty group override', { groupReminderDays: [] }, /^groupReminderDays: needs at least one reminder offset/],
    [
      'a negative group override',
      { groupReminderDays: [30, -7] },
      /^groupReminderDays\[1\]: -7 is not a positive number/,
    ],
  ])('%s gives a LifecycleScheduleError naming the field', (_case, change, message) => {
    const compute = () => computeLifecycleSchedule({ ...valid, ...change });
    expect(compute).toThrow(LifecycleScheduleError);
    expect(compute).toThrow(message);
  });

  it('accepts any zone offset and returns UTC', () => {
    const schedule = computeLifecycleSchedule({ ...valid, notBefore: '2026-01-01T01:00:00+01:00' });
    expect(schedule.notBefore).toBe(NOT_BEFORE);
  });

  it('repeated reminder offsets count once', () => {
    expect(computeLifecycleSchedule({ ...valid, groupReminderDays: [30, 30, 60] }).reminderDays).toEqual([60, 30]);
  });
});
