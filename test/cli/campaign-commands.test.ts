import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CampaignNotFoundError,
  CampaignRefusedError,
  type CampaignOperations,
  type StartCampaignInput,
} from '../../src/core/application/campaign-operations';
import type { LifecycleClient } from '../../src/core/application/lifecycle-client';
import { readDeadline, selectorText } from '../../src/cli/commands/campaign-command-line';
import type { LifecycleConnector } from '../../src/cli/lifecycle-connection';
import { EXIT, main } from '../../src/cli/main';
import { takeOperatorModeLine } from '../support/run-cli';
import { CAMPAIGN_REPORT_CSV_COLUMNS } from '../../src/core/domain/campaigns/campaign-report';
import type {
  CampaignDefinition,
  CampaignMember,
  CampaignPreview,
  CampaignProgress,
  CampaignSelector,
  CampaignStatus,
} from '../../src/core/domain/campaigns/model';
import { buildCampaignProgress, campaignRoleRefusal, emptyStateCounts } from '../../src/core/domain/campaigns/progress';
import { parseCampaignSelectorText } from '../../src/core/domain/campaigns/selector';
import type { Actor } from '../../src/core/domain/lifecycle/model';
import type { StoredCampaign } from '../../src/core/ports/campaign-store';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const LEAD = 'email:lead@example.com';
const OWNER = 'email:bob@example.com';
const ID = 'cmp-20261201-7f3a2c';
/** `issuer="CN=Old Issuing CA"` as the shell passes it: one argument, without the quotes. */
const SELECTOR_TEXT = ['issuer=CN=Old Issuing CA'];
/** The Slack command's text of the same selector. */
const SELECTOR = 'issuer="CN=Old Issuing CA"';
const BAD_SELECTOR_TEXT = 'frobnicate=1';

const DEFINITION: CampaignDefinition = {
  id: ID,
  title: 'Replace certificates of Old Issuing CA',
  kind: 'ca-compromise',
  reason: 'Old Issuing CA compromised',
  selector: { issuerDn: 'CN=Old Issuing CA' },
  deadline: '2026-12-03T10:00:00.000Z',
  launchedBy: { id: LEAD },
  launchedAt: NOW.toISOString(),
  emergency: true,
  parallelism: 50,
  maxAttempts: 3,
  channelId: null,
};

function progressOf(
  status: CampaignStatus,
  groups: Record<string, Partial<Record<keyof ReturnType<typeof emptyStateCounts>, number>>>,
  extra: { statusReason?: string; failedAttempts?: number } = {},
): CampaignProgress {
  return buildCampaignProgress({
    campaign: DEFINITION,
    status,
    statusReason: extra.statusReason ?? null,
    groups: Object.fromEntries(
      Object.entries(groups).map(([group, counts]) => [group, { ...emptyStateCounts(), ...counts }]),
    ),
    failedAttempts: extra.failedAttempts ?? 0,
    milestones: { p50: null, p90: null, p100: null },
    escalated: false,
    now: '2026-12-01T12:00:00.000Z',
  });
}

const RUNNING = progressOf('running', {
  payments: { 'old-revoked': 3, pending: 1 },
  web: { installed: 2, failed: 1, 'awaiting-approval': 1 },
});

const PREVIEW: CampaignPreview = {
  selector: DEFINITION.selector,
  total: 12,
  byOwnerGroup: [
    { key: 'payments', count: 7 },
    { key: 'web', count: 4 },
    { key: '(no group)', count: 1 },
  ],
  byIssuer: [{ key: 'CN=Old Issuing CA', count: 12 }],
  byExpiryBand: [
    { key: '<30d', count: 2 },
    { key: '30-90d', count: 10 },
  ],
  sample: [
    {
      managedCertificateId: 'a1b2c3d4e5f60718',
      subject: 'CN=shop.example.com',
      ownerGroup: 'payments',
      notAfter: '2027-01-15T00:00:00.000Z',
    },
  ],
};

const MEMBER: CampaignMember = {
  campaignId: ID,
  managedCertificateId: 'a1b2c3d4e5f60718',
  fingerprintSha256: 'ab'.repeat(32),
  ownerGroup: 'web',
  subject: 'CN=shop.example.com, O=Example',
  notAfter: '2027-01-15T00:00:00.000Z',
  state: 'failed',
  attempts: 3,
  detail: '=cmd|"/c calc"!A1',
  enrolledAt: NOW.toISOString(),
  updatedAt: '2026-12-01T11:00:00.000Z',
  finishedAt: null,
};

/** What the fake was asked, in order. */
interface Call {
  readonly operation: string;
  readonly args: unknown[];
}

/** A fake of the campaign client: security leads as configured, one known campaign, scripted progress. */
class FakeCampaigns implements CampaignOperations {
  readonly calls: Call[] = [];
  preview_: CampaignPreview = PREVIEW;
  /** Answers of progress(), one per call (an Error is thrown); the last repeats. */
  progressAnswers: (CampaignProgress | Error)[] = [RUNNING];
  stored: StoredCampaign[] = [{ definition: DEFINITION, status: 'running', updatedAt: NOW.toISOString() }];
  constructor(private readonly leads: readonly string[]) {}

  private role(actor: Actor, action: string): void {
    const refusal = campaignRoleRefusal(actor, { securityLeads: this.leads, admins: [] }, action);
    if (refusal !== null) throw new CampaignRefusedError('not-security-lead', refusal);
  }

  private known(campaignId: string): void {
    if (!this.stored.some((stored) => stored.definition.id === campaignId)) {
      throw new CampaignNotFoundError(campaignId);
    }
  }

  async preview(selector: CampaignSelector, actor: Actor): Promise<CampaignPreview> {
    this.calls.push({ operation: 'preview', args: [selector, actor] });
    this.role(actor, 'preview');
    return { ...this.preview_, selector };
  }

  async start(input: StartCampaignInput): Promise<CampaignDefinition> {
    this.calls.push({ operation: 'start', args: [input] });
    this.role(input.launchedBy, 'start');
    return {
      ...DEFINITION,
      kind: input.kind,
      reason: input.reason,
      title: input.title ?? DEFINITION.title,
      deadline: input.deadline ?? DEFINITION.deadline,
      emergency: input.emergency ?? true,
      parallelism: input.parallelism ?? 50,
      maxAttempts: input.maxAttempts ?? 3,
      channelId: input.channelId ?? null,
      selector: input.selector,
      launchedBy: input.launchedBy,
    };
  }

  async list(options?: { readonly limit?: number }): Promise<StoredCampaign[]> {
    this.calls.push({ operation: 'list', args: [options] });
    return this.stored;
  }

  async progress(campaignId: string): Promise<CampaignProgress> {
    this.calls.push({ operation: 'progress', args: [campaignId] });
    this.known(campaignId);
    const answer = this.progressAnswers.length > 1 ? this.progressAnswers.shift() : this.progressAnswers[0];
    if (answer instanceof Error) throw answer;
    return answer as CampaignProgress;
  }

  async pause(campaignId: string, actor: Actor, reason: string): Promise<CampaignProgress> {
    this.calls.push({ operation: 'pause', args: [campaignId, actor, reason] });
    this.known(campaignId);
    this.role(actor, 'pause');
    return progressOf('paused', { payments: { pending: 4 } }, { statusReason: `${reason} (${actor.id})` });
  }

  async resume(campaignId: string, actor: Actor): Promise<CampaignProgress> {
    this.calls.push({ operation: 'resume', args: [campaignId, actor] });
    this.known(campaignId);
    this.role(actor, 'resume');
    return RUNNING;
  }

  async cancel(campaignId: string, actor: Actor, reason: string): Promise<CampaignProgress> {
    this.calls.push({ operation: 'cancel', args: [campaignId, actor, reason] });
    this.known(campaignId);
    this.role(actor, 'cancel');
    return progressOf('cancelled', { payments: { skipped: 4 } }, { statusReason: reason });
  }

  async members(): Promise<CampaignMember[]> {
    return [MEMBER];
  }

  async report(campaignId: string) {
    this.calls.push({ operation: 'report', args: [campaignId] });
    this.known(campaignId);
    return { progress: progressOf('running', { web: { failed: 1 } }, { failedAttempts: 3 }), members: [MEMBER] };
  }

  inventoryChanged(by: string) {
    this.calls.push({ operation: 'inventoryChanged', args: [by] });
    return Promise.resolve({ told: [], unreachable: [] });
  }

  operations(): string[] {
    return this.calls.map((call) => call.operation);
  }
}

let dir: string;
let fake: FakeCampaigns;
let connections: number;
let closed: number;

const connector: LifecycleConnector = async () => {
  connections += 1;
  return {
    lifecycles: {} as LifecycleClient,
    campaigns: fake,
    close: async () => {
      closed += 1;
    },
  };
};

interface RunOptions {
  readonly actor?: string;
  /** Lines typed at the prompt; absent: stdin is not a terminal. */
  readonly typed?: string[];
  /** Answers of the watch ticker: true waits for the next poll, false is Ctrl-C. */
  readonly ticks?: boolean[];
  readonly progress?: string[];
}

async function run(argv: string[], options: RunOptions = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const waits: number[] = [];
  const typed = options.typed ? [...options.typed] : null;
  const ticks = [...(options.ticks ?? [])];
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {
      CERTFLOW_DATABASE_URL: `sqlite:${path.join(dir, 'inventory.sqlite')}`,
      CERTFLOW_ACTOR: options.actor ?? LEAD,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    },
    cwd: dir,
    now: () => NOW,
    connectLifecycles: connector,
    columns: 100,
    progress: options.progress ? (text) => options.progress?.push(text) : undefined,
    ask: typed
      ? async (question) => {
          asked.push(question);
          return typed.shift() ?? '';
        }
      : undefined,
    tick: async (ms) => {
      waits.push(ms);
      return ticks.shift() ?? false;
    },
  });
  // Every command line that reaches Temporal directly says so first; the tests read what follows.
  const operatorMode = takeOperatorModeLine(err);
  return { code, out: out.join('\n'), err: err.join('\n'), operatorMode, asked, waits };
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-campaign-cli-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake = new FakeCampaigns([LEAD]);
  connections = 0;
  closed = 0;
});

describe('certflow campaign preview', () => {
  it('R-CAM-1: shows how many certificates and owner groups the selector hits, by group, issuer and expiry', async () => {
    const result = await run(['campaign', 'preview', ...SELECTOR_TEXT]);
    expect(result.err).toBe('');
    expect(result.operatorMode).toBe(
      `certflow: acting directly on Temporal as ${LEAD} (operator mode): log in to act through the API (certflow login <url>)`,
    );
    expect(result.code).toBe(EXIT.ok);
    expect(fake.calls).toEqual([{ operation: 'preview', args: [parseCampaignSelectorText(SELECTOR), { id: LEAD }] }]);
    expect(result.out).toMatch(/^Campaign preview: /);
    expect(result.out).toContain('Selects 12 certificates of 2 owner groups (1 without a group); nothing has started.');
    expect(result.out).toMatch(
      /By owner group\n {2}OWNER GROUP +CERTIFICATES\n {2}─+ +─+\n {2}payments +7\n {2}web +4\n/,
    );
    expect(result.out).toMatch(/By issuer\n {2}ISSUER +CERTIFICATES\n[^\n]+\n {2}CN=Old Issuing CA +12\n/);
    expect(result.out).toMatch(/By expiry\n {2}EXPIRES IN +CERTIFICATES\n[^\n]+\n {2}<30d +2\n {2}30-90d +10\n/);
    expect(result.out).toMatch(
      /Examples \(1 of 12\)\n.*\n.*\n {2}a1b2c3d4e5f60718 +CN=shop\.example\.com +payments +2027-01-15/,
    );
    expect([connections, closed]).toEqual([1, 1]);
  });

  it('R-CAM-1: --json prints the preview', async () => {
    const result = await run(['campaign', 'preview', ...SELECTOR_TEXT, '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toMatchObject({ total: 12, byIssuer: [{ key: 'CN=Old Issuing CA', count: 12 }] });
  });

  it('R-CAM-1: reads the selector from --selector-file (JSON, validated)', async () => {
    const file = write('selector.json', JSON.stringify({ issuerDn: 'CN=Old Issuing CA', keySizeBelow: 2048 }));
    const result = await run(['campaign', 'preview', '--selector-file', file, '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(fake.calls[0]?.args[0]).toMatchObject({ issuerDn: 'CN=Old Issuing CA', keySizeBelow: 2048 });
  });

  it('R-CAM-1: says when the selector selects nothing', async () => {
    fake.preview_ = { ...PREVIEW, total: 0, byOwnerGroup: [], byIssuer: [], byExpiryBand: [], sample: [] };
    const result = await run(['campaign', 'preview', ...SELECTOR_TEXT]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain('Selects no certificate: nothing would start. Widen the selector.');
  });

  it('R-SEC-2, R-CAM-1: a non-security-lead is refused the preview, told who they are and where the role is set', async () => {
    const result = await run(['campaign', 'preview', ...SELECTOR_TEXT], { actor: OWNER });
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      `certflow: you (${OWNER}) are not a security lead: only security leads and admins preview campaigns; ` +
        "an admin adds you to CERTFLOW_SECURITY_LEADS of the certflow worker's configuration and restarts it " +
        "(this command's own environment does not decide roles)",
    );
    expect(closed).toBe(1);
  });
});

describe('certflow campaign start', () => {
  const start = ['campaign', 'start', ...SELECTOR_TEXT, '--reason', 'Old Issuing CA compromised'];

  it('R-CAM-1, R-CAM-2: --yes starts at once with every option and the previewed count as the confirmed one', async () => {
    const result = await run([
      ...start,
      '--yes',
      '--kind',
      'ca-compromise',
      '--title',
      'Old CA out',
      '--deadline',
      '36h',
      '--no-emergency',
      '--parallel',
      '20',
      '--max-attempts',
      '5',
      '--channel',
      'C0CERTSEC',
    ]);
    expect(result.err).toBe('');
    expect(result.code).toBe(EXIT.ok);
    expect(fake.operations()).toEqual(['preview', 'start']);
    expect(fake.calls[1]?.args[0]).toEqual({
      selector: parseCampaignSelectorText(SELECTOR),
      kind: 'ca-compromise',
      reason: 'Old Issuing CA compromised',
      title: 'Old CA out',
      deadline: '2026-12-02T22:00:00.000Z',
      emergency: false,
      parallelism: 20,
      maxAttempts: 5,
      channelId: 'C0CERTSEC',
      launchedBy: { id: LEAD },
      confirmedCount: 12,
    });
    expect(result.out).toContain('Selects 12 certificates');
    expect(result.out).toContain(`Started campaign ${ID}: Old CA out`);
    expect(result.out).toMatch(/deadline +2026-12-02T22:00:00\.000Z \(in 1 d 12 h\)/);
    expect(result.out).toMatch(/renewals +20 at once, 5 attempts each, approved by each owner group/);
    expect(result.out).toMatch(/Slack +C0CERTSEC/);
    expect(result.out).toContain(`Follow it with: certflow campaign status ${ID} --watch`);
  });

  it('R-REN-1, R-CAM-2: --issuer moves every member to that issuer: shown in the preview (text and --json), carried into the start; an unconfigured one is refused naming the configured ones', async () => {
    const preview = await run(['campaign', 'preview', ...SELECTOR_TEXT, '--issuer', 'internal']);
    expect(preview.code, preview.err).toBe(EXIT.ok);
    expect(preview.out).toContain(
      "Renewed through: internal for every selected certificate (the campaign's target issuer)",
    );
    const json = await run(['campaign', 'preview', ...SELECTOR_TEXT, '--issuer', 'internal', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ total: 12, issuer: 'internal' });
    const usual = await run(['campaign', 'preview', ...SELECTOR_TEXT, '--json']);
    expect(JSON.parse(usual.out)).toMatchObject({
      issuer: null,
      renewedThrough:
        "Renewed through: each certificate's usual issuer (its owner group's, the policy's, else the one that issued it)",
    });

    const started = await run([...start, '--yes', '--issuer', 'internal']);
    expect(started.code, started.err).toBe(EXIT.ok);
    expect(fake.calls.at(-1)?.args[0]).toMatchObject({ issuer: 'internal' });

    const before = fake.calls.length;
    const connectionsBefore = connections;
    const refused = await run([...start, '--yes', '--issuer', 'acme:pebble']);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.err).toBe(
      'certflow: --issuer names acme:pebble, which is not a configured issuer; configured: internal. Name one of ' +
        'these, or add the ACME issuer to CERTFLOW_ISSUERS_FILE',
    );
    const misspelt = await run(['campaign', 'preview', ...SELECTOR_TEXT, '--issuer', 'pebble']);
    expect(misspelt.err).toBe(
      'certflow: --issuer "pebble" is not an issuer name: give internal or acme:<name> as CERTFLOW_ISSUERS_FILE names it',
    );
    const unknown = await run(['campaign', 'preview', ...SELECTOR_TEXT, '--issuer', 'acme:nope']);
    expect(unknown.err).toMatch(/^certflow: --issuer names acme:nope, which is not a configured issuer/);
    expect(fake.calls.length).toBe(before);
    // Refused before Temporal is reached, so a server that is down cannot hide the bad input behind "cannot connect".
    expect(connections).toBe(connectionsBefore);
  });

  it('R-CAM-2: defaults: kind other, emergency on, the client’s deadline, parallelism and attempts', async () => {
    const result = await run([...start, '--yes', '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(fake.calls[1]?.args[0]).toEqual({
      selector: parseCampaignSelectorText(SELECTOR),
      kind: 'other',
      reason: 'Old Issuing CA compromised',
      emergency: true,
      launchedBy: { id: LEAD },
      confirmedCount: 12,
    });
    expect(JSON.parse(result.out)).toMatchObject({ campaign: { id: ID, kind: 'other' }, selected: 12 });
  });

  it('R-CAM-1: on a terminal, shows the preview and starts once the count is typed', async () => {
    const result = await run(start, { typed: ['12'] });
    expect(result.code).toBe(EXIT.ok);
    expect(result.asked).toEqual(['Type 12 to start replacing these certificates (anything else aborts): ']);
    expect(result.out).toContain('Selects 12 certificates');
    expect(result.out).toContain(`Started campaign ${ID}`);
    expect(fake.operations()).toEqual(['preview', 'start']);
  });

  it('R-CAM-1: on a terminal, a wrong or empty count starts nothing (exit 1)', async () => {
    const wrong = await run(start, { typed: ['11'] });
    expect(wrong.code).toBe(EXIT.failure);
    expect(wrong.out).toMatch(/Not started: "11" is not 12\.$/);
    const empty = await run(start, { typed: [''] });
    expect(empty.code).toBe(EXIT.failure);
    expect(empty.out).toMatch(/Not started: nothing was typed\.$/);
    expect(fake.operations()).toEqual(['preview', 'preview']);
  });

  it('R-CAM-1: without a terminal and without --yes, refuses naming the count (exit 2); so does --json', async () => {
    for (const argv of [start, [...start, '--json']]) {
      const result = await run(argv);
      expect(result.code).toBe(EXIT.usage);
      expect(result.err).toBe('certflow: add --yes to start without confirming (the preview selects 12 certificates)');
    }
    expect(fake.operations()).toEqual(['preview', 'preview']);
  });

  it('R-CAM-1: a selector that selects nothing starts nothing (exit 1)', async () => {
    fake.preview_ = { ...PREVIEW, total: 0, byOwnerGroup: [], byIssuer: [], byExpiryBand: [], sample: [] };
    const result = await run([...start, '--yes']);
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toContain('Selects no certificate');
    expect(fake.operations()).toEqual(['preview']);
  });

  it('R-SEC-2, R-CAM-1: a non-security-lead is refused the start before anything starts', async () => {
    const result = await run([...start, '--yes'], { actor: OWNER });
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toBe(
      `certflow: you (${OWNER}) are not a security lead: only security leads and admins start campaigns; ` +
        "an admin adds you to CERTFLOW_SECURITY_LEADS of the certflow worker's configuration and restarts it " +
        "(this command's own environment does not decide roles)",
    );
    expect(fake.operations()).toEqual(['preview']);
  });

  it('R-SEC-2: a refusal of the client other than the role keeps its own message', async () => {
    fake.start = async () => {
      throw new CampaignRefusedError('count-changed', 'you confirmed 12 certificates but the selector now selects 13');
    };
    const result = await run([...start, '--yes']);
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toBe('certflow: you confirmed 12 certificates but the selector now selects 13');
  });

  it.each([
    [['--reason', 'x', '--yes', '--bogus'], /Unknown option '--bogus'.*\(see `certflow help`\)/],
    [['--yes'], /^certflow: --reason <text> is required: say why the campaign runs, e\.g\. "CA X compromised"$/],
    [['--reason', '  ', '--yes'], /--reason <text> is required/],
    [['--reason', 'x', '--deadline', 'soon'], /--deadline "soon" is neither a duration \(2d, 48h\) nor an ISO 8601/],
    [['--reason', 'x', '--deadline', '2x'], /--deadline "2x" is neither a duration/],
    [['--reason', 'x', '--deadline', '2026-12-03 10:00'], /--deadline "2026-12-03 10:00" is neither/],
    [['--reason', 'x', '--deadline', '2026-11-30T00:00:00Z'], /--deadline "2026-11-30T00:00:00Z" is not in the future/],
    [
      ['--reason', 'x', '--deadline', '0s'],
      /--deadline "0s" is not in the future \(now is 2026-12-01T10:00:00\.000Z\)/,
    ],
    [['--reason', 'x', '--parallel', '0'], /--parallel "0" must be a whole number from 1 to 1000/],
    [['--reason', 'x', '--parallel', 'many'], /--parallel "many" must be a whole number from 1 to 1000/],
    [['--reason', 'x', '--parallel', '1001'], /--parallel "1001" must be a whole number from 1 to 1000/],
    [['--reason', 'x', '--max-attempts', '0'], /--max-attempts "0" must be a whole number from 1 to 10/],
    [['--reason', 'x', '--max-attempts', '2.5'], /--max-attempts "2\.5" must be a whole number/],
    [['--reason', 'x', '--kind', 'panic'], /--kind "panic" must be one of ca-compromise, algorithm-deprecation, /],
    [['--reason', 'x', '--channel', '#security'], /--channel "#security" is not a Slack channel id; copy the id/],
    [['--reason', 'x', '--parallel'], /Option '--parallel <value>' argument missing/],
  ])('refuses %j with what to type instead (exit 2) before asking anything', async (flags, message) => {
    const result = await run(['campaign', 'start', ...SELECTOR_TEXT, ...flags]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
    expect(connections).toBe(0);
  });
});

describe('certflow campaign selectors (bad input)', () => {
  it('refuses selector text the grammar does not take, with its message (exit 2)', async () => {
    const result = await run(['campaign', 'preview', BAD_SELECTOR_TEXT]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(new RegExp(`^certflow: selector "${BAD_SELECTOR_TEXT}": .+`));
    expect(connections).toBe(0);
  });

  it('refuses a missing selector, and text together with --selector-file', async () => {
    const none = await run(['campaign', 'preview']);
    expect(none.code).toBe(EXIT.usage);
    expect(none.err).toBe(
      'certflow: usage: certflow campaign preview <selector…> | --selector-file <file.json> [--issuer <name>] [--json]',
    );
    const both = await run(['campaign', 'preview', ...SELECTOR_TEXT, '--selector-file', 'x.json']);
    expect(both.code).toBe(EXIT.usage);
    expect(both.err).toBe('certflow: give the selector as text or with --selector-file, not both');
  });

  it('refuses an unreadable, non-JSON or invalid --selector-file naming the file', async () => {
    const missing = path.join(dir, 'missing.json');
    const unreadable = await run(['campaign', 'preview', '--selector-file', missing]);
    expect(unreadable.code).toBe(EXIT.usage);
    expect(unreadable.err).toMatch(new RegExp(`^certflow: --selector-file ${missing}: cannot read it \\(ENOENT`));

    const notJson = write('not-json.json', 'issuer: CN=Old');
    const parsed = await run(['campaign', 'preview', '--selector-file', notJson]);
    expect(parsed.code).toBe(EXIT.usage);
    expect(parsed.err).toMatch(new RegExp(`^certflow: --selector-file ${notJson} is not JSON: `));

    const invalid = write('invalid.json', JSON.stringify({ keySizeBelow: 'big', frobnicate: true }));
    const validated = await run(['campaign', 'start', '--selector-file', invalid, '--reason', 'x', '--yes']);
    expect(validated.code).toBe(EXIT.usage);
    expect(validated.err).toMatch(new RegExp(`^certflow: --selector-file ${invalid}: .+`));
    expect(fake.calls).toEqual([]);
  });
});

describe('certflow campaign status', () => {
  it('R-CAM-3: shows one campaign with a progress bar, counts by state, per-group table and laggards', async () => {
    const result = await run(['campaign', 'status', ID]);
    expect(result.err).toBe('');
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain(`Campaign ${ID}: Replace certificates of Old Issuing CA`);
    expect(result.out).toMatch(/status +running\n/);
    expect(result.out).toMatch(/deadline +2026-12-03T10:00:00\.000Z \(in 1 d 22 h\)/);
    expect(result.out).toMatch(/progress +█{11}░{19} {2}37% 3\/8 finished/);
    expect(result.out).toMatch(
      /states +pending 1, awaiting approval 1, approved 0, issued 0, installed 2, verified 0, revoked 3, failed 1, skipped 0/,
    );
    expect(result.out).toMatch(
      /Owner groups\n {2}GROUP +DONE +PENDING +AWAITING +IN WORK +REVOKED +FAILED +SKIPPED\n.*\n {2}payments +3\/4 +1 +0 +0 +3 +0 +0\n {2}web +0\/4 +0 +1 +2 +0 +1 +0/,
    );
    expect(result.out).toMatch(/Laggards \(least done first\)\n {2}web: 4 of 4 left\n {2}payments: 1 of 4 left/);
  });

  it('R-CAM-3: --json prints the progress', async () => {
    const result = await run(['campaign', 'status', ID, '--json']);
    expect(JSON.parse(result.out)).toMatchObject({ status: 'running', total: 8, done: 3, counts: { failed: 1 } });
  });

  it('R-CAM-3: without an id, lists the running and paused campaigns with their progress', async () => {
    const other: CampaignDefinition = { ...DEFINITION, id: 'cmp-20261130-000001', title: 'Old one' };
    fake.stored = [
      { definition: DEFINITION, status: 'running', updatedAt: NOW.toISOString() },
      { definition: other, status: 'completed', updatedAt: NOW.toISOString() },
    ];
    const result = await run(['campaign', 'status']);
    expect(result.code).toBe(EXIT.ok);
    expect(fake.operations()).toEqual(['list', 'progress']);
    expect(result.out).toMatch(/^ID +STATUS +TITLE +PROGRESS +FAILED +DEADLINE\n/);
    expect(result.out).toMatch(
      new RegExp(`${ID} +running +Replace certificates of Old Issuing CA +█+░+ +37% 3/8 +1 +2026-12-03 10:00`),
    );
    expect(result.out).not.toContain('Old one');

    const json = await run(['campaign', 'status', '--json']);
    expect((JSON.parse(json.out) as CampaignProgress[]).map((progress) => progress.campaign.id)).toEqual([ID]);

    fake.stored = [{ definition: other, status: 'completed', updatedAt: NOW.toISOString() }];
    const none = await run(['campaign', 'status']);
    expect(none.out).toBe('No campaign is running (certflow campaign list shows the finished ones).');
  });

  it('R-CAM-3: --watch redraws the progress bar on the terminal until the campaign completes (exit 0)', async () => {
    const done = progressOf('completed', { payments: { 'old-revoked': 4 }, web: { 'old-revoked': 3, skipped: 1 } });
    fake.progressAnswers = [RUNNING, RUNNING, done];
    const progress: string[] = [];
    const result = await run(['campaign', 'status', ID, '--watch'], { ticks: [true, true], progress });
    expect(result.code).toBe(EXIT.ok);
    expect(result.waits).toEqual([2000, 2000]);
    expect(progress).toHaveLength(4);
    expect(progress[0]).toMatch(new RegExp(`^\\r${ID} █+░+ +37% 3/8 finished, 2 in work, 1 failed, running +$`));
    expect(progress[2]).toMatch(/100% 8\/8 finished, 0 in work, completed/);
    expect(progress[3]).toBe('\n');
    expect(result.out).toMatch(/^Campaign .*\n {2}status +completed/);
  });

  it('R-CAM-3: --watch ends on Ctrl-C, saying the campaign goes on; without a terminal it prints changed lines', async () => {
    fake.progressAnswers = [RUNNING, RUNNING, progressOf('running', { payments: { 'old-revoked': 5 } })];
    const result = await run(['campaign', 'status', ID, '--watch'], { ticks: [true, true, false] });
    expect(result.code).toBe(EXIT.ok);
    expect(result.waits).toHaveLength(3);
    expect(result.out.split('\n')).toEqual([
      expect.stringMatching(/37% 3\/8 finished/),
      expect.stringMatching(/100% 5\/5 finished/),
      `Stopped watching; the campaign goes on (certflow campaign status ${ID}).`,
    ]);
  });

  it('R-CAM-3: --watch exits 1 when the campaign ends cancelled or with failed members; --json prints a line per poll', async () => {
    fake.progressAnswers = [progressOf('cancelled', { web: { skipped: 2 } }, { statusReason: 'wrong CA' })];
    const cancelled = await run(['campaign', 'status', ID, '--watch']);
    expect(cancelled.code).toBe(EXIT.failure);
    expect(cancelled.out).toMatch(/status +cancelled \(wrong CA\)/);

    fake.progressAnswers = [RUNNING, progressOf('completed', { web: { 'old-revoked': 1, failed: 1 } })];
    const json = await run(['campaign', 'status', ID, '--watch', '--json'], { ticks: [true] });
    expect(json.code).toBe(EXIT.failure);
    expect(json.out.split('\n').map((line) => (JSON.parse(line) as CampaignProgress).status)).toEqual([
      'running',
      'completed',
    ]);
  });

  it('R-CAM-3: --watch rides out failed reads of a campaign it has read (a busy server), and gives up after five in a row', async () => {
    const busy = new Error('Temporal did not answer the query in time');
    const done = progressOf('completed', { payments: { 'old-revoked': 4 } });
    fake.progressAnswers = [RUNNING, busy, busy, done];
    const rode = await run(['campaign', 'status', ID, '--watch'], { ticks: [true, true, true] });
    expect(rode.code).toBe(EXIT.ok);
    expect(rode.err.split('\n')).toEqual([
      'certflow: could not read the progress (Temporal did not answer the query in time); asking again',
      'certflow: could not read the progress (Temporal did not answer the query in time); asking again',
    ]);
    expect(rode.out).toMatch(/status +completed/);

    fake.progressAnswers = [RUNNING, busy, busy, busy, busy, busy, busy];
    const gaveUp = await run(['campaign', 'status', ID, '--watch'], { ticks: [true, true, true, true, true, true] });
    expect(gaveUp.code).toBe(EXIT.failure);
    expect(gaveUp.err).toContain('Temporal did not answer the query in time');
  });

  it('refuses --watch without an id, and more than one id', async () => {
    const noId = await run(['campaign', 'status', '--watch']);
    expect(noId.code).toBe(EXIT.usage);
    expect(noId.err).toBe('certflow: --watch follows one campaign: give its id');
    const two = await run(['campaign', 'status', ID, ID]);
    expect(two.err).toBe('certflow: usage: certflow campaign status [<campaign id>] [--watch] [--json]');
  });

  it('an unknown campaign id is refused with where to find the campaigns (exit 1)', async () => {
    const result = await run(['campaign', 'status', 'cmp-20261201-ffffff']);
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toBe('certflow: no campaign cmp-20261201-ffffff: `certflow campaign list` shows the campaigns');
  });
});

describe('certflow campaign pause, resume and cancel', () => {
  it('R-CAM-2: pause takes a reason and shows the progress; --json prints it', async () => {
    const result = await run(['campaign', 'pause', ID, '--reason', 'CA maintenance']);
    expect(result.code).toBe(EXIT.ok);
    expect(fake.calls).toEqual([{ operation: 'pause', args: [ID, { id: LEAD }, 'CA maintenance'] }]);
    expect(result.out).toBe(
      `Paused campaign ${ID}: no new renewal starts until certflow campaign resume ${ID}\n` +
        `  ${ID} ${'░'.repeat(30)}   0% 0/4 finished, 0 in work, paused`,
    );
    const json = await run(['campaign', 'pause', ID, '--reason', 'CA maintenance', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ status: 'paused', statusReason: `CA maintenance (${LEAD})` });
  });

  it('R-CAM-2: resume and cancel', async () => {
    const resumed = await run(['campaign', 'resume', ID]);
    expect(resumed.code).toBe(EXIT.ok);
    expect(resumed.out).toMatch(new RegExp(`^Resumed campaign ${ID}\n {2}${ID} .* running$`));
    const cancelled = await run(['campaign', 'cancel', ID, '--reason', 'wrong CA', '--json']);
    expect(JSON.parse(cancelled.out)).toMatchObject({ status: 'cancelled', statusReason: 'wrong CA' });
    const human = await run(['campaign', 'cancel', ID, '--reason', 'wrong CA']);
    expect(human.out).toMatch(new RegExp(`^Cancelled campaign ${ID}: members not replaced yet are skipped\n`));
    expect(fake.operations()).toEqual(['resume', 'cancel', 'cancel']);
  });

  it.each([
    [['pause', ID], /^certflow: --reason <text> is required: say why it waits$/],
    [['cancel', ID], /^certflow: --reason <text> is required: say why it stops$/],
    [['pause', '--reason', 'x'], /usage: certflow campaign pause <campaign id> --reason <text> \[--json\]/],
    [['resume'], /usage: certflow campaign resume <campaign id> \[--json\]/],
    [['resume', ID, '--reason', 'x'], /Unknown option '--reason'/],
  ])('refuses %j (exit 2)', async (argv, message) => {
    const result = await run(['campaign', ...argv]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
    expect(connections).toBe(0);
  });

  it('R-SEC-2: a non-security-lead is refused pause, resume and cancel', async () => {
    for (const [action, ...rest] of [['pause', '--reason', 'x'], ['resume'], ['cancel', '--reason', 'x']]) {
      const result = await run(['campaign', action ?? '', ID, ...rest], { actor: OWNER });
      expect(result.code).toBe(EXIT.failure);
      expect(result.err).toContain(`you (${OWNER}) are not a security lead: only security leads and admins ${action}`);
    }
  });

  it('an unknown campaign id is refused (exit 1)', async () => {
    const result = await run(['campaign', 'cancel', 'cmp-nope', '--reason', 'x']);
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toBe('certflow: no campaign cmp-nope: `certflow campaign list` shows the campaigns');
  });
});

describe('certflow campaign report', () => {
  it('R-CAM-3: prints the Markdown report by default', async () => {
    const result = await run(['campaign', 'report', ID]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(new RegExp(`^# Campaign ${ID}: Replace certificates of Old Issuing CA\n`));
    expect(result.out).toContain('## Failures (1)');
  });

  it('R-CAM-3: --format csv writes one guarded row per member to --output, which must not exist', async () => {
    const file = path.join(dir, 'report.csv');
    const result = await run(['campaign', 'report', ID, '--format', 'csv', '--output', file]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toBe(`wrote the csv report of 1 member to ${file}`);
    const csv = fs.readFileSync(file, 'utf8');
    expect(csv.startsWith(`${CAMPAIGN_REPORT_CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(csv).toContain(`,failed,3,"'=cmd|""/c calc""!A1",`);

    const again = await run(['campaign', 'report', ID, '--format', 'csv', '--output', file]);
    expect(again.code).toBe(EXIT.usage);
    expect(again.err).toMatch(new RegExp(`^certflow: --output ${file}: EEXIST.*\\(the file must not exist yet\\)$`));
  });

  it('R-CAM-3: --json prints the summary', async () => {
    const result = await run(['campaign', 'report', ID, '--json']);
    expect(JSON.parse(result.out)).toMatchObject({
      total: 1,
      failures: [{ attempts: 3 }],
      laggards: [{ group: 'web' }],
    });
  });

  it.each([
    [['report', ID, '--format', 'pdf'], /--format "pdf" must be markdown or csv \(or --json for the summary\)/],
    [['report', ID, '--format', 'csv', '--json'], /--json and --format exclude each other/],
    [['report'], /usage: certflow campaign report <campaign id>/],
  ])('refuses %j (exit 2)', async (argv, message) => {
    const result = await run(['campaign', ...argv]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
  });

  it('an unknown campaign id is refused (exit 1)', async () => {
    const result = await run(['campaign', 'report', 'cmp-nope']);
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toMatch(/no campaign cmp-nope/);
  });
});

describe('certflow campaign list', () => {
  it('R-CAM-3: lists the campaigns, newest first, as a table or JSON', async () => {
    const result = await run(['campaign', 'list']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(/^ID +STATUS +KIND +TITLE +LAUNCHED +BY +DEADLINE\n/);
    expect(result.out).toMatch(
      new RegExp(`${ID} +running +ca-compromise +Replace certificates of Old Issuing CA +2026-12-01 10:00 +${LEAD}`),
    );
    const json = await run(['campaign', 'list', '--json', '--limit', '5']);
    expect(fake.calls.at(-1)).toEqual({ operation: 'list', args: [{ limit: 5 }] });
    expect(JSON.parse(json.out)).toEqual(fake.stored);
    fake.stored = [];
    const none = await run(['campaign', 'list']);
    expect(none.out).toBe('No campaign yet: preview one with certflow campaign preview <selector>.');
  });

  it('refuses a bad --limit, positionals and unknown actions (exit 2)', async () => {
    expect((await run(['campaign', 'list', '--limit', '0'])).err).toMatch(/--limit "0" must be a whole number/);
    expect((await run(['campaign', 'list', 'extra'])).code).toBe(EXIT.usage);
    const unknown = await run(['campaign', 'launch']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.err).toBe(
      'certflow: unknown campaign action "launch"; use certflow campaign preview | start | status | pause | resume | cancel | report | list',
    );
    expect((await run(['campaign'])).err).toMatch(/^certflow: certflow campaign needs an action; use /);
  });
});

describe('readDeadline', () => {
  it.each([
    ['2d', '2026-12-03T10:00:00.000Z'],
    ['48h', '2026-12-03T10:00:00.000Z'],
    ['90 min', '2026-12-01T11:30:00.000Z'],
    ['2026-12-03T12:00:00Z', '2026-12-03T12:00:00.000Z'],
    ['2026-12-03T12:00:00+02:00', '2026-12-03T10:00:00.000Z'],
    ['2026-12-04', '2026-12-04T00:00:00.000Z'],
  ])('R-CAM-2: reads %s as %s', (raw, deadline) => {
    expect(readDeadline(raw, NOW)).toBe(deadline);
  });
});

describe('selectorText', () => {
  it.each([
    [['issuer=CN=Old Issuing CA'], 'issuer="CN=Old Issuing CA"'],
    [['issuer="CN=Old Issuing CA"', 'group=payments'], 'issuer="CN=Old Issuing CA" group=payments'],
    [['group=payments', 'tag=pci'], 'group=payments tag=pci'],
  ])('R-CAM-1: gives the shell’s arguments %j back their quotes: %s', (args, text) => {
    expect(selectorText(args)).toBe(text);
  });
});
