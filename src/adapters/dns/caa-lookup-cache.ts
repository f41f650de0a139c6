/**
 * One run's CAA lookups (`certflow policy check`, a batch of orders): each name is asked once however many
 * certificates share its parents, and at most `concurrency` queries are in flight, so a large inventory neither
 * floods the resolver nor waits on one query at a time. When the resolvers stop answering altogether, the cache
 * stops asking after a run of unanswered names and fails the rest at once, so a check of a large inventory against
 * dead DNS ends in seconds with a failure per name instead of a timeout per name.
 */
import type { CaaLookup } from '../../core/domain/caa/caa-record';
import { canonicalDnsName } from '../../core/domain/caa/caa-record';
import type { CaaResolver } from '../../core/ports/dns';

/** Failures that say the resolver itself is gone, not that one name's servers are broken. */
const NO_ANSWER = new Set(['TIMEOUT', 'UNREACHABLE']);

/** A CaaResolver that remembers every answer for its own lifetime and bounds the queries in flight. */
export class CaaLookupCache implements CaaResolver {
  readonly #answers = new Map<string, Promise<CaaLookup>>();
  readonly #waiting: Array<() => void> = [];
  #inFlight = 0;
  /** Names in a row that got no answer; any answer resets it. */
  #unanswered = 0;
  #lastNoAnswer: CaaLookup | null = null;

  constructor(
    private readonly resolver: CaaResolver,
    private readonly concurrency = 8,
    /** After this many names in a row without an answer, the rest fail without being asked. */
    private readonly giveUpAfter = 16,
  ) {}

  caaRecords(name: string): Promise<CaaLookup> {
    const key = canonicalDnsName(name);
    let answer = this.#answers.get(key);
    if (!answer) {
      answer = this.#limited(() => this.#ask(key));
      this.#answers.set(key, answer);
    }
    return answer;
  }

  /** How many distinct names were asked, for the run's summary. */
  get lookups(): number {
    return this.#answers.size;
  }

  async #ask(name: string): Promise<CaaLookup> {
    if (this.#unanswered >= this.giveUpAfter && this.#lastNoAnswer?.kind === 'failed') {
      const { rcode, detail } = this.#lastNoAnswer;
      return {
        kind: 'failed',
        rcode,
        detail: `${detail}; not asked after ${this.#unanswered} names in a row got no answer`,
      };
    }
    const lookup = await this.resolver.caaRecords(name);
    if (lookup.kind === 'failed' && NO_ANSWER.has(lookup.rcode)) {
      this.#unanswered += 1;
      this.#lastNoAnswer = lookup;
    } else {
      this.#unanswered = 0;
    }
    return lookup;
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
