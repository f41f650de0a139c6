/** The worker's workflowsPath: every workflow certflow runs, and nothing else (this file is bundled for the sandbox). */
export { timerCanaryWorkflow } from './timer-canary';
