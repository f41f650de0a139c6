import { describe, expect, it } from 'vitest';
import {
  decideCaRenewalDeadline,
  type CaRenewalDecisionInput,
  type SuggestedRenewalWindow,
  windowJitter,
} from '../../../../src/core/domain/lifecycle/ca-renewal-window';
import { computeLifecycleSchedule } from '../../../../src/core/domain/schedule/lifecycle-schedule';
import { DEFAULT_POLICY } from '../../../../src/core/domain/policy/load-policy';

const FP = 'a'.repeat(64);
const window = (start: string, end: string, fingerprintSha256 = FP): SuggestedRenewalWindow => ({
  fingerprintSha256,
  issuer: 'acme:pebble',
  start,
  end,
  explanationUrl: 'https://ca.example/incident',
});
const base: Omit<CaRenewalDecisionInput, 'offered'> = {
  fingerprintSha256: FP,
  deadlineInForce: '2027-03-01T00:00:00.000Z',
  current: null,
  now: '2027-01-10T00:00:00.000Z',
  jitter: 0.5,
};

describe('decideCaRenewalDeadline (R-REN-3: a CA window moves the deadline earlier only)', () => {
  it.each([
    {
      what: 'a window ending before the deadline moves it into the window, by the jitter',
      offered: window('2027-01-20T00:00:00.000Z', '2027-01-22T00:00:00.000Z'),
      input: {},
      deadline: '2027-01-21T00:00:00.000Z',
    },
    {
      what: 'jitter 0 takes the window start',
      offered: window('2027-01-20T00:00:00.000Z', '2027-01-22T00:00:00.000Z'),
      input: { jitter: 0 },
      deadline: '2027-01-20T00:00:00.000Z',
    },
    {
      what: 'a window already past (a revocation imminent) moves the deadline to now',
      offered: window('2027-01-01T00:00:00.000Z', '2027-01-02T00:00:00.000Z'),
      input: {},
      deadline: '2027-01-10T00:00:00.000Z',
    },
    {
      what: 'a window straddling now moves it to no earlier than now',
      offered: window('2027-01-09T00:00:00.000Z', '2027-01-10T12:00:00.000Z'),
      input: { jitter: 0 },
      deadline: '2027-01-10T00:00:00.000Z',
    },
  ])('R-REN-3: $what', ({ offered, input, deadline }) => {
    const decision = decideCaRenewalDeadline({ ...base, ...input, offered });
    expect(decision).toEqual({ kind: 'move', taken: { window: offered, deadline } });
  });

  it.each([
    {
      what: 'a window ending after the deadline (never later)',
      offered: window('2027-02-20T00:00:00.000Z', '2027-03-05T00:00:00.000Z'),
      input: {},
      why: /not before the deadline in force/,
    },
    {
      what: 'a window ending exactly at the deadline',
      offered: window('2027-02-20T00:00:00.000Z', '2027-03-01T00:00:00.000Z'),
      input: {},
      why: /not before the deadline in force/,
    },
    {
      what: 'a window for another version',
      offered: window('2027-01-20T00:00:00.000Z', '2027-01-22T00:00:00.000Z', 'b'.repeat(64)),
      input: {},
      why: /not this one/,
    },
    {
      what: 'the window the deadline already follows (the daily check asking again)',
      offered: window('2027-01-20T00:00:00.000Z', '2027-01-22T00:00:00.000Z'),
      input: {
        current: {
          window: window('2027-01-20T00:00:00.000Z', '2027-01-22T00:00:00.000Z'),
          deadline: '2027-01-21T00:00:00.000Z',
        },
        deadlineInForce: '2027-01-21T00:00:00.000Z',
      },
      why: /already follows this window/,
    },
    {
      what: 'a deadline in force that has passed',
      offered: window('2027-01-01T00:00:00.000Z', '2027-01-02T00:00:00.000Z'),
      input: { deadlineInForce: '2027-01-05T00:00:00.000Z' },
      why: /has passed/,
    },
    {
      what: 'a window whose end is before its start',
      offered: window('2027-01-22T00:00:00.000Z', '2027-01-20T00:00:00.000Z'),
      input: {},
      why: /not a time range/,
    },
  ])('R-REN-3: keeps the deadline for $what', ({ offered, input, why }) => {
    const decision = decideCaRenewalDeadline({ ...base, ...input, offered });
    expect(decision.kind).toBe('keep');
    expect(decision.kind === 'keep' && decision.why).toMatch(why);
  });

  it('R-REN-3: a later window after a moved deadline keeps the earlier one', () => {
    const first = decideCaRenewalDeadline({
      ...base,
      offered: window('2027-01-20T00:00:00.000Z', '2027-01-22T00:00:00.000Z'),
    });
    if (first.kind !== 'move') throw new Error('expected a move');
    const later = decideCaRenewalDeadline({
      ...base,
      offered: window('2027-02-01T00:00:00.000Z', '2027-02-03T00:00:00.000Z'),
      current: first.taken,
      deadlineInForce: first.taken.deadline,
    });
    expect(later.kind).toBe('keep');
  });
});

describe('windowJitter (R-REN-3: spread across the window, stable per certificate)', () => {
  it.each([
    { fingerprint: '00000000' + 'a'.repeat(56), jitter: 0 },
    { fingerprint: '80000000' + 'a'.repeat(56), jitter: 0.5 },
    { fingerprint: 'ffffffff' + 'a'.repeat(56), jitter: 0xffffffff / 2 ** 32 },
    { fingerprint: 'not hex', jitter: 0 },
  ])('R-REN-3: $fingerprint -> $jitter', ({ fingerprint, jitter }) => {
    expect(windowJitter(fingerprint)).toBe(jitter);
  });
});

describe('computeLifecycleSchedule with renewBy (R-REN-3)', () => {
  const plan = (renewBy: string | null) =>
    computeLifecycleSchedule({
      notBefore: '2026-10-01T00:00:00.000Z',
      notAfter: '2027-04-19T00:00:00.000Z',
      now: '2027-01-10T00:00:00.000Z',
      settings: DEFAULT_POLICY.schedule,
      renewBy,
    });

  it.each([
    { renewBy: null, deadline: '2027-03-20T00:00:00.000Z' },
    { renewBy: '2027-01-21T00:00:00.000Z', deadline: '2027-01-21T00:00:00.000Z' },
    // Never later: a CA's later instant leaves the policy's deadline.
    { renewBy: '2027-04-01T00:00:00.000Z', deadline: '2027-03-20T00:00:00.000Z' },
    // Never before the certificate's life began.
    { renewBy: '2026-01-01T00:00:00.000Z', deadline: '2026-10-01T00:00:00.000Z' },
  ])('R-REN-3: renewBy $renewBy puts the renewal deadline at $deadline', ({ renewBy, deadline }) => {
    const schedule = plan(renewBy);
    expect(schedule.renewalDeadline).toBe(deadline);
    expect(schedule.events.map((event) => event.at)).toEqual([...schedule.events.map((event) => event.at)].sort());
  });

  it('R-REN-3: a moved deadline at now is due at once', () => {
    const schedule = plan('2027-01-10T00:00:00.000Z');
    expect(schedule.due?.level).toBe('renewal-deadline');
  });
});
