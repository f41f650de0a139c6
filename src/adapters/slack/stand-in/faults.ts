/**
 * Switchable faults: the next calls of a Web API method are rate limited, fail with a 500, or answer slowly; or, in
 * the random mode, a seeded share of all calls fails one of those ways or is processed and then answered with a 500.
 */
import { RandomFaults, type RandomFaultSettings, type StandInFault } from '../../shared/random-faults';

/** One injected fault. */
export type SlackFault = StandInFault;

/** A fault given to a negative or fractional count, or a negative delay or Retry-After. */
export class InvalidSlackFaultError extends Error {
  override readonly name = 'InvalidSlackFaultError';
  constructor(detail: string) {
    super(`invalid stand-in fault: ${detail}`);
  }
}

/** Faults queued per method, consumed one per call in the order they were queued. */
export class SlackFaults {
  private readonly queued = new Map<string, SlackFault[]>();
  private random: RandomFaults | undefined;

  /**
   * From now on `rate` of the calls queued faults leave alone meet a random fault (429 with Retry-After, 500, a hold
   * of `timeoutMs`, or processed then 500), drawn from `seed`; `undefined` turns the random mode off.
   */
  randomly(settings: RandomFaultSettings | undefined): void {
    this.random = settings === undefined ? undefined : new RandomFaults(settings);
  }

  /** The next `times` calls of `method` (e.g. `chat.postMessage`) meet `fault`, after any faults already queued. */
  next(method: string, fault: SlackFault, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new InvalidSlackFaultError(`times must be a whole number ≥ 1`);
    if ('delayMs' in fault && !(fault.delayMs >= 0)) throw new InvalidSlackFaultError('delayMs must be ≥ 0');
    if ('retryAfterSeconds' in fault && !(Number.isInteger(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)) {
      throw new InvalidSlackFaultError('retryAfterSeconds must be a whole number ≥ 0, as the Retry-After header is');
    }
    const list = this.queued.get(method) ?? [];
    for (let index = 0; index < times; index++) list.push(fault);
    this.queued.set(method, list);
  }

  /** Drops every queued fault and turns the random mode off. */
  clear(): void {
    this.queued.clear();
    this.random = undefined;
  }

  /** The fault for this call of `method`, if any: a queued one first, else the random mode's draw; used by the stand-in. */
  take(method: string): SlackFault | undefined {
    const queued = this.queued.get(method)?.shift();
    return queued ?? this.random?.draw();
  }
}
