import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_REPORT_CSV_COLUMNS,
  formatElapsed,
  MARKDOWN_LIST_LIMIT,
  renderCampaignReportCsv,
  renderCampaignReportMarkdown,
  summarizeCampaign,
  type CampaignReportInput,
} from '../../../../src/core/domain/campaigns/campaign-report';
import type {
  CampaignDefinition,
  CampaignMember,
  CampaignMemberState,
} from '../../../../src/core/domain/campaigns/model';
import { buildCampaignProgress, emptyStateCounts } from '../../../../src/core/domain/campaigns/progress';

const LAUNCHED = '2026-12-01T10:00:00.000Z';
const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.parse(LAUNCHED) + hours * HOUR).toISOString();

const CAMPAIGN: CampaignDefinition = {
  id: 'cmp-20261201-7f3a2c',
  title: 'Replace certificates of Old Issuing CA',
  kind: 'ca-compromise',
  reason: 'Old Issuing CA compromised',
  selector: { issuerDn: 'CN=Old Issuing CA' },
  deadline: '2026-12-03T10:00:00.000Z',
  launchedBy: { id: 'email:lead@example.com' },
  launchedAt: LAUNCHED,
  emergency: true,
  parallelism: 50,
  maxAttempts: 3,
  channelId: null,
};

let serial = 0;
function member(
  ownerGroup: string,
  state: CampaignMemberState,
  finishedAfterHours: number | null = null,
  extra: Partial<CampaignMember> = {},
): CampaignMember {
  serial += 1;
  const id = `m${String(serial).padStart(15, '0')}`;
  return {
    campaignId: CAMPAIGN.id,
    managedCertificateId: id,
    fingerprintSha256: `${id}${'0'.repeat(48)}`,
    ownerGroup,
    subject: `CN=${id}.example.com`,
    notAfter: '2027-03-01T00:00:00.000Z',
    state,
    attempts: state === 'pending' ? 0 : 1,
    detail: null,
    enrolledAt: LAUNCHED,
    updatedAt: finishedAfterHours === null ? at(1) : at(finishedAfterHours),
    finishedAt: finishedAfterHours === null ? null : at(finishedAfterHours),
    ...extra,
  };
}

function report(members: CampaignMember[], status: 'running' | 'completed' = 'running'): CampaignReportInput {
  const groups: Record<string, ReturnType<typeof emptyStateCounts>> = {};
  for (const one of members) (groups[one.ownerGroup] ??= emptyStateCounts())[one.state] += 1;
  const progress = buildCampaignProgress({
    campaign: CAMPAIGN,
    status,
    statusReason: null,
    groups,
    failedAttempts: 2,
    milestones: { p50: null, p90: null, p100: null },
    escalated: false,
    now: at(30),
  });
  return { progress, members };
}

describe('summarizeCampaign', () => {
  it('R-CAM-3: times 50 %, 90 % and 100 % exactly from the members’ finishedAt, sorted, rounding shares up', () => {
    // Ten members, finished out of order: the 5th finish (50 %) is at 5 h, the 9th (90 %) at 9 h, the 10th at 12 h.
    const hours = [9, 1, 12, 3, 2, 5, 4, 8, 7, 6];
    const summary = summarizeCampaign(report(hours.map((h) => member('payments', 'old-revoked', h))));
    expect(summary.timings).toEqual({
      p50: { at: at(5), afterLaunchMs: 5 * HOUR },
      p90: { at: at(9), afterLaunchMs: 9 * HOUR },
      p100: { at: at(12), afterLaunchMs: 12 * HOUR },
    });

    // Three members, two finished: 50 % of 3 needs 2 (reached), 90 % needs 3 (not reached).
    const partial = summarizeCampaign(
      report([member('a', 'skipped', 4), member('a', 'old-revoked', 2), member('a', 'issued')]),
    );
    expect(partial.timings).toEqual({ p50: { at: at(4), afterLaunchMs: 4 * HOUR }, p90: null, p100: null });
  });

  it('R-CAM-3: a campaign without members reaches no milestone', () => {
    expect(summarizeCampaign(report([])).timings).toEqual({ p50: null, p90: null, p100: null });
  });

  it('R-CAM-3: counts states overall and per group, lists failures with attempts and detail, and laggards by group', () => {
    const failed = member('payments', 'failed', null, { attempts: 3, detail: 'CA refused: key too short' });
    const members = [
      member('payments', 'old-revoked', 2),
      failed,
      member('payments', 'pending'),
      member('web', 'skipped', 1, { detail: 'retired' }),
      member('web', 'installed'),
      member('(no group)', 'awaiting-approval'),
      member('(no group)', 'verified'),
    ];
    const summary = summarizeCampaign(report(members));
    expect(summary.total).toBe(7);
    expect(summary.finished).toBe(2);
    expect(summary.counts).toMatchObject({ 'old-revoked': 1, skipped: 1, failed: 1, pending: 1, installed: 1 });
    expect(summary.groups.map((group) => [group.group, group.total, group.finished])).toEqual([
      ['(no group)', 2, 0],
      ['payments', 3, 1],
      ['web', 2, 1],
    ]);
    expect(summary.failures).toEqual([
      {
        managedCertificateId: failed.managedCertificateId,
        fingerprintSha256: failed.fingerprintSha256,
        ownerGroup: 'payments',
        subject: failed.subject,
        attempts: 3,
        detail: 'CA refused: key too short',
      },
    ]);
    // Most left first, ties by group id; a failed member is not finished.
    expect(summary.laggards.map((laggard) => [laggard.group, laggard.members.map((one) => one.state)])).toEqual([
      ['(no group)', ['awaiting-approval', 'verified']],
      ['payments', ['failed', 'pending']],
      ['web', ['installed']],
    ]);
    expect(summary.failedAttempts).toBe(2);
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0 s'],
    [12_400, '12 s'],
    [250_000, '4 min 10 s'],
    [2 * HOUR + 5 * 60_000, '2 h 5 min'],
    [76 * HOUR, '3 d 4 h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('renderCampaignReportMarkdown', () => {
  it('R-CAM-3: renders the summary, states, owner groups, failures and laggards, the same every time', () => {
    serial = 100;
    const data = report(
      [
        member('payments', 'old-revoked', 3),
        member('payments', 'failed', null, { attempts: 3, detail: 'deploy failed | host down\nretry later' }),
        member('web', 'old-revoked', 5),
        member('web', 'pending'),
      ],
      'running',
    );
    const markdown = renderCampaignReportMarkdown(data);
    expect(markdown).toBe(renderCampaignReportMarkdown(data));
    expect(markdown).toBe(
      [
        '# Campaign cmp-20261201-7f3a2c: Replace certificates of Old Issuing CA',
        '',
        '| Summary | Value |',
        '| --- | --- |',
        '| Status | running |',
        '| Kind | ca-compromise |',
        '| Reason | Old Issuing CA compromised |',
        '| Launched | 2026-12-01T10:00:00.000Z by email:lead@example.com |',
        '| Deadline | 2026-12-03T10:00:00.000Z |',
        '| Members | 4 |',
        '| Finished | 2 (50 %) |',
        '| Failed attempts | 2 |',
        '| 50 % finished after | 2026-12-01T15:00:00.000Z (5 h 0 min) |',
        '| 90 % finished after | not reached |',
        '| 100 % finished after | not reached |',
        '| As of | 2026-12-02T16:00:00.000Z |',
        '',
        '## Members by state',
        '',
        '| State | Members |',
        '| --- | ---: |',
        '| pending | 1 |',
        '| awaiting-approval | 0 |',
        '| approved | 0 |',
        '| issued | 0 |',
        '| installed | 0 |',
        '| verified | 0 |',
        '| old-revoked | 2 |',
        '| failed | 1 |',
        '| skipped | 0 |',
        '',
        '## Owner groups',
        '',
        '| Group | Total | Finished | pending | awaiting-approval | approved | issued | installed | verified | old-revoked | failed | skipped |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        '| payments | 2 | 1 (50 %) | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 1 | 0 |',
        '| web | 2 | 1 (50 %) | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 |',
        '',
        '## Failures (1)',
        '',
        '- `m000000000000102` CN=m000000000000102.example.com (payments), 3 attempts: deploy failed \\| host down retry later',
        '',
        '## Laggards (2 not finished)',
        '',
        '### payments: 1 left',
        '',
        '- `m000000000000102` CN=m000000000000102.example.com, failed: deploy failed \\| host down retry later',
        '',
        '### web: 1 left',
        '',
        '- `m000000000000104` CN=m000000000000104.example.com, pending',
        '',
      ].join('\n'),
    );
  });

  it('R-CAM-4: lists at most 50 failures and laggards per group, pointing at the CSV for the rest', () => {
    const members = Array.from({ length: MARKDOWN_LIST_LIMIT + 7 }, () =>
      member('payments', 'failed', null, { detail: 'CA down' }),
    );
    const markdown = renderCampaignReportMarkdown(report(members));
    expect(markdown).toContain(`## Failures (${MARKDOWN_LIST_LIMIT + 7})`);
    expect(markdown.match(/, 1 attempt: CA down$/gm)).toHaveLength(MARKDOWN_LIST_LIMIT);
    expect(markdown.match(/^- … and 7 more \(the CSV report lists every member\)$/gm)).toHaveLength(2);
  });

  it('R-CAM-3: says None. without failures or laggards, and shows a finished campaign’s milestones', () => {
    const markdown = renderCampaignReportMarkdown(report([member('web', 'old-revoked', 26)], 'completed'));
    expect(markdown).toContain('| 100 % finished after | 2026-12-02T12:00:00.000Z (1 d 2 h) |');
    expect(markdown).toContain('## Failures (0)\n\nNone.');
    expect(markdown).toMatch(/## Laggards \(0 not finished\)\n\nNone\.\n$/);
  });
});

describe('renderCampaignReportCsv', () => {
  it('R-CAM-3: one RFC 4180 row per member in enrolment order, CRLF line ends, quotes, commas and newlines quoted', () => {
    serial = 200;
    const members = [
      member('payments', 'failed', null, { attempts: 2, detail: 'CA said "no", try again\r\nlater' }),
      member('web', 'old-revoked', 4, { subject: 'CN=shop.example.com, O=Example' }),
    ];
    const csv = renderCampaignReportCsv(report(members));
    expect(csv).toBe(
      `${CAMPAIGN_REPORT_CSV_COLUMNS.join(',')}\r\n` +
        `cmp-20261201-7f3a2c,m000000000000201,m000000000000201${'0'.repeat(48)},payments,CN=m000000000000201.example.com,` +
        `2027-03-01T00:00:00.000Z,failed,2,"CA said ""no"", try again\r\nlater",2026-12-01T10:00:00.000Z,` +
        `2026-12-01T11:00:00.000Z,\r\n` +
        `cmp-20261201-7f3a2c,m000000000000202,m000000000000202${'0'.repeat(48)},web,"CN=shop.example.com, O=Example",` +
        `2027-03-01T00:00:00.000Z,old-revoked,1,,2026-12-01T10:00:00.000Z,2026-12-01T14:00:00.000Z,` +
        `2026-12-01T14:00:00.000Z\r\n`,
    );
    expect(CAMPAIGN_REPORT_CSV_COLUMNS).toEqual([
      'campaign_id',
      'managed_certificate_id',
      'fingerprint_sha256',
      'owner_group',
      'subject',
      'not_after',
      'state',
      'attempts',
      'detail',
      'enrolled_at',
      'updated_at',
      'finished_at',
    ]);
  });

  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['CN=fine, O=x', '"CN=fine, O=x"'],
  ])('guards against CSV formula injection: detail %j becomes %s', (detail, field) => {
    const csv = renderCampaignReportCsv(report([member('web', 'failed', null, { detail, attempts: 1 })]));
    const row = csv.split('\r\n')[1] ?? '';
    expect(row).toContain(`,failed,1,${field},`);
  });

  it('has only the header for a campaign without members', () => {
    expect(renderCampaignReportCsv(report([]))).toBe(`${CAMPAIGN_REPORT_CSV_COLUMNS.join(',')}\r\n`);
  });
});
