/**
 * Inputs, results and messages (signals, queries, updates) of certflow's workflows: the one module that workflows,
 * the worker, the Slack bot and the CLI share, so a message's name and type are declared once.
 */
import { defineQuery } from '@temporalio/workflow';

/** Input of {@link timerCanaryWorkflow}: how long the durable timer runs before the canary reports. */
export interface TimerCanaryInput {
  /** Timer length in milliseconds (>= 0). */
  sleepMs: number;
  /** Free text shown in the report, e.g. who started the canary and why. */
  label?: string;
}

/** Where a running timer canary is. */
export type TimerCanaryPhase = 'sleeping' | 'reporting' | 'done';

/** Answer of {@link timerCanaryStateQuery}. */
export interface TimerCanaryState {
  phase: TimerCanaryPhase;
  startedAt: string;
  dueAt: string;
}

/** Result of a timer canary: when its timer was due, when the server actually fired it, and who observed it. */
export interface TimerCanaryReport {
  label: string;
  startedAt: string;
  dueAt: string;
  /** Server time at which the activity after the timer was scheduled (the skipped clock on a time-skipping server). */
  firedAt: string;
  /** firedAt - dueAt: how late the timer fired, in milliseconds. */
  lateByMs: number;
  /** Identity of the worker that ran the activity. */
  observedBy: string;
}

/** Query: the canary's phase and its dates. */
export const timerCanaryStateQuery = defineQuery<TimerCanaryState>('timerCanaryState');
