import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../../src/core/domain/policy/load-policy';
import type { LifecycleRequest } from '../../../../src/core/domain/lifecycle/model';
import {
  certificateNames,
  chooseRenewalKeySpec,
  nextApprovalFollowUp,
  renewalValidityDays,
} from '../../../../src/core/domain/lifecycle/renewal-plan';

const RULE = { minRsaBits: 2048, minEcBits: 224 };

describe('R-REN-1: the key of a renewed certificate', () => {
  it.each<[string, Parameters<typeof chooseRenewalKeySpec>[1], ReturnType<typeof chooseRenewalKeySpec>]>([
    ['RSA 2048 stays RSA 2048', { keyAlgorithm: 'RSA', keySize: 2048, curve: null }, { algorithm: 'RSA', bits: 2048 }],
    [
      'weak RSA 1024 grows to 2048',
      { keyAlgorithm: 'RSA', keySize: 1024, curve: null },
      { algorithm: 'RSA', bits: 2048 },
    ],
    [
      'RSA 2500 rounds up to 3072',
      { keyAlgorithm: 'RSA', keySize: 2500, curve: null },
      { algorithm: 'RSA', bits: 3072 },
    ],
    ['P-384 stays P-384', { keyAlgorithm: 'EC', keySize: 384, curve: 'P-384' }, { algorithm: 'EC', curve: 'P-384' }],
    ['P-224 becomes P-256', { keyAlgorithm: 'EC', keySize: 224, curve: 'P-224' }, { algorithm: 'EC', curve: 'P-256' }],
    [
      'Ed25519 becomes P-256',
      { keyAlgorithm: 'Ed25519', keySize: 256, curve: null },
      { algorithm: 'EC', curve: 'P-256' },
    ],
  ])('same: %s', (_name, current, expected) => {
    expect(chooseRenewalKeySpec('same', current, RULE)).toEqual(expected);
  });

  it('a policy minimum above the current size wins, and an explicit key type ignores the old key', () => {
    expect(
      chooseRenewalKeySpec('same', { keyAlgorithm: 'RSA', keySize: 2048, curve: null }, { ...RULE, minRsaBits: 3072 }),
    ).toEqual({ algorithm: 'RSA', bits: 3072 });
    expect(chooseRenewalKeySpec('RSA-4096', { keyAlgorithm: 'EC', keySize: 256, curve: 'P-256' }, RULE)).toEqual({
      algorithm: 'RSA',
      bits: 4096,
    });
    expect(chooseRenewalKeySpec('EC-P384', { keyAlgorithm: 'RSA', keySize: 2048, curve: null }, RULE)).toEqual({
      algorithm: 'EC',
      curve: 'P-384',
    });
  });
});

describe('renewal lifetime', () => {
  it.each([
    ['keeps a 90-day lifetime', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z', null, 90],
    ['keeps a short-lived 20-day lifetime (R-MON-4)', '2026-01-01T00:00:00Z', '2026-01-21T00:00:00Z', null, 20],
    [
      'caps a 5-year lifetime at the validity rule (R-POL-2)',
      '2026-01-01T00:00:00Z',
      '2031-01-01T00:00:00Z',
      null,
      398,
    ],
    ['uses the policy’s validityDays', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z', 30, 30],
  ])('%s', (_name, notBefore, notAfter, validityDays, expected) => {
    const policy = { ...DEFAULT_POLICY, renewal: { ...DEFAULT_POLICY.renewal, validityDays } };
    expect(renewalValidityDays(policy, { notBefore, notAfter })).toBe(expected);
  });
});

describe('R-RA-3: follow-up of an unanswered approval', () => {
  const request: Pick<LifecycleRequest, 'status' | 'requestedAt' | 'approvalReminders' | 'approvalEscalated'> = {
    status: 'awaiting-approval',
    requestedAt: '2026-11-01T00:00:00.000Z',
    approvalReminders: 0,
    approvalEscalated: false,
  };

  it.each<[string, typeof request, string, ReturnType<typeof nextApprovalFollowUp>]>([
    ['waits 3 days', request, '2026-11-03T23:59:59.000Z', { action: null, at: '2026-11-04T00:00:00.000Z' }],
    [
      're-sends after 3 days',
      request,
      '2026-11-04T00:00:00.000Z',
      { action: 'remind', at: '2026-11-04T00:00:00.000Z' },
    ],
    [
      'then waits 3 more days',
      { ...request, approvalReminders: 1 },
      '2026-11-05T00:00:00.000Z',
      { action: null, at: '2026-11-07T00:00:00.000Z' },
    ],
    [
      'then escalates',
      { ...request, approvalReminders: 1 },
      '2026-11-07T00:00:00.000Z',
      { action: 'escalate', at: '2026-11-07T00:00:00.000Z' },
    ],
    [
      'then nothing more',
      { ...request, approvalReminders: 1, approvalEscalated: true },
      '2026-12-01T00:00:00.000Z',
      { action: null, at: null },
    ],
    [
      'nothing for a decided request',
      { ...request, status: 'approved' },
      '2026-12-01T00:00:00.000Z',
      { action: null, at: null },
    ],
  ])('%s', (_name, input, now, expected) => {
    expect(nextApprovalFollowUp(input, 3, now)).toEqual(expected);
  });
});

describe('certificate names', () => {
  it('lists the SANs and adds a CN that no SAN repeats', () => {
    expect(
      certificateNames({ commonName: 'API.example.com', dnsNames: ['api.example.com'], ipAddresses: ['10.0.0.1'] }),
    ).toEqual(['api.example.com', '10.0.0.1']);
    expect(certificateNames({ commonName: 'legacy', dnsNames: [], ipAddresses: [] })).toEqual(['legacy']);
  });
});
