import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventoryDatabase } from '../../../src/adapters/database/database';
import type { InventoryDatabase } from '../../../src/adapters/database/kysely-inventory-store';
import { createMetricsEndpoint, renderMetrics } from '../../../src/adapters/metrics/metrics-endpoint';
import { expiryBucketOf, readMetricsSnapshot } from '../../../src/adapters/metrics/metrics-snapshot';
import { startHttpServer, type RunningHttpServer } from '../../../src/adapters/shared/http';
import { DAY_MS } from '../../../src/core/domain/duration';
import type { InventoryStore } from '../../../src/core/ports/inventory-store';
import { makeFacts } from '../../support/certificate-facts-builder';

const NOW_MS = Date.parse('2026-11-23T00:00:00.000Z');
const NOW = new Date(NOW_MS).toISOString();
const HOUR_MS = 3_600_000;
const repoRoot = path.resolve(__dirname, '../../..');

/** Prometheus' text format as `name{label="value",…}` (labels sorted) → value; `# TYPE` lines give the names. */
function parseExposition(text: string): { samples: Map<string, number>; names: Set<string> } {
  const samples = new Map<string, number>();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) names.add(type[1]!);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, name, value]) => `${name}="${value}"`)
      .sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return { samples, names };
}

let dir: string;
let store: InventoryStore;
let db: Kysely<InventoryDatabase>;

async function addCertificate(input: {
  cn: string;
  notAfterMs: number;
  ownerGroup: string | null;
  notBefore?: string;
  violations?: string[];
}): Promise<string> {
  const fingerprint = Buffer.from(input.cn.padEnd(32, '.')).toString('hex').slice(0, 64);
  const facts = makeFacts({
    fingerprintSha256: fingerprint,
    subject: `CN=${input.cn}`,
    notBefore: input.notBefore ?? '2026-01-01T00:00:00.000Z',
    notAfter: new Date(input.notAfterMs).toISOString(),
  });
  await store.upsertCertificates(
    [{ facts, der: new TextEncoder().encode(input.cn), metadata: { ownerGroup: input.ownerGroup } }],
    NOW,
  );
  await store.savePolicyResults([
    {
      fingerprintSha256: fingerprint,
      policyVersion: 'test',
      compliant: (input.violations ?? []).length === 0,
      violations: (input.violations ?? []).map((ruleId) => ({
        ruleId,
        rule: ruleId,
        severity: 'high' as const,
        message: 'test',
        remedy: 'test',
      })),
      evaluatedAt: NOW,
    },
  ]);
  await store.assignManagedCertificates([fingerprint], NOW);
  return fingerprint;
}

async function managedIdOf(fingerprint: string): Promise<string> {
  const row = await db
    .selectFrom('managed_certificate_versions')
    .select('managed_id')
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirstOrThrow();
  return row.managed_id;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-metrics-'));
  ({ store, db } = await openInventoryDatabase({ url: path.join(dir, 'inventory.db') }));
  await addCertificate({ cn: 'expired.example.com', notAfterMs: NOW_MS - DAY_MS, ownerGroup: 'payments' });
  await addCertificate({ cn: 'at-now.example.com', notAfterMs: NOW_MS, ownerGroup: null });
  const awaiting = await addCertificate({
    cn: 'soon.example.com',
    notAfterMs: NOW_MS + 5 * DAY_MS,
    ownerGroup: 'payments',
    violations: ['R-POL-4'],
  });
  await addCertificate({ cn: 'edge7.example.com', notAfterMs: NOW_MS + 7 * DAY_MS, ownerGroup: 'payments' });
  const issuing = await addCertificate({
    cn: 'unowned.example.com',
    notAfterMs: NOW_MS + 10 * DAY_MS,
    ownerGroup: null,
    violations: ['R-POL-4', 'R-POL-2'],
  });
  await addCertificate({ cn: 'later-unowned.example.com', notAfterMs: NOW_MS + 100 * DAY_MS, ownerGroup: null });
  const revoked = await addCertificate({
    cn: 'revoked.example.com',
    notAfterMs: NOW_MS + 3 * DAY_MS,
    ownerGroup: null,
    violations: ['R-POL-4'],
  });
  await store.recordRevocation(revoked, { at: NOW, reason: 'keyCompromise' });
  // A renewed certificate: its old version still in the inventory is out of service, the new one counts.
  await addCertificate({
    cn: 'renewed.example.com',
    notAfterMs: NOW_MS + 6 * DAY_MS,
    ownerGroup: 'web',
    violations: ['R-POL-2'],
  });
  const renewedFacts = makeFacts({
    fingerprintSha256: 'ff'.repeat(32),
    subject: 'CN=renewed.example.com',
    notBefore: '2026-11-20T00:00:00.000Z',
    notAfter: new Date(NOW_MS + 300 * DAY_MS).toISOString(),
  });
  await store.upsertCertificates(
    [{ facts: renewedFacts, der: new Uint8Array([1, 2, 3]), metadata: { ownerGroup: 'web' } }],
    NOW,
  );
  await store.assignManagedCertificates([renewedFacts.fingerprintSha256], NOW);

  await store.updateManagedLifecycle(
    await managedIdOf(awaiting),
    { phase: 'awaiting-approval', detail: null },
    new Date(NOW_MS - 2 * HOUR_MS).toISOString(),
  );
  await store.updateManagedLifecycle(
    await managedIdOf(issuing),
    { phase: 'issuing', detail: null },
    new Date(NOW_MS - HOUR_MS / 2).toISOString(),
  );

  const campaign = (id: string, status: string) =>
    sql`insert into campaigns (id, definition, status, created_at, updated_at) values (${id}, ${JSON.stringify({
      id,
      deadline: '2026-11-30T00:00:00.000Z',
      launchedAt: '2026-11-16T00:00:00.000Z',
    })}, ${status}, ${NOW_MS}, ${NOW_MS})`.execute(db);
  await campaign('cmp-running', 'running');
  await campaign('cmp-done', 'completed');
  const states = [
    ['cmp-running', 'old-revoked'],
    ['cmp-running', 'old-revoked'],
    ['cmp-running', 'skipped'],
    ['cmp-running', 'pending'],
    ['cmp-running', 'failed'],
    ['cmp-done', 'old-revoked'],
  ];
  for (const [index, [id, state]] of states.entries()) {
    await sql`insert into campaign_members (campaign_id, fingerprint, managed_certificate_id, ordinal, owner_group,
      subject, not_after, state, attempts, final, enrolled_at, updated_at)
      values (${id}, ${`fp-${index}`}, ${`m-${index}`}, ${index}, 'web', 'CN=x', ${NOW_MS}, ${state}, 0, 0,
      ${NOW_MS}, ${NOW_MS})`.execute(db);
  }

  const audit = (action: string, key: string) => ({
    at: NOW,
    actor: 'workflow:test',
    action,
    subject: 'ab'.repeat(32),
    where: 'test',
    details: {},
    idempotencyKey: key,
  });
  await store.appendAudit([audit('ticket.refused', 'a'), audit('ticket.refused', 'b'), audit('ticket.opened', 'c')]);
  const delivery = (key: string, receipt: string | null, updatedAtMs: number) =>
    sql`insert into slack_deliveries (idempotency_key, certificate, digest_id, receipt, created_at, updated_at)
      values (${key}, '{}', null, ${receipt}, ${updatedAtMs}, ${updatedAtMs})`.execute(db);
  await delivery('stuck', null, NOW_MS - HOUR_MS);
  await delivery('still-sending', null, NOW_MS - 60_000);
  await delivery('delivered', '{}', NOW_MS - HOUR_MS);
});

afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('R-REP-1 metrics: expiry buckets', () => {
  it.each([
    { notAfter: NOW_MS - 1, bucket: 'expired' },
    { notAfter: NOW_MS, bucket: 'expired' },
    { notAfter: NOW_MS + 1, bucket: '7d' },
    { notAfter: NOW_MS + 7 * DAY_MS, bucket: '7d' },
    { notAfter: NOW_MS + 7 * DAY_MS + 1, bucket: '14d' },
    { notAfter: NOW_MS + 30 * DAY_MS, bucket: '30d' },
    { notAfter: NOW_MS + 45 * DAY_MS, bucket: '60d' },
    { notAfter: NOW_MS + 90 * DAY_MS, bucket: '90d' },
    { notAfter: NOW_MS + 120 * DAY_MS, bucket: '120d' },
    { notAfter: NOW_MS + 120 * DAY_MS + 1, bucket: 'later' },
  ])('R-REP-1 a certificate expiring at now$notAfter is in bucket $bucket', ({ notAfter, bucket }) => {
    expect(expiryBucketOf(notAfter, NOW_MS)).toBe(bucket);
  });
});

describe('R-REP-1 GET /metrics on a seeded inventory', () => {
  let server: RunningHttpServer;
  let clockMs = NOW_MS;
  let text: string;
  let samples: Map<string, number>;

  beforeAll(async () => {
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      handlers: [createMetricsEndpoint({ db, ttlMs: 10_000, now: () => clockMs })],
    });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await response.text();
    ({ samples } = parseExposition(text));
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    // In service: revoked.example.com and the replaced version of renewed.example.com are left out.
    ['certflow_certificates{expiry="expired"}', 2],
    ['certflow_certificates{expiry="7d"}', 2],
    ['certflow_certificates{expiry="14d"}', 1],
    ['certflow_certificates{expiry="30d"}', 0],
    ['certflow_certificates{expiry="120d"}', 1],
    ['certflow_certificates{expiry="later"}', 1],
    ['certflow_unowned_certificates{expiry="expired"}', 1],
    ['certflow_unowned_certificates{expiry="7d"}', 0],
    ['certflow_unowned_certificates{expiry="14d"}', 1],
    ['certflow_unowned_certificates{expiry="120d"}', 1],
    ['certflow_owner_group_certificates{expiry="expired",owner_group="payments"}', 1],
    ['certflow_owner_group_certificates{expiry="7d",owner_group="payments"}', 2],
    ['certflow_owner_group_certificates{expiry="later",owner_group="web"}', 1],
    ['certflow_policy_rule_violations{rule="R-POL-4"}', 2],
    ['certflow_policy_rule_violations{rule="R-POL-2"}', 1],
    ['certflow_lifecycles{phase="monitoring"}', 6],
    ['certflow_lifecycles{phase="awaiting-approval"}', 1],
    ['certflow_lifecycles{phase="issuing"}', 1],
    ['certflow_open_requests{phase="awaiting-approval"}', 1],
    ['certflow_open_requests{phase="issuing"}', 1],
    ['certflow_open_requests{phase="verifying"}', 0],
    ['certflow_open_request_oldest_age_seconds{phase="awaiting-approval"}', 7200],
    ['certflow_open_request_oldest_age_seconds{phase="issuing"}', 1800],
    ['certflow_campaign_members{campaign="cmp-running",state="old-revoked"}', 2],
    ['certflow_campaign_members{campaign="cmp-running",state="pending"}', 1],
    ['certflow_campaign_members_done{campaign="cmp-running"}', 3],
    ['certflow_campaign_members_total{campaign="cmp-running"}', 5],
    ['certflow_campaign_deadline_timestamp_seconds{campaign="cmp-running"}', 1_795_996_800],
    ['certflow_campaign_started_timestamp_seconds{campaign="cmp-running"}', 1_794_787_200],
    ['certflow_ticket_failures_total{}', 2],
    ['certflow_notifications_unfinished{}', 1],
  ])('R-REP-1 %s is %d', (sample, value) => {
    expect(samples.get(sample)).toBe(value);
  });

  it('R-REP-1 leaves out campaigns that have ended and owner groups with nothing in a bucket', () => {
    expect(text).not.toContain('cmp-done');
    expect(samples.has('certflow_owner_group_certificates{expiry="30d",owner_group="payments"}')).toBe(false);
  });

  it('R-REP-1 concurrent scrapes share one read, and a read older than the TTL is taken again', async () => {
    clockMs = NOW_MS + 60_000;
    const texts = await Promise.all(
      Array.from({ length: 5 }, async () => await (await fetch(`${server.url}/metrics`)).text()),
    );
    const taken = texts.map((body) => parseExposition(body).samples.get('certflow_metrics_taken_timestamp_seconds{}'));
    expect(new Set(taken)).toEqual(new Set([(NOW_MS + 60_000) / 1000]));
    await store.appendAudit([
      {
        at: NOW,
        actor: 'workflow:test',
        action: 'ticket.refused',
        subject: 'x',
        where: 'test',
        details: {},
        idempotencyKey: 'later',
      },
    ]);
    clockMs += 5_000;
    const cached = parseExposition(await (await fetch(`${server.url}/metrics`)).text()).samples;
    expect(cached.get('certflow_ticket_failures_total{}')).toBe(2);
    clockMs += 10_000;
    const fresh = parseExposition(await (await fetch(`${server.url}/metrics`)).text()).samples;
    expect(fresh.get('certflow_ticket_failures_total{}')).toBe(3);
  });

  it('R-REP-1 answers GET and HEAD only, and declines paths below /metrics', async () => {
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}/metrics/extra`)).status).toBe(404);
  });
});

describe('R-REP-1 the Grafana dashboard and the Prometheus alert rules use only metrics /metrics exposes', () => {
  let exposed: Set<string>;
  beforeAll(async () => {
    exposed = parseExposition((await renderMetrics(await readMetricsSnapshot(db, NOW_MS), 0)).text).names;
  });
  /** Every certflow_… identifier in a PromQL expression (a counter's `_total` is its own family name here). */
  const metricsIn = (expression: string) => [...expression.matchAll(/\bcertflow_[a-z0-9_]+/g)].map(([name]) => name);

  it('R-REP-1 alert rules: valid groups, each rule with an expression naming exposed metrics only', () => {
    const file = parseYaml(fs.readFileSync(path.join(repoRoot, 'deploy/prometheus/certflow-alerts.yml'), 'utf8')) as {
      groups: { name: string; rules: { alert: string; expr: string; labels: object; annotations: object }[] }[];
    };
    const rules = file.groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['CertflowUnownedCertificateExpiring', 'CertflowCampaignBehindDeadline']),
    );
    for (const rule of rules) {
      expect(metricsIn(rule.expr).length, rule.alert).toBeGreaterThan(0);
      for (const name of metricsIn(rule.expr)) expect(exposed, `${rule.alert}: ${name}`).toContain(name);
      expect(rule.annotations).toHaveProperty('summary');
    }
  });

  // promtool comes with Debian's prometheus package, which npm test does not install: checked where it is present.
  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it.skipIf(!promtool)(
    "R-REP-1 promtool check rules accepts the alert rules (skipped without Debian's prometheus)",
    () => {
      const output = execFileSync(
        'promtool',
        ['check', 'rules', path.join(repoRoot, 'deploy/prometheus/certflow-alerts.yml')],
        {
          encoding: 'utf8',
        },
      );
      expect(output).toMatch(/SUCCESS: \d+ rules found/);
    },
  );

  it('R-REP-1 dashboard: Grafana JSON whose every panel target names exposed metrics only', () => {
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(repoRoot, 'deploy/grafana/certflow-dashboard.json'), 'utf8'),
    ) as {
      title: string;
      uid: string;
      schemaVersion: number;
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBe('certflow');
    expect(dashboard.schemaVersion).toBeGreaterThan(30);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        for (const name of metricsIn(target.expr)) {
          expect(exposed, `${panel.title}: ${name}`).toContain(name);
          used.add(name);
        }
      }
    }
    expect(used.size).toBeGreaterThanOrEqual(10);
  });
});
