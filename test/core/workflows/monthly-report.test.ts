import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonthlyReportActivities } from '../../../src/core/activities/monthly-report';
import type { NewAuditEntry } from '../../../src/core/domain/inventory/model';
import { DEFAULT_POLICY } from '../../../src/core/domain/policy/load-policy';
import type { ExpiringCertificate } from '../../../src/core/domain/reports/monthly-report';
import type { ExpiringCertificates } from '../../../src/core/ports/expiring-certificates';
import type { NotificationReceipt, ReportDelivery } from '../../../src/core/ports/notification-port';
import type { MonthlyReportInput, monthlyReportWorkflow } from '../../../src/core/workflows/monthly-report';
import { ownerGroupFixture } from '../../support/lifecycle-fixtures';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from '../../support/temporal';

const CALENDAR = { timeZone: 'Europe/Berlin', holidays: ['2026-06-01'] };
const PAYMENTS = ownerGroupFixture();

const expiring = (id: string, ownerGroup: string | null, notAfter: string): ExpiringCertificate => ({
  managedCertificateId: id,
  fingerprintSha256: id.padEnd(64, '0'),
  commonName: `${id}.example.com`,
  names: [`${id}.example.com`],
  ownerGroup,
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter,
  phase: 'monitoring',
  ticketKey: null,
});

const CERTIFICATES = [
  expiring('a', PAYMENTS.id, '2026-07-01T00:00:00.000Z'),
  expiring('b', PAYMENTS.id, '2026-08-01T00:00:00.000Z'),
  expiring('c', null, '2026-07-15T00:00:00.000Z'),
  expiring('late', PAYMENTS.id, '2027-06-01T00:00:00.000Z'),
];

/** The inventory's expiry view over a list, as the SQL one answers. */
const inventory: ExpiringCertificates = {
  listExpiring: (range) =>
    Promise.resolve(
      CERTIFICATES.filter(
        (certificate) =>
          certificate.notAfter >= range.from &&
          certificate.notAfter < range.to &&
          (range.ownerGroup === undefined || certificate.ownerGroup === range.ownerGroup),
      ),
    ),
  countExpiringByGroup: async (range) => {
    const counts = new Map<string | null, number>();
    for (const certificate of await inventory.listExpiring(range)) {
      counts.set(certificate.ownerGroup, (counts.get(certificate.ownerGroup) ?? 0) + 1);
    }
    return [...counts].map(([ownerGroup, count]) => ({ ownerGroup, count }));
  },
};

/** Delivers each key once, like the Slack adapter; its first answer is lost once, so the activity is retried. */
class LossyOnceNotifier {
  readonly posted: ReportDelivery[] = [];
  private readonly receipts = new Map<string, NotificationReceipt>();
  private lost = false;

  sendReport(report: ReportDelivery): Promise<NotificationReceipt> {
    const known = this.receipts.get(report.idempotencyKey);
    if (known !== undefined) return Promise.resolve(known);
    this.posted.push(report);
    const receipt = {
      idempotencyKey: report.idempotencyKey,
      messages: [{ channel: 'C', ts: '1.0', recipient: null }],
      digest: null,
    };
    this.receipts.set(report.idempotencyKey, receipt);
    if (!this.lost) {
      this.lost = true;
      return Promise.reject(new Error('socket hang up after Slack took the file'));
    }
    return Promise.resolve(receipt);
  }
}

describe('monthlyReportWorkflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  async function run(notifier: LossyOnceNotifier, audit: NewAuditEntry[], inputs: MonthlyReportInput[]) {
    const taskQueue = uniqueTaskQueue('monthly-report');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createMonthlyReportActivities({
        expiring: inventory,
        groups: {
          listOwnerGroups: () => Promise.resolve([PAYMENTS]),
          getOwnerGroup: (id) => Promise.resolve(id === PAYMENTS.id ? PAYMENTS : null),
          upsertOwnerGroup: () => Promise.reject(new Error('not here')),
        },
        audit: {
          appendAudit: (entries) => {
            audit.push(...entries);
            return Promise.resolve(entries.map((entry, seq) => ({ ...entry, seq })));
          },
          queryAudit: () => Promise.reject(new Error('not here')),
          eachAuditEntry: () => {
            throw new Error('not here');
          },
        },
        notifier,
        loadPolicy: () => Promise.resolve(DEFAULT_POLICY),
        security: { channelId: 'C0SECURITY', leads: ['email:lead@example.com'] },
        publicUrl: 'https://certflow.example.com',
      }),
    });
    return await worker.runUntil(async () => {
      const results = [];
      for (const input of inputs) {
        results.push(
          await env.client.workflow.execute<typeof monthlyReportWorkflow>('monthlyReportWorkflow', {
            taskQueue,
            workflowId: uniqueTaskQueue('monthly-report-run'),
            args: [input],
          }),
        );
      }
      return results;
    });
  }

  it('R-MON-5: on the first working day each owner group and the organisation get their report once, also when a delivery is retried and the day runs twice', async () => {
    const notifier = new LossyOnceNotifier();
    const audit: NewAuditEntry[] = [];
    // 2026-06-01 is a holiday (a Monday): the first working day is Tuesday the 2nd, 08:00 in Berlin.
    const day = { calendar: CALENDAR, at: '2026-06-02T06:00:00.000Z' };
    const [first, second] = await run(notifier, audit, [day, day]);

    expect(first?.skipped).toBeNull();
    expect(first?.failed).toEqual([]);
    expect(first?.sent).toEqual([
      { id: 'monthly-report/2026-06/group/payments-web', certificates: 2, messages: 1 },
      { id: 'monthly-report/2026-06/organisation', certificates: 3, messages: 1 },
    ]);
    expect(second?.sent).toEqual(first?.sent);
    expect(notifier.posted.map((report) => report.idempotencyKey)).toEqual([
      'monthly-report/2026-06/group/payments-web',
      'monthly-report/2026-06/organisation',
    ]);
    const [group, organisation] = notifier.posted;
    expect(group?.audience.channelId).toBe(PAYMENTS.slack.channelId ?? null);
    expect(group?.file.csv.split('\r\n').filter((line) => line !== '')).toHaveLength(3);
    expect(group?.link).toBe('https://certflow.example.com/reports/monthly/2026-06/groups/payments-web.csv');
    expect(organisation?.audience).toEqual({ people: [{ email: 'lead@example.com' }], channelId: 'C0SECURITY' });
    expect(new Set(audit.map((entry) => entry.idempotencyKey)).size).toBe(2);
  });

  it.each([
    ['the holiday before it', '2026-06-01T06:00:00.000Z', '2026-06-01'],
    ['a Saturday', '2026-08-01T06:00:00.000Z', '2026-08-01'],
    ['the second working day', '2026-06-03T06:00:00.000Z', '2026-06-03'],
  ])('R-MON-5: sends nothing on %s', async (_, at, date) => {
    const notifier = new LossyOnceNotifier();
    const [result] = await run(notifier, [], [{ calendar: CALENDAR, at }]);
    expect(result?.date).toBe(date);
    expect(result?.skipped).toMatch(/is not the first working day/);
    expect(notifier.posted).toEqual([]);
  });
});
