import { createCanaryActivities, type CanaryActivityDeps } from './canary';

/** Everything the activities of a certflow worker need from the outside world. */
export type ActivityDeps = CanaryActivityDeps;

/** All of certflow's activities, wired with their dependencies, for Worker.create. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCanaryActivities(deps),
  };
}

/** All of certflow's activities as workflows see them (type-only import in workflows/). */
export type CertflowActivities = ReturnType<typeof createActivities>;
