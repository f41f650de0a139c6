import { describe, expect, it } from 'vitest';
import { auditSlackRefusal } from '../../../../src/adapters/slack/listeners/refusal-audit';
import type { NewAuditEntry } from '../../../../src/core/domain/inventory/model';

const REFUSAL = {
  userId: 'U0MALLORY',
  action: 'approve',
  subject: '3f2a9c1e0b7d4a65.1.1',
  code: 'not-approver',
  reason: 'only approvers of group payments can approve or reject this request; mallory is not one',
};

describe('auditSlackRefusal', () => {
  it('R-LOG-1: appends who was refused what, where and why', async () => {
    const appended: NewAuditEntry[] = [];
    await auditSlackRefusal(
      {
        store: { appendAudit: (entries) => (appended.push(...entries), Promise.resolve([])) },
        log: () => undefined,
        now: () => new Date('2026-12-01T10:00:00Z'),
      },
      REFUSAL,
    );
    expect(appended).toEqual([
      {
        at: '2026-12-01T10:00:00.000Z',
        actor: 'slack:U0MALLORY',
        action: 'slack.refused',
        subject: '3f2a9c1e0b7d4a65.1.1',
        where: 'slack',
        details: { action: 'approve', code: 'not-approver', reason: REFUSAL.reason },
      },
    ]);
  });

  it('R-SEC-2: a failing audit log is logged and does not throw, so the refusal is still shown', async () => {
    const logged: string[] = [];
    await expect(
      auditSlackRefusal(
        {
          store: { appendAudit: () => Promise.reject(new Error('database is locked')) },
          log: (line) => logged.push(line),
        },
        REFUSAL,
      ),
    ).resolves.toBeUndefined();
    expect(logged).toEqual([
      'the refusal of approve on 3f2a9c1e0b7d4a65.1.1 for slack:U0MALLORY (not-approver) was not audited: database is locked',
    ]);
  });
});
