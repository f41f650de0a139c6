/**
 * Builders for the lifecycle values unit tests share: one certificate of the Payments Web group, its renewal request
 * and its owner group. Each builder takes overrides, so a test states only what it is about.
 */
import type { OwnerGroup } from '../../src/core/domain/inventory/model';
import type { CertificateSummary, LifecycleRequest } from '../../src/core/domain/lifecycle/model';

/** The fixed `now` the fixtures are dated against: the certificate expires 30 days later. */
export const FIXTURE_NOW = '2025-06-01T12:00:00.000Z';

/** The managed certificate id of the default fixture certificate. */
export const FIXTURE_CERTIFICATE_ID = 'a1b2c3d4e5f60718';

/** A 16-hex-digit managed certificate id numbered `index`, for tests that need many distinct certificates. */
export function fixtureCertificateId(index: number): string {
  return index.toString(16).padStart(16, '0');
}

/** An EC P-256 certificate for shop.example.com of group payments-web, expiring 30 days after FIXTURE_NOW. */
export function summaryFixture(overrides: Partial<CertificateSummary> = {}): CertificateSummary {
  return {
    managedCertificateId: FIXTURE_CERTIFICATE_ID,
    id: FIXTURE_CERTIFICATE_ID,
    fingerprintSha256: FIXTURE_CERTIFICATE_ID.padEnd(64, '0'),
    serialNumber: '01',
    subject: 'CN=shop.example.com',
    commonName: 'shop.example.com',
    dnsNames: ['shop.example.com', 'www.shop.example.com'],
    ipAddresses: [],
    issuer: 'CN=Example Issuing CA',
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2025-07-01T12:00:00.000Z',
    keyAlgorithm: 'EC',
    keySize: 256,
    curve: 'P-256',
    locations: [{ kind: 'endpoint', host: 'shop.example.com', port: 443 }],
    ownerGroup: 'payments-web',
    application: 'Shop',
    ...overrides,
  };
}

/** An owner's renewal request for the default certificate, waiting for approval. */
export function requestFixture(overrides: Partial<LifecycleRequest> = {}): LifecycleRequest {
  return {
    id: `${FIXTURE_CERTIFICATE_ID}.1.1`,
    kind: 'renewal',
    source: 'owner',
    requestedBy: { id: 'slack:U0OWNER1', displayName: 'Olive Owner' },
    requestedAt: '2025-05-30T09:00:00.000Z',
    reason: 'expires soon',
    status: 'awaiting-approval',
    campaignId: null,
    revocationReason: null,
    replace: true,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    approvalReminders: 0,
    approvalEscalated: false,
    failure: null,
    ...overrides,
  };
}

/** The payments-web group: one Slack contact, one Slack approver, a channel, no Jira project, manual renewal. */
export function ownerGroupFixture(overrides: Partial<OwnerGroup> = {}): OwnerGroup {
  return {
    id: 'payments-web',
    name: 'Payments Web',
    contacts: [{ slackUserId: 'U0OWNER1' }],
    approvers: [{ slackUserId: 'U0APPROVER' }],
    managementContact: null,
    incidentResponseContact: null,
    slack: { channelId: 'C0PAYMENTS' },
    jira: {},
    reminderDays: null,
    autoRenew: false,
    ...overrides,
  };
}
