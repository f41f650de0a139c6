/**
 * One run's CAA lookups (`certflow policy check`, a batch of orders): each name is asked once however many
 * certificates share its parents, and at most `concurrency` queries are in flight, so a large inventory neither
 * floods the resolver nor waits on one query at a time.
 */
import type { CaaLookup } from '../../core/domain/caa/caa-record';
import { canonicalDnsName } from '../../core/domain/caa/caa-record';
import type { CaaResolver } from '../../core/ports/dns';

/** A CaaResolver that remembers every answer for its own lifetime and bounds the queries in flight. */
export class CaaLookupCache implements CaaResolver {
  readonly #answers = new Map<string, Promise<CaaLookup>>();
  readonly #waiting: Array<() => void> = [];
  #inFlight = 0;

  constructor(
    private readonly resolver: CaaResolver,
    private readonly concurrency = 8,
  ) {}

  caaRecords(name: string): Promise<CaaLookup> {
    const key = canonicalDnsName(name);
    let answer = this.#answers.get(key);
    if (!answer) {
      answer = this.#limited(() => this.resolver.caaRecords(key));
      this.#answers.set(key, answer);
    }
    return answer;
  }

  /** How many distinct names were asked, for the run's summary. */
  get lookups(): number {
    return this.#answers.size;
  }

  async #limited(query: () => Promise<CaaLookup>): Promise<CaaLookup> {
    // A finishing query hands its slot to the next waiter, so a caller arriving meanwhile cannot take it too.
    if (this.#inFlight >= this.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#inFlight += 1;
    try {
      return await query();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#inFlight -= 1;
    }
  }
}
