/** The worker's workflowsPath: every workflow certflow runs, and nothing else (this file is bundled for the sandbox). */
export { certificateLifecycleWorkflow } from './certificate-lifecycle';
export { timerCanaryWorkflow } from './timer-canary';
export { campaignWorkflow } from './campaign';
export { discoveryScanWorkflow } from './discovery-scan';
export { monthlyReportWorkflow } from './monthly-report';
export { renewalInfoCheckWorkflow } from './renewal-info-check';
