/**
 * `GET /metrics` on certflow's HTTP server (R-REP-1): the inventory's state in Prometheus' text format, rendered with
 * prom-client from one database snapshot. A rendered answer is kept for a short TTL and a scrape arriving while one is
 * being read waits for that one, so concurrent scrapes (two Prometheus replicas, a dashboard) never stack queries.
 */
import type { Kysely } from 'kysely';
import { Counter, Gauge, Registry } from 'prom-client';
import type { InventoryDatabase } from '../database/kysely-inventory-store';
import { requestUrl, sendText, type HttpMount } from '../shared/http';
import {
  EXPIRY_BUCKETS,
  OPEN_REQUEST_PHASES,
  readMetricsSnapshot,
  type ExpiryBucket,
  type MetricsSnapshot,
} from './metrics-snapshot';

/** Where the endpoint is mounted. */
export const METRICS_PATH = '/metrics';

/** How long a rendered answer is served again: Prometheus scrapes every 15 s or more, so 10 s never hides a change. */
export const DEFAULT_METRICS_TTL_MS = 10_000;

/** Options of {@link createMetricsEndpoint}. */
export interface MetricsEndpointOptions {
  readonly db: Kysely<InventoryDatabase>;
  readonly ttlMs?: number;
  /** The clock (epoch ms); tests pass a fixed one. */
  readonly now?: () => number;
}

/** A rendered exposition and when it stops being served. */
interface Rendered {
  readonly text: string;
  readonly contentType: string;
  readonly expiresAtMs: number;
}

/** Renders a snapshot as Prometheus' text exposition format. */
export async function renderMetrics(
  snapshot: MetricsSnapshot,
  readSeconds: number,
): Promise<{ text: string; contentType: string }> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });

  const byExpiry = gauge('certflow_certificates', 'Certificates in service by days to expiry.', ['expiry']);
  const unowned = gauge(
    'certflow_unowned_certificates',
    'Certificates in service with no owner group, by days to expiry.',
    ['expiry'],
  );
  const byGroup = gauge(
    'certflow_owner_group_certificates',
    'Certificates in service of each owner group, by days to expiry.',
    ['owner_group', 'expiry'],
  );
  const totals = new Map<ExpiryBucket, number>(EXPIRY_BUCKETS.map((bucket) => [bucket, 0]));
  const unownedTotals = new Map<ExpiryBucket, number>(EXPIRY_BUCKETS.map((bucket) => [bucket, 0]));
  for (const entry of snapshot.certificates) {
    totals.set(entry.expiry, (totals.get(entry.expiry) ?? 0) + entry.count);
    if (entry.ownerGroup === null)
      unownedTotals.set(entry.expiry, (unownedTotals.get(entry.expiry) ?? 0) + entry.count);
    else byGroup.set({ owner_group: entry.ownerGroup, expiry: entry.expiry }, entry.count);
  }
  for (const [expiry, n] of totals) byExpiry.set({ expiry }, n);
  for (const [expiry, n] of unownedTotals) unowned.set({ expiry }, n);

  const violations = gauge('certflow_policy_rule_violations', 'Certificates in service violating each policy rule.', [
    'rule',
  ]);
  for (const [rule, n] of Object.entries(snapshot.ruleViolations)) violations.set({ rule }, n);

  const lifecycles = gauge('certflow_lifecycles', 'Managed certificates not retired, by lifecycle phase.', ['phase']);
  for (const [phase, n] of Object.entries(snapshot.lifecyclePhases)) lifecycles.set({ phase }, n);
  const openRequests = gauge(
    'certflow_open_requests',
    'Renewal and revocation requests asked and not yet done, by lifecycle phase.',
    ['phase'],
  );
  const oldest = gauge(
    'certflow_open_request_oldest_age_seconds',
    'Seconds since the longest-waiting open request entered its phase.',
    ['phase'],
  );
  for (const phase of OPEN_REQUEST_PHASES) openRequests.set({ phase }, 0);
  for (const open of snapshot.openRequests) {
    openRequests.set({ phase: open.phase }, open.count);
    oldest.set({ phase: open.phase }, Math.max(0, (snapshot.takenAtMs - open.oldestSinceMs) / 1000));
  }

  const members = gauge('certflow_campaign_members', 'Members of each campaign that has not ended, by state.', [
    'campaign',
    'state',
  ]);
  const done = gauge(
    'certflow_campaign_members_done',
    'Members of each campaign replaced and revoked or needing nothing.',
    ['campaign'],
  );
  const total = gauge('certflow_campaign_members_total', 'Members of each campaign that has not ended.', ['campaign']);
  const started = gauge(
    'certflow_campaign_started_timestamp_seconds',
    'When each campaign was launched (Unix seconds).',
    ['campaign'],
  );
  const deadline = gauge(
    'certflow_campaign_deadline_timestamp_seconds',
    'Deadline of each campaign that has not ended (Unix seconds).',
    ['campaign'],
  );
  for (const campaign of snapshot.campaigns) {
    const labels = { campaign: campaign.id };
    for (const [state, n] of Object.entries(campaign.members)) members.set({ ...labels, state }, n);
    done.set(labels, campaign.done);
    total.set(labels, campaign.total);
    started.set(labels, campaign.startedAtMs / 1000);
    deadline.set(labels, campaign.deadlineMs / 1000);
  }

  new Counter({
    name: 'certflow_ticket_failures_total',
    help: 'Change-ticket steps the ticketing system refused for good (audit log ticket.refused).',
    registers: [registry],
  }).inc(snapshot.ticketFailures);
  gauge(
    'certflow_notifications_unfinished',
    'Slack notifications that reached part of their audience and stopped over 15 minutes ago.',
  ).set(snapshot.unfinishedNotifications);
  gauge('certflow_metrics_read_seconds', 'Seconds the database reads of this answer took.').set(readSeconds);
  gauge('certflow_metrics_taken_timestamp_seconds', 'When this answer was read (Unix seconds).').set(
    snapshot.takenAtMs / 1000,
  );
  return { text: await registry.metrics(), contentType: registry.contentType };
}

/** Mounts `GET /metrics`: the snapshot read at most once per TTL, one read at a time. */
export function createMetricsEndpoint(options: MetricsEndpointOptions): HttpMount {
  const ttlMs = options.ttlMs ?? DEFAULT_METRICS_TTL_MS;
  const now = options.now ?? Date.now;
  let cached: Rendered | undefined;
  let reading: Promise<Rendered> | undefined;

  async function read(): Promise<Rendered> {
    const started = performance.now();
    const snapshot = await readMetricsSnapshot(options.db, now());
    const rendered = await renderMetrics(snapshot, (performance.now() - started) / 1000);
    return { ...rendered, expiresAtMs: now() + ttlMs };
  }

  function current(): Promise<Rendered> {
    if (cached !== undefined && cached.expiresAtMs > now()) return Promise.resolve(cached);
    reading ??= read()
      .then((rendered) => (cached = rendered))
      .finally(() => (reading = undefined));
    return reading;
  }

  return {
    prefix: METRICS_PATH,
    handler: async (request, response) => {
      if (requestUrl(request).pathname !== METRICS_PATH) return false;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        sendText(response, 405, 'GET /metrics only', { Allow: 'GET, HEAD' });
        return true;
      }
      const rendered = await current();
      response.writeHead(200, {
        'Content-Type': rendered.contentType,
        'Content-Length': Buffer.byteLength(rendered.text),
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : rendered.text);
      return true;
    },
  };
}
