/**
 * The polling fallback of the Jira webhook (issue 6, R-MON-2) for installs Jira cannot reach: every pass reads the
 * status of each change ticket a lifecycle waits on (managed certificates in phase `awaiting-approval` with a ticket
 * open), reads it with the configured status names (`jira.changeStatuses`, as the webhook does), and signals the
 * lifecycle, with the decline reason the adapter read. The same status is signalled on every
 * pass: the workflow drops an update that repeats the decision it has, so polling needs no state of its own.
 */
import type { InventoryStore } from '../../core/ports/inventory-store';
import type { ChangeTicketUpdate } from '../../core/ports/ticketing-port';
import type { JiraTicketStatus } from './jira-ticketing';
import type { ChangeTicketDelivery } from './webhook/jira-webhook-endpoint';
import type { JiraConfig } from './jira-config';
import { changeDecisionOf, jiraInstant } from './webhook/parse-issue-updated';

/** The lifecycle phase in which a lifecycle waits on its change ticket. */
const WAITING_PHASE = 'awaiting-approval';

/** Who a polled update is from: no person is known, only that the poller saw the status. */
export const POLLER_ACTOR = { id: 'jira:poller', displayName: 'certflow Jira poller' } as const;

/** What one polling pass needs. */
export interface ChangeTicketPollOptions {
  readonly store: Pick<InventoryStore, 'listManagedCertificatesWithTicket'>;
  /** The ticket's status and change window: `JiraTicketing.readTicketStatus`. */
  readonly readTicketStatus: (ticketKey: string) => Promise<JiraTicketStatus>;
  /** Signals the lifecycle whose ticket it is: the lifecycle client's `notifyChangeTicketUpdated`. */
  readonly notify: (update: ChangeTicketUpdate) => Promise<ChangeTicketDelivery>;
  /** JIRA_CONFIG_FILE's settings: the status names of the change workflow (`jira.changeStatuses`). */
  readonly config: Pick<JiraConfig, 'changeStatuses'>;
  /** The clock of the updates' `at`. */
  readonly now: () => Date;
  /** Tickets read at once (default 8): a pass must not hit Jira's rate limit. */
  readonly concurrency?: number;
  /** Where a ticket that could not be polled is reported; stderr by default. */
  readonly log?: (line: string) => void;
}

/** What a pass did, ticket by ticket. */
export interface ChangeTicketPollReport {
  /** Tickets whose lifecycle waits on them. */
  readonly tickets: number;
  readonly signalled: number;
  /** In a status that means nothing to the change gate (In Progress, Done, a custom one). */
  readonly ignored: number;
  /** The lifecycle no longer has the ticket open, or no longer runs. */
  readonly notDelivered: number;
  /** Jira or Temporal failed for this ticket; logged, and polled again next pass. */
  readonly failed: number;
}

const DEFAULT_CONCURRENCY = 8;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The lifecycle signal for a ticket's current status, or null when the status means nothing to the gate. */
export function pollUpdateOf(
  status: JiraTicketStatus,
  config: Pick<JiraConfig, 'changeStatuses'>,
  at: Date,
): ChangeTicketUpdate | null {
  const decision = changeDecisionOf(status.status, config.changeStatuses);
  if (decision === null) return null;
  return {
    ticketKey: status.key,
    decision,
    reason: decision === 'rejected' ? status.reason : null,
    changeWindowStart: jiraInstant(status.changeWindowStart),
    changedBy: POLLER_ACTOR,
    at: at.toISOString(),
  };
}

/** One pass: reads every ticket a lifecycle waits on, a bounded number at a time, and signals its status. */
export async function pollChangeTickets(options: ChangeTicketPollOptions): Promise<ChangeTicketPollReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const waiting = await options.store.listManagedCertificatesWithTicket(WAITING_PHASE);
  const keys = [...new Set(waiting.flatMap((managed) => (managed.ticketKey === null ? [] : [managed.ticketKey])))];
  const counts = { signalled: 0, ignored: 0, notDelivered: 0, failed: 0 };
  const queue = keys.values();
  const work = async () => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const ticketKey = next.value;
      try {
        const update = pollUpdateOf(await options.readTicketStatus(ticketKey), options.config, options.now());
        if (update === null) {
          counts.ignored += 1;
          continue;
        }
        const outcome = await options.notify(update);
        if (outcome === 'signalled') counts.signalled += 1;
        else counts.notDelivered += 1;
      } catch (error) {
        counts.failed += 1;
        log(`Jira poll of change ticket ${ticketKey} failed, trying again next pass: ${messageOf(error)}`);
      }
    }
  };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, work));
  return { tickets: keys.length, ...counts };
}

/** Options of {@link startChangeTicketPoller}. */
export interface ChangeTicketPollerOptions extends ChangeTicketPollOptions {
  /** Pause between the end of one pass and the start of the next. */
  readonly intervalMs: number;
  /** Told each pass's counts (the worker logs them). */
  readonly onPass?: (report: ChangeTicketPollReport) => void;
}

/** A running poller. */
export interface ChangeTicketPoller {
  /** Stops polling; resolves once a pass under way has ended. */
  stop(): Promise<void>;
}

/** A poll interval that is not a positive number of milliseconds. */
export class InvalidPollIntervalError extends Error {
  override readonly name = 'InvalidPollIntervalError';
  constructor(intervalMs: number) {
    super(`the Jira poll interval must be a positive number of milliseconds, e.g. 60000 (got ${intervalMs})`);
  }
}

/**
 * Polls at once and then `intervalMs` after each pass ends, so passes never overlap however long Jira takes. A pass
 * that fails as a whole (the inventory unreachable) is logged and the next one comes as planned.
 */
export function startChangeTicketPoller(options: ChangeTicketPollerOptions): ChangeTicketPoller {
  if (!(Number.isFinite(options.intervalMs) && options.intervalMs > 0)) {
    throw new InvalidPollIntervalError(options.intervalMs);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let stopped = false;
  let wake: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  const pause = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, options.intervalMs);
      // The poller never keeps a process alive that is otherwise done.
      timer.unref();
    });
  const loop = (async () => {
    while (!stopped) {
      try {
        options.onPass?.(await pollChangeTickets(options));
      } catch (error) {
        log(`Jira poll of change tickets failed, trying again in ${options.intervalMs} ms: ${messageOf(error)}`);
      }
      if (!stopped) await pause();
    }
  })();
  return {
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
