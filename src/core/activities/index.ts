import { createCampaignActivities, type CampaignActivityDeps } from './campaign';
import { createCanaryActivities, type CanaryActivityDeps } from './canary';
import { createDiscoveryActivities, type DiscoveryActivityDeps } from './discovery';
import { createLifecycleActivities, type LifecycleActivityDeps } from './lifecycle';
import { createMonthlyReportActivities, type MonthlyReportActivityDeps } from './monthly-report';
import { createRenewalInfoActivities, type RenewalInfoActivityDeps } from './renewal-info';

/** Everything the activities of a certflow worker need from the outside world. */
export interface ActivityDeps extends CanaryActivityDeps {
  readonly lifecycle: LifecycleActivityDeps;
  /** Campaign activities; absent in workers (and tests) that run no campaigns. */
  readonly campaign?: CampaignActivityDeps;
  /** Scheduled discovery's activities; absent in workers (and tests) that run no scans. */
  readonly discovery?: DiscoveryActivityDeps;
  /** The monthly report's activities; absent in workers (and tests) that send no reports. */
  readonly monthlyReport?: MonthlyReportActivityDeps;
  /** The daily renewal-information check's activity (R-REN-3); absent in workers (and tests) that run none. */
  readonly renewalInfo?: RenewalInfoActivityDeps;
}

/** All of certflow's activities, wired with their dependencies, for Worker.create. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCanaryActivities(deps),
    ...createLifecycleActivities(deps.lifecycle),
    ...(deps.campaign === undefined ? {} : createCampaignActivities(deps.campaign)),
    ...(deps.discovery === undefined ? {} : createDiscoveryActivities(deps.discovery)),
    ...(deps.monthlyReport === undefined ? {} : createMonthlyReportActivities(deps.monthlyReport)),
    ...(deps.renewalInfo === undefined ? {} : createRenewalInfoActivities(deps.renewalInfo)),
  };
}

/** All of certflow's activities as workflows see them (type-only import in workflows/). */
export type CertflowActivities = ReturnType<typeof createActivities>;
