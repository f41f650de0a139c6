import { describe, expect, it } from 'vitest';
import { readDiscoverScheduleCommand } from '../../src/cli/commands/discover-schedule';
import { UsageError } from '../../src/cli/errors';

const CWD = '/work/scans';

describe('certflow discover schedule: reading the command line', () => {
  it.each([
    [
      'create with targets and limits',
      ['create', 'dmz', '--every', '6h', '10.0.0.0/30:443', '--concurrency', '8', '--rate', '20/s'],
      {
        action: 'create',
        name: 'dmz',
        everyMs: 21_600_000,
        scan: expect.objectContaining({
          targets: ['10.0.0.0/30:443'],
          limits: { concurrency: 8, connectTimeoutMs: 5000, handshakeTimeoutMs: 10_000, connectionsPerSecond: 20 },
        }),
      },
    ],
    [
      'create with a targets file, resolved against the working folder',
      ['create', 'dmz', '--every', '1d', '--targets-file', 'hosts.txt'],
      expect.objectContaining({ scan: expect.objectContaining({ targetsFiles: ['/work/scans/hosts.txt'] }) }),
    ],
    ['list', ['list'], { action: 'list', json: false }],
    ['list --json', ['list', '--json'], { action: 'list', json: true }],
    ['show', ['show', 'dmz', '--json'], { action: 'show', name: 'dmz', json: true }],
    [
      'pause with a reason',
      ['pause', 'dmz', '--reason', ' change freeze '],
      { action: 'pause', name: 'dmz', reason: 'change freeze' },
    ],
    ['pause without one', ['pause', 'dmz'], { action: 'pause', name: 'dmz', reason: null }],
    ['unpause', ['unpause', 'dmz'], { action: 'unpause', name: 'dmz' }],
    ['trigger', ['trigger', 'dmz'], { action: 'trigger', name: 'dmz' }],
    ['delete', ['delete', 'dmz'], { action: 'delete', name: 'dmz' }],
  ])('R-INV-2: %s', (_what, args, expected) => {
    expect(readDiscoverScheduleCommand(CWD, args)).toEqual(expected);
  });

  it.each([
    ['no action', [], /usage: certflow discover schedule create/],
    ['an unknown action', ['frob'], /usage: certflow discover schedule create/],
    ['create without --every', ['create', 'dmz', '127.0.0.1:443'], /needs --every/],
    [
      'create with a bad --every',
      ['create', 'dmz', '--every', 'often', '127.0.0.1:443'],
      /--every "often" is not a duration/,
    ],
    ['create without targets', ['create', 'dmz', '--every', '6h'], /scans only what it is given/],
    ['create without a name', ['create'], /usage: certflow discover schedule create/],
    [
      'create with a bad --connect-timeout',
      ['create', 'dmz', '--every', '6h', 'h:443', '--connect-timeout', '1h'],
      /at most 5m/,
    ],
    ['show without a name', ['show'], /usage: certflow discover schedule show/],
    ['pause of two names', ['pause', 'a', 'b'], /usage: certflow discover schedule pause/],
    ['delete with an unknown flag', ['delete', 'dmz', '--force'], /Unknown option '--force'/],
  ])('R-INV-2: %s is a usage error that says what to type', (_what, args, message) => {
    expect(() => readDiscoverScheduleCommand(CWD, args)).toThrow(UsageError);
    expect(() => readDiscoverScheduleCommand(CWD, args)).toThrow(message);
  });
});
