import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  parsePolicy,
  PolicyFileError,
  policyVersion,
  validatePolicy,
} from '../../../../src/core/domain/policy/load-policy';
import { groupReminderDays } from '../../../../src/core/domain/policy/group-reminder-days';

const EXAMPLE_FILE = path.join(__dirname, '../../../../examples/certflow-policy.yaml');

function problemsOf(text: string): readonly string[] {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return (error as PolicyFileError).problems;
  }
  throw new Error('expected the policy to be refused');
}

describe('defaults', () => {
  it('the example policy file parses and equals DEFAULT_POLICY', () => {
    expect(parsePolicy(readFileSync(EXAMPLE_FILE, 'utf8'), EXAMPLE_FILE)).toEqual(DEFAULT_POLICY);
  });

  it.each([
    ['an empty file', ''],
    ['a file with only comments', '# nothing set\n'],
    ['an empty JSON object', '{}'],
    ['empty sections', 'rules: {}\nschedule: {}\n'],
    ['sections with everything commented out', 'rules:\n  keySize:\n    # minRsaBits: 3072\nschedule:\n'],
  ])('%s is the default policy', (_case, text) => {
    expect(parsePolicy(text, 'policy.yaml')).toEqual(DEFAULT_POLICY);
  });

  it.each<[string, (policy: typeof DEFAULT_POLICY) => unknown, unknown]>([
    ['R-POL-1: no approved CAs configured, so the rule is off', (p) => p.rules.approvedCas.cas, []],
    [
      'R-POL-2: at most 398 days, CA certificates exempt',
      (p) => p.rules.validityPeriod,
      expect.objectContaining({ maxDays: 398, caMaxDays: null }),
    ],
    ['R-POL-3: RSA >= 2048, ECDSA >= 224', (p) => [p.rules.keySize.minRsaBits, p.rules.keySize.minEcBits], [2048, 224]],
    [
      'R-POL-3: DSA is not an allowed algorithm',
      (p) => p.rules.keySize.allowedAlgorithms,
      ['RSA', 'EC', 'Ed25519', 'Ed448'],
    ],
    ['R-POL-4: MD2, MD5 and SHA-1 are banned', (p) => p.rules.signatureAlgorithm.bannedHashes, ['MD2', 'MD5', 'SHA-1']],
    [
      'R-POL-5: wildcards are banned and no DN attribute is constrained',
      (p) => [p.rules.wildcardNames.enabled, p.rules.subjectDn.attributes],
      [true, {}],
    ],
    ['R-MON-1: reminders 90, 60 and 30 days before notAfter', (p) => p.schedule.reminderDays, [90, 60, 30]],
    ['R-RA-3: an unanswered approval is re-sent after 3 days', (p) => p.renewal.approvalReminderDays, 3],
    ['R-REV-1: the replaced certificate is revoked 5 days after', (p) => p.renewal.revocationDelayDays, 5],
    [
      'R-REN-1: a new key of the same algorithm, the same lifetime',
      (p) => [p.renewal.keyType, p.renewal.validityDays],
      ['same', null],
    ],
    ['R-MON-2: the ticket opens 60 days before notAfter', (p) => p.schedule.ticketDaysBefore, 60],
    ['R-MON-2: deploying waits for no change approval', (p) => p.renewal.requireChangeApproval, false],
    ['R-MON-3: escalation 30 days before notAfter', (p) => p.schedule.escalationDaysBefore, 30],
    [
      'R-MON-4: renewal complete 30 days before, or at 80% of lifetimes under 60 days',
      (p) => [
        p.schedule.renewalDeadlineDaysBefore,
        p.schedule.shortLivedThresholdDays,
        p.schedule.shortLivedRenewalFraction,
      ],
      [30, 60, 0.8],
    ],
  ])('%s by default (NIST)', (_case, read, expected) => {
    expect(read(DEFAULT_POLICY)).toEqual(expected);
  });

  it('DEFAULT_POLICY is frozen, so no caller can change the defaults for everyone', () => {
    expect(Object.isFrozen(DEFAULT_POLICY.schedule.reminderDays)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.rules.keySize)).toBe(true);
  });
});

describe('parsing', () => {
  it('a partial file changes only what it sets', () => {
    const policy = parsePolicy('rules:\n  keySize:\n    minRsaBits: 3072\n', 'policy.yaml');
    expect(policy.rules.keySize).toEqual({ ...DEFAULT_POLICY.rules.keySize, minRsaBits: 3072 });
    expect(policy.schedule).toEqual(DEFAULT_POLICY.schedule);
  });

  it('R-MON-2: requireChangeApproval turns the change-approval gate on and changes nothing else', () => {
    const policy = parsePolicy('renewal:\n  requireChangeApproval: true\n', 'policy.yaml');
    expect(policy.renewal).toEqual({ ...DEFAULT_POLICY.renewal, requireChangeApproval: true });
  });

  it('reads JSON as well as YAML', () => {
    const json = JSON.stringify({ rules: { validityPeriod: { maxDays: 200 } }, schedule: { reminderDays: [45, 15] } });
    const policy = parsePolicy(json, 'policy.json');
    expect([policy.rules.validityPeriod.maxDays, policy.schedule.reminderDays]).toEqual([200, [45, 15]]);
  });

  it('reads approved CAs, subject DN rules and wildcard exceptions', () => {
    const policy = parsePolicy(
      [
        'rules:',
        '  approvedCas:',
        '    cas:',
        '      - { name: Issuing 1, issuerDn: "CN=Issuing 1, O=Example Inc, C=US" }',
        '      - { name: Issuing 2, issuerKeyId: "0A:1B:2C:3D", fingerprintSha256: "' + 'AB'.repeat(32) + '" }',
        '  subjectDn:',
        '    attributes:',
        '      O: { required: true, allowed: [Example Inc] }',
        '      OU: { patterns: ["[A-Z]+-\\\\d+"] }',
        '  wildcardNames:',
        '    allowed: ["*.cdn.example.com"]',
      ].join('\n'),
      'policy.yaml',
    );
    expect(policy.rules.approvedCas.cas).toEqual([
      { name: 'Issuing 1', issuerDn: 'CN=Issuing 1, O=Example Inc, C=US' },
      { name: 'Issuing 2', issuerKeyId: '0A:1B:2C:3D', fingerprintSha256: 'AB'.repeat(32) },
    ]);
    expect(policy.rules.subjectDn.attributes).toEqual({
      O: { required: true, allowed: ['Example Inc'], patterns: [] },
      OU: { required: false, allowed: [], patterns: ['[A-Z]+-\\d+'] },
    });
    expect(policy.rules.wildcardNames.allowed).toEqual(['*.cdn.example.com']);
  });

  it('R-MON-1: reminder days are configurable per policy and per group, largest first', () => {
    const policy = parsePolicy(
      'schedule:\n  reminderDays: [30, 90, 120]\n  groups:\n    payments-web: { reminderDays: [7, 45, 14] }\n',
      'policy.yaml',
    );
    expect(policy.schedule.reminderDays).toEqual([120, 90, 30]);
    expect(policy.schedule.groups).toEqual({ 'payments-web': { reminderDays: [45, 14, 7] } });
  });

  it.each<[string, { id: string; reminderDays: number[] | null } | null, readonly number[] | null]>([
    ["the group record's own days win", { id: 'payments-web', reminderDays: [21, 7] }, [21, 7]],
    ["then the policy file's entry for the group", { id: 'payments-web', reminderDays: null }, [45, 14, 7]],
    ["a group without either uses the policy's default (null)", { id: 'intranet', reminderDays: null }, null],
    ['no group uses the default (null)', null, null],
    ['a group id that is an Object property name is not an entry', { id: 'constructor', reminderDays: null }, null],
  ])('R-MON-1: groupReminderDays: %s', (_case, group, expected) => {
    const policy = parsePolicy('schedule:\n  groups:\n    payments-web: { reminderDays: [45, 14, 7] }\n', 'p.yaml');
    expect(groupReminderDays(policy, group)).toEqual(expected);
  });

  it('validatePolicy takes already-parsed data (an API body) and treats null as empty', () => {
    expect(validatePolicy(null, 'request body')).toEqual(DEFAULT_POLICY);
    expect(() => validatePolicy({ rules: 5 }, 'request body')).toThrow(/^request body: /);
  });
});

describe('bad policy files', () => {
  it.each([
    [
      'a value of the wrong type',
      'rules:\n  keySize:\n    minRsaBits: 2k\n',
      'rules.keySize.minRsaBits: expected a whole number >= 512, got "2k"',
    ],
    [
      'a key size below the floor',
      'rules:\n  keySize:\n    minRsaBits: 256\n',
      'rules.keySize.minRsaBits: expected a whole number >= 512, got 256',
    ],
    [
      'a misspelt key, with a suggestion',
      'rules:\n  keySize:\n    minRsaBit: 3072\n',
      'rules.keySize.minRsaBit: unknown key (did you mean "minRsaBits"?); allowed here: enabled, severity, allowedAlgorithms, minRsaBits, minEcBits, minDsaBits',
    ],
    [
      'an unknown section',
      'rulez: {}\n',
      'rulez: unknown key (did you mean "rules"?); allowed here: rules, schedule, renewal',
    ],
    [
      'a key nothing resembles',
      'schedule:\n  snooze: 3\n',
      expect.stringMatching(/^schedule\.snooze: unknown key; allowed here: reminderDays, /),
    ],
    [
      'an unknown severity',
      'rules:\n  wildcardNames:\n    severity: urgent\n',
      'rules.wildcardNames.severity: expected one of critical, high, medium, low, got "urgent"',
    ],
    [
      'a misnamed algorithm',
      'rules:\n  keySize:\n    allowedAlgorithms: [RSA, ECDSA]\n',
      'rules.keySize.allowedAlgorithms[1]: expected one of RSA, EC, Ed25519, Ed448, DSA, other, got "ECDSA"',
    ],
    [
      'a misnamed hash',
      'rules:\n  signatureAlgorithm:\n    bannedHashes: [SHA1]\n',
      expect.stringMatching(
        /^rules\.signatureAlgorithm\.bannedHashes\[0\]: expected one of MD2, MD5, SHA-1, .*, got "SHA1"$/,
      ),
    ],
    [
      'a switch that is not a boolean',
      'rules:\n  approvedCas:\n    enabled: "no"\n',
      'rules.approvedCas.enabled: expected true or false, got "no"',
    ],
    [
      'a CA with nothing to identify it',
      'rules:\n  approvedCas:\n    cas: [{ name: X }]\n',
      expect.stringMatching(/^rules\.approvedCas\.cas\[0\]: identifies no CA; give issuerDn/),
    ],
    [
      'a CA without a name',
      'rules:\n  approvedCas:\n    cas: [{ issuerDn: "CN=X" }]\n',
      'rules.approvedCas.cas[0].name: missing; expected a name for the CA',
    ],
    [
      'a CA DN that is not a DN',
      'rules:\n  approvedCas:\n    cas: [{ name: X, issuerDn: Example CA }]\n',
      expect.stringMatching(/^rules\.approvedCas\.cas\[0\]\.issuerDn: expected a distinguished name such as/),
    ],
    [
      'a CA DN with an unknown attribute',
      'rules:\n  approvedCas:\n    cas: [{ name: X, issuerDn: "CN=X, Q=Y" }]\n',
      expect.stringMatching(/issuerDn: unknown attribute type "Q"; use CN, O, OU/),
    ],
    [
      'a short fingerprint',
      'rules:\n  approvedCas:\n    cas: [{ name: X, fingerprintSha256: abcd }]\n',
      'rules.approvedCas.cas[0].fingerprintSha256: expected a SHA-256 fingerprint: 64 hex digits',
    ],
    [
      'a key id that is not hex',
      'rules:\n  approvedCas:\n    cas: [{ name: X, issuerKeyId: xyz }]\n',
      expect.stringMatching(/issuerKeyId: expected a key identifier in hex/),
    ],
    [
      'a broken regular expression',
      'rules:\n  subjectDn:\n    attributes:\n      OU: { patterns: ["(["] }\n',
      expect.stringMatching(/^rules\.subjectDn\.attributes\.OU\.patterns\[0\]: is not a valid regular expression/),
    ],
    [
      'a subject attribute the policy cannot constrain',
      'rules:\n  subjectDn:\n    attributes:\n      CN: {}\n',
      expect.stringMatching(/^rules\.subjectDn\.attributes\.CN: unknown key .*allowed here: O, OU, L, ST, C$/),
    ],
    [
      'a negative reminder',
      'schedule:\n  reminderDays: [90, -30]\n',
      'schedule.reminderDays[1]: expected a whole number from 1 to 3650, got -30',
    ],
    [
      'a repeated reminder',
      'schedule:\n  reminderDays: [30, 30]\n',
      'schedule.reminderDays: lists 30 twice; give each once',
    ],
    [
      'no reminders at all',
      'schedule:\n  reminderDays: []\n',
      'schedule.reminderDays: needs at least one reminder offset, e.g. [90, 60, 30], got an empty list',
    ],
    [
      'reminders as text',
      'schedule:\n  reminderDays: "90,60,30"\n',
      'schedule.reminderDays: expected a list of whole numbers of days, got "90,60,30"',
    ],
    [
      'a zero revocation delay',
      'renewal:\n  revocationDelayDays: 0\n',
      'renewal.revocationDelayDays: expected a positive number of days (fractions allowed, e.g. 0.5 for 12 hours), got 0',
    ],
    [
      'change approval as text',
      'renewal:\n  requireChangeApproval: "yes"\n',
      'renewal.requireChangeApproval: expected true or false, got "yes"',
    ],
    [
      'change approval as a number',
      'renewal:\n  requireChangeApproval: 1\n',
      'renewal.requireChangeApproval: expected true or false, got 1',
    ],
    [
      'an unknown renewal key type',
      'renewal:\n  keyType: EC-P521\n',
      expect.stringMatching(/^renewal\.keyType: expected one of same, EC-P256, EC-P384, RSA-2048/),
    ],
    [
      'a zero-day ticket',
      'schedule:\n  ticketDaysBefore: 0\n',
      'schedule.ticketDaysBefore: expected a whole number from 1 to 3650, got 0',
    ],
    [
      'escalation before the ticket',
      'schedule:\n  escalationDaysBefore: 90\n',
      expect.stringMatching(
        /^schedule\.escalationDaysBefore: escalation \(90 days before expiry\) would come before the ticket .* make escalationDaysBefore <= ticketDaysBefore$/,
      ),
    ],
    [
      'a short-lived threshold inside the deadline',
      'schedule:\n  shortLivedThresholdDays: 30\n',
      expect.stringMatching(
        /^schedule\.shortLivedThresholdDays: must be greater than renewalDeadlineDaysBefore \(30\)/,
      ),
    ],
    [
      'a fraction above 1',
      'schedule:\n  shortLivedRenewalFraction: 80\n',
      'schedule.shortLivedRenewalFraction: expected a fraction greater than 0 and less than 1, e.g. 0.8, got 80',
    ],
    [
      'a fraction that is not a number',
      'schedule:\n  shortLivedRenewalFraction: .nan\n',
      expect.stringMatching(/shortLivedRenewalFraction: expected a fraction .*, got NaN$/),
    ],
    [
      'a group without reminder days',
      'schedule:\n  groups:\n    web: {}\n',
      'schedule.groups.web.reminderDays: missing; expected a list of whole numbers of days',
    ],
    [
      'a group id with odd characters',
      'schedule:\n  groups:\n    "a.b": { reminderDays: [0] }\n',
      'schedule.groups["a.b"].reminderDays[0]: expected a whole number from 1 to 3650, got 0',
    ],
    [
      'a list where the policy belongs',
      '- rules\n- schedule\n',
      '(top level): expected a mapping of keys to values, got a list of 2',
    ],
    ['a bare word', 'strict\n', '(top level): expected a mapping of keys to values, got "strict"'],
    ['a section that is not a mapping', 'rules: 5\n', 'rules: expected a mapping of keys to values, got 5'],
    [
      'broken YAML',
      'rules:\n  keySize: [\n',
      expect.stringMatching(/^line \d+, column \d+: .* \(the file is not valid YAML or JSON\)$/),
    ],
    [
      'broken JSON',
      '{"rules": {"keySize": {"minRsaBits": 2048}}',
      expect.stringMatching(/^line 1, column \d+: .*not valid YAML or JSON/),
    ],
    [
      'a key given twice',
      'rules: {}\nrules: {}\n',
      expect.stringMatching(/^line 2, column 1: Map keys must be unique/),
    ],
  ])('%s is refused with the path and the fix', (_case, text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });

  it('lists every problem at once, with the file name, so all can be fixed in one pass', () => {
    const text =
      'rules:\n  keySize:\n    minRsaBits: 2k\n    minEcBits: 100\nschedule:\n  reminderDays: [0]\nextra: 1\n';
    const error = (() => {
      try {
        parsePolicy(text, '/etc/certflow/policy.yaml');
      } catch (caught) {
        return caught as PolicyFileError;
      }
      throw new Error('expected the policy to be refused');
    })();
    expect(error.name).toBe('PolicyFileError');
    expect(error.sourceName).toBe('/etc/certflow/policy.yaml');
    expect(error.problems).toHaveLength(4);
    expect(error.message).toMatch(
      /^\/etc\/certflow\/policy\.yaml: the certflow policy has 4 problems:\n {2}- rules\.keySize\.minRsaBits/,
    );
    expect(error.message).toMatch(/examples\/certflow-policy\.yaml shows every key with its default\.$/);
  });
});

describe('policyVersion', () => {
  it('R-POL-6: is a SHA-256 content hash, stable for the same content', () => {
    expect(policyVersion(DEFAULT_POLICY)).toMatch(/^[0-9a-f]{64}$/);
    expect(policyVersion(parsePolicy('', 'a.yaml'))).toBe(policyVersion(DEFAULT_POLICY));
  });

  it('R-POL-6: ignores key order and defaults that are spelled out', () => {
    const a = parsePolicy('schedule:\n  ticketDaysBefore: 45\n  escalationDaysBefore: 20\n', 'a.yaml');
    const b = parsePolicy(
      'schedule:\n  escalationDaysBefore: 20\n  reminderDays: [90, 60, 30]\n  ticketDaysBefore: 45\n',
      'b.yaml',
    );
    expect(policyVersion(a)).toBe(policyVersion(b));
  });

  it.each([
    ['a key size', 'rules:\n  keySize:\n    minRsaBits: 3072\n'],
    ['a severity', 'rules:\n  keySize:\n    severity: critical\n'],
    ['a switch', 'rules:\n  wildcardNames:\n    enabled: false\n'],
    ['an approved CA', 'rules:\n  approvedCas:\n    cas: [{ name: X, issuerDn: "CN=X" }]\n'],
    ['a reminder', 'schedule:\n  reminderDays: [90, 60, 30, 7]\n'],
    ['a group override', 'schedule:\n  groups:\n    web: { reminderDays: [30] }\n'],
  ])('R-POL-6: changes when %s changes', (_case, text) => {
    expect(policyVersion(parsePolicy(text, 'p.yaml'))).not.toBe(policyVersion(DEFAULT_POLICY));
  });
});
