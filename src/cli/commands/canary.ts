import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { formatDuration } from '../../core/domain/duration';
import type { CertflowConfig } from '../../runtime/config';
import { payloadDataConverter } from '../../runtime/payload-codec';
import type { TimerCanaryReport } from '../../core/workflows/definitions';
import type { timerCanaryWorkflow } from '../../core/workflows/timer-canary';
import { TemporalUnreachableError } from '../errors';

/** Options of {@link runCanary}. */
export interface CanaryOptions {
  config: CertflowConfig;
  sleepMs: number;
  label: string;
  wait: boolean;
  json: boolean;
  out: (line: string) => void;
}

function workflowUrl(config: CertflowConfig, workflowId: string): string | undefined {
  if (config.temporalAddress) return undefined;
  return `http://127.0.0.1:${config.devServerUiPort}/namespaces/${config.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

function describe(report: TimerCanaryReport, sleepMs: number): string[] {
  return [
    `  timer        ${formatDuration(sleepMs)}, due ${report.dueAt}`,
    `  fired        ${report.firedAt} (${report.lateByMs} ms late)`,
    `  observed by  ${report.observedBy}`,
  ];
}

/** `certflow canary`: runs a timer canary workflow on the worker and reports how late its timer fired. */
export async function runCanary({ config, sleepMs, label, wait, json, out }: CanaryOptions): Promise<void> {
  const address = config.temporalAddress ?? `127.0.0.1:${config.devServerPort}`;
  const connection = await Connection.connect({ address, connectTimeout: '5s' }).catch((error: unknown) => {
    throw new TemporalUnreachableError(address, error);
  });
  try {
    const client = new Client({
      connection,
      namespace: config.namespace,
      dataConverter: payloadDataConverter(config.payloadKeys),
    });
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: config.namespace,
      taskQueue: { name: config.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if (pollers.length === 0 && !json) {
      out(`warning: no worker polls task queue "${config.taskQueue}" yet; the canary runs once one does (npm start)`);
    }
    const workflowId = `timer-canary-${randomUUID()}`;
    const handle = await client.workflow.start<typeof timerCanaryWorkflow>('timerCanaryWorkflow', {
      taskQueue: config.taskQueue,
      workflowId,
      args: [{ sleepMs, label }],
    });
    const url = workflowUrl(config, workflowId);
    if (!wait) {
      if (json) out(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, url }));
      else out(`started ${workflowId}${url ? `\n  ${url}` : ''}`);
      return;
    }
    if (!json) out(`started ${workflowId}, waiting ${formatDuration(sleepMs)} for its timer…`);
    const report = await handle.result();
    if (json) out(JSON.stringify({ workflowId, url, ...report }));
    else out([`timer canary completed`, ...describe(report, sleepMs), ...(url ? [`  ${url}`] : [])].join('\n'));
  } finally {
    await connection.close();
  }
}
