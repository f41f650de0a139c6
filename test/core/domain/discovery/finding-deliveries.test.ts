import { describe, expect, it } from 'vitest';
import type { EndpointFinding } from '../../../../src/core/domain/discovery/endpoint-findings';
import { planFindingDeliveries, type FindingOwnership } from '../../../../src/core/domain/discovery/finding-deliveries';

const finding = (fingerprint: string, kind: EndpointFinding['kind'], port = 443): EndpointFinding => ({
  kind,
  severity: kind === 'expired-served' ? 'incident' : 'high',
  location: { host: '127.0.0.2', port },
  fingerprint,
  message: `${kind} message`,
});
const OWNERS: FindingOwnership[] = [
  { fingerprint: 'aa', ownerGroup: 'payments', managedCertificateId: 'm-aa' },
  { fingerprint: 'bb', ownerGroup: 'payments', managedCertificateId: null },
  { fingerprint: 'cc', ownerGroup: 'web', managedCertificateId: 'm-cc' },
  { fingerprint: 'dd', ownerGroup: null, managedCertificateId: null },
];

describe('planFindingDeliveries', () => {
  it.each([
    {
      what: 'R-MON-6: one digest per owner group per scan, keyed by run and group; nobody-owned findings go to none',
      opened: [finding('aa', 'chain-incomplete'), finding('bb', 'name-mismatch'), finding('dd', 'weak-protocol')],
      resolved: [finding('cc', 'weak-protocol')],
      digests: [
        ['run-1/digest/payments', 'payments', ['chain-incomplete', 'name-mismatch'], [], 0],
        ['run-1/digest/web', 'web', [], ['weak-protocol'], 0],
      ],
      certificates: [['run-1/certificate/m-aa', 'm-aa', ['chain-incomplete'], null]],
    },
    {
      what: 'R-MON-3: an expired certificate still served is the incident of its managed certificate',
      opened: [finding('cc', 'expired-served'), finding('cc', 'chain-untrusted')],
      resolved: [],
      digests: [['run-1/digest/web', 'web', ['expired-served', 'chain-untrusted'], [], 0]],
      certificates: [['run-1/certificate/m-cc', 'm-cc', ['expired-served', 'chain-untrusted'], 'expired-served']],
    },
    {
      what: 'R-MON-6: a digest lists at most its cap, opened first, and counts the rest',
      opened: [finding('aa', 'chain-incomplete', 1), finding('aa', 'weak-protocol', 2)],
      resolved: [finding('bb', 'name-mismatch', 3)],
      digests: [['run-1/digest/payments', 'payments', ['chain-incomplete', 'weak-protocol'], [], 1]],
      certificates: [['run-1/certificate/m-aa', 'm-aa', ['chain-incomplete', 'weak-protocol'], null]],
    },
    {
      what: 'R-MON-6: a scan that opened and resolved nothing delivers nothing',
      opened: [],
      resolved: [],
      digests: [],
      certificates: [],
    },
  ])('$what', ({ opened, resolved, digests, certificates }) => {
    const plan = planFindingDeliveries({ scanRunId: 'run-1', opened, resolved, owners: OWNERS, listedAtMost: 2 });
    expect(
      plan.digests.map((digest) => [
        digest.idempotencyKey,
        digest.ownerGroup,
        digest.opened.map((item) => item.kind),
        digest.resolved.map((item) => item.kind),
        digest.notListed,
      ]),
    ).toEqual(digests);
    expect(
      plan.certificates.map((delivery) => [
        delivery.idempotencyKey,
        delivery.managedCertificateId,
        delivery.opened.map((item) => item.kind),
        delivery.incident?.kind ?? null,
      ]),
    ).toEqual(certificates);
  });
});
