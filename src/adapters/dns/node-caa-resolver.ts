/**
 * CAA lookups through node:dns's Resolver (c-ares) against configured servers (`host:port`), or the system's when
 * none are configured. A DNS answer is never an exception here: NOERROR without CAA and NXDOMAIN are `none`, a
 * CNAME whose target the server did not chase is `alias`, and SERVFAIL, REFUSED, a timeout or an unreachable server
 * are `failed` with the rcode, which the CAA judgment treats as "must not issue" (RFC 8659 §3).
 */
import { Resolver } from 'node:dns/promises';
import type { CaaLookup, CaaRecord } from '../../core/domain/caa/caa-record';
import type { CaaResolver } from '../../core/ports/dns';

/** How long one query waits before c-ares retries or gives up, and how many times it asks. */
export interface CaaResolverOptions {
  /** `host:port` (or `[v6]:port`) of each server, in order; empty: the system's resolvers. */
  readonly servers: readonly string[];
  readonly timeoutMs?: number;
  readonly tries?: number;
}

/** Node's error codes for answers that mean "no records here". */
const EMPTY_CODES = new Set(['ENODATA', 'ENOTFOUND']);

/** Node's error codes by the rcode or condition they report, for messages and verdicts. */
const RCODE_NAMES: Readonly<Record<string, string>> = {
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  ENOTIMP: 'NOTIMP',
  EFORMERR: 'FORMERR',
  ETIMEOUT: 'TIMEOUT',
  ECONNREFUSED: 'UNREACHABLE',
  EBADRESP: 'BADRESP',
};

/** Answers CAA queries with node:dns; see {@link CaaResolverOptions}. */
export class NodeCaaResolver implements CaaResolver {
  readonly #resolver: Resolver;
  readonly #servers: string;

  constructor(options: CaaResolverOptions) {
    this.#resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
    if (options.servers.length > 0) this.#resolver.setServers([...options.servers]);
    this.#servers = this.#resolver.getServers().join(', ') || 'the system resolver';
  }

  async caaRecords(name: string): Promise<CaaLookup> {
    try {
      const answer = await this.#resolver.resolveCaa(name);
      const records = answer.map(caaRecordOf);
      if (records.length > 0) return { kind: 'records', records };
    } catch (error) {
      if (!EMPTY_CODES.has(codeOf(error))) return this.#failed(error);
    }
    // No CAA at the name: it may be an alias the server answered without its target's records (another zone).
    try {
      const [target] = await this.#resolver.resolveCname(name);
      return target ? { kind: 'alias', target } : { kind: 'none' };
    } catch (error) {
      return EMPTY_CODES.has(codeOf(error)) ? { kind: 'none' } : this.#failed(error);
    }
  }

  #failed(error: unknown): CaaLookup {
    const code = codeOf(error);
    const rcode = RCODE_NAMES[code] ?? code;
    const detail =
      rcode === 'TIMEOUT' || rcode === 'UNREACHABLE'
        ? `no answer from ${this.#servers}`
        : `${this.#servers} answered ${rcode}`;
    return { kind: 'failed', rcode, detail };
  }
}

/** Node gives `{ critical, <tag>: value }`; the tag is the one key besides `critical`. */
function caaRecordOf(answer: object): CaaRecord {
  const { critical, ...property } = answer as { critical: number } & Record<string, string>;
  const [tag = '', value = ''] = Object.entries(property)[0] ?? [];
  return { flags: critical, tag, value: String(value) };
}

function codeOf(error: unknown): string {
  return (error as { code?: unknown }).code === undefined ? 'UNKNOWN' : String((error as { code: unknown }).code);
}
