/**
 * What the dashboard's pages show, gathered through the inventory's and the campaigns' ports (the same the CLI's
 * list and the API read), never SQL of its own: counts come from the stores' indexed counts, lists are short pages.
 */
import type { InventoryCertificate } from '../../core/domain/inventory/model';
import {
  FINISHED_MEMBER_STATES,
  campaignEnded,
  type CampaignDefinition,
  type CampaignMemberState,
} from '../../core/domain/campaigns/model';
import type { CampaignStore, StoredCampaign } from '../../core/ports/campaign-store';
import type { DiscoveryStore, StoredFinding } from '../../core/ports/discovery-store';
import type { ExpiringCertificate } from '../../core/domain/reports/monthly-report';
import type { ExpiringCertificates } from '../../core/ports/expiring-certificates';
import type { CertificateFilter, InventoryStore } from '../../core/ports/inventory-store';
import { burndownSeries, expiryWeekRanges, type BurndownSeries, type ExpiryWeek } from './dashboard-charts';

/** How many certificates a list on the overview shows; the count says how many there are in all. */
export const OVERVIEW_LIST_SIZE = 10;

/** A short list of certificates and how many match in all. */
export interface CertificateList {
  readonly total: number;
  readonly items: readonly InventoryCertificate[];
}

/** One owner group's compliance: certificates in service and how many violate the policy. */
export interface GroupCompliance {
  /** Null: certificates with no owner group. */
  readonly group: string | null;
  readonly total: number;
  readonly violating: number;
}

/** A campaign that has not ended and how far it is. */
export interface CampaignSummary {
  readonly campaign: StoredCampaign;
  readonly total: number;
  readonly done: number;
}

/** Everything the overview page shows. */
export interface DashboardOverview {
  readonly now: string;
  readonly expiryWeeks: readonly ExpiryWeek[];
  /** The managed certificates expiring soonest within the histogram's horizon, at most {@link OVERVIEW_LIST_SIZE}. */
  readonly soonest: readonly ExpiringCertificate[];
  readonly weak: CertificateList;
  readonly unapprovedCa: CertificateList;
  readonly unowned: CertificateList;
  readonly compliance: readonly GroupCompliance[];
  /** Open discovery findings; null when discovery is not part of this certflow. */
  readonly findings: { readonly total: number; readonly items: readonly StoredFinding[] } | null;
  readonly campaigns: readonly CampaignSummary[];
}

/** The ports the dashboard reads. */
export interface DashboardReaders {
  readonly store: InventoryStore;
  readonly expiring: ExpiringCertificates;
  readonly campaigns: CampaignStore;
  readonly findings: Pick<DiscoveryStore, 'listFindings'> | null;
}

/** Certificates still in service: recorded revocations are history, not exposure. */
const IN_SERVICE: CertificateFilter = { revoked: false };

async function certificateList(store: InventoryStore, filter: CertificateFilter): Promise<CertificateList> {
  const page = await store.searchCertificates(
    { ...IN_SERVICE, ...filter },
    { limit: OVERVIEW_LIST_SIZE, sort: 'notAfter' },
  );
  return { total: page.total, items: page.items };
}

async function campaignProgress(store: CampaignStore, campaign: StoredCampaign): Promise<CampaignSummary> {
  const counts = await store.countMembers(campaign.definition.id);
  const total = counts.reduce((sum, entry) => sum + entry.count, 0);
  const done = counts
    .filter((entry) => FINISHED_MEMBER_STATES.includes(entry.state))
    .reduce((sum, entry) => sum + entry.count, 0);
  return { campaign, total, done };
}

/** Reads the overview at `now`. */
export async function readDashboardOverview(readers: DashboardReaders, now: Date): Promise<DashboardOverview> {
  const { store } = readers;
  const expiryWeeks: ExpiryWeek[] = [];
  for (const range of expiryWeekRanges(now)) {
    const byGroup = await readers.expiring.countExpiringByGroup(range);
    expiryWeeks.push({ ...range, count: byGroup.reduce((sum, entry) => sum + entry.count, 0) });
  }
  const soonest: ExpiringCertificate[] = [];
  // Week by week, only where the counts say there is something, until the list is full.
  for (const week of expiryWeeks) {
    if (soonest.length >= OVERVIEW_LIST_SIZE) break;
    if (week.count > 0) soonest.push(...(await readers.expiring.listExpiring(week)));
  }
  const [all, violating] = await Promise.all([
    store.groupCertificates('ownerGroup', IN_SERVICE),
    store.groupCertificates('ownerGroup', { ...IN_SERVICE, hasViolations: true }),
  ]);
  const compliance = all
    .map((entry) => ({
      group: entry.key,
      total: entry.count,
      violating: violating.find((other) => other.key === entry.key)?.count ?? 0,
    }))
    .sort((a, b) => (a.group ?? '\uffff').localeCompare(b.group ?? '\uffff'));
  const findings =
    readers.findings === null
      ? null
      : await readers.findings.listFindings({ status: 'open' }, { limit: OVERVIEW_LIST_SIZE });
  const stored = await readers.campaigns.listCampaigns({ limit: 50 });
  const campaigns: CampaignSummary[] = [];
  for (const campaign of stored.filter((entry) => !campaignEnded(entry.status))) {
    campaigns.push(await campaignProgress(readers.campaigns, campaign));
  }
  return {
    now: now.toISOString(),
    expiryWeeks,
    soonest: soonest.slice(0, OVERVIEW_LIST_SIZE),
    weak: await certificateList(store, { weak: true }),
    unapprovedCa: await certificateList(store, { violatesRule: 'R-POL-1' }),
    unowned: await certificateList(store, { unowned: true, role: 'end-entity' }),
    compliance,
    findings: findings === null ? null : { total: findings.total, items: findings.items },
    campaigns,
  };
}

/** One campaign's page: its definition, status, members by state and burndown. */
export interface CampaignPageData {
  readonly campaign: StoredCampaign;
  readonly states: Readonly<Partial<Record<CampaignMemberState, number>>>;
  readonly burndown: BurndownSeries;
}

/** Reads a campaign's page; null when there is no such campaign. */
export async function readCampaignPage(
  store: CampaignStore,
  campaignId: string,
  now: Date,
): Promise<CampaignPageData | null> {
  const campaign = await store.getCampaign(campaignId);
  if (campaign === null) return null;
  const states: Partial<Record<CampaignMemberState, number>> = {};
  let total = 0;
  for (const entry of await store.countMembers(campaignId)) {
    states[entry.state] = (states[entry.state] ?? 0) + entry.count;
    total += entry.count;
  }
  const finishedAt: string[] = [];
  for await (const batch of store.eachMember(campaignId, 500)) {
    for (const member of batch) {
      if (FINISHED_MEMBER_STATES.includes(member.state)) finishedAt.push(member.finishedAt ?? member.updatedAt);
    }
  }
  const definition: CampaignDefinition = campaign.definition;
  return {
    campaign,
    states,
    burndown: burndownSeries({
      launchedAt: definition.launchedAt,
      deadline: definition.deadline,
      now,
      total,
      finishedAt,
    }),
  };
}
