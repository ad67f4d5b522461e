import type { CorsOriginsCache } from '../cors-module-options.js';
import type { OriginVerdict } from './verdict.js';

/** `CorsOriginsCache` with its defaults filled in. */
export interface OriginVerdictCacheOptions {
  readonly ttl: number;
  readonly negativeTtl: number;
  readonly max: number;
}

/** The longest `ttl` and `negativeTtl`, as for `maxAge`: a day. Longer is a revocation waiting to happen. */
export const MAX_VERDICT_TTL = 86_400_000;
const DEFAULT_NEGATIVE_TTL = 5_000;
const DEFAULT_MAX = 10_000;

/** Fills in the defaults of options that `validate.ts` accepted. */
export function verdictCacheOptions(options: CorsOriginsCache): OriginVerdictCacheOptions {
  const { ttl, negativeTtl = Math.min(ttl, DEFAULT_NEGATIVE_TTL), max = DEFAULT_MAX } = options;
  return { ttl, negativeTtl, max };
}

/**
 * The verdicts of one origin callback, by origin: what `originsCache` keeps. The one piece of
 * a compiled policy that requests write to, so it is built to stay cheap and bounded whatever
 * `Origin` values clients send:
 * - allowed and refused verdicts live in two segments, each bounded by `max`: the refused one is
 *   what a client flooding distinct origins fills, and it only ever evicts its own;
 * - expiry is checked on read (no timer per entry), on a monotonic clock: `performance.now()`,
 *   which wall-clock corrections do not move, and which Jest's fake timers drive as they do
 *   `Date.now()`;
 * - a callback call still pending is shared by every request for its origin (single flight);
 * - a failure (throw, rejection, timeout) is never kept: a database blip must not lock a tenant
 *   out, and the next request simply asks again.
 *
 * Only browser-serialized origins are ever recorded (`checkOrigin` asks the callback about
 * nothing else), so a hit needs no parsing.
 */
export class OriginVerdictCache {
  private readonly allowed: VerdictSegment;
  private readonly refused: VerdictSegment;
  /** Calls in flight, by origin: bounded by the requests in flight, each settles within the timeout. */
  private readonly pending = new Map<string, Promise<OriginVerdict>>();

  constructor(readonly options: OriginVerdictCacheOptions) {
    this.allowed = new VerdictSegment(options.ttl, options.max);
    this.refused = new VerdictSegment(options.negativeTtl, options.max);
  }

  /** The fresh verdict kept for `origin`, the pending call's, or `undefined`: ask the callback. */
  get(origin: string): OriginVerdict | Promise<OriginVerdict> | undefined {
    const now = performance.now();
    return this.allowed.get(origin, now) ?? this.refused.get(origin, now) ?? this.pending.get(origin);
  }

  /**
   * Records the answer of a callback call just made for `origin` (after {@link get} found none),
   * and returns it: a pending answer is shared until it settles, then kept like any other.
   */
  record(origin: string, verdict: OriginVerdict | Promise<OriginVerdict>): OriginVerdict | Promise<OriginVerdict> {
    if (!(verdict instanceof Promise)) {
      this.keep(origin, verdict);
      return verdict;
    }
    this.pending.set(origin, verdict);
    void verdict.then((settled) => {
      // Gone or replaced: invalidated while the call was out, so its answer may predate the
      // change that invalidated it. Its waiters still get it; the cache does not.
      if (this.pending.get(origin) !== verdict) return;
      this.pending.delete(origin);
      this.keep(origin, settled);
    });
    return verdict;
  }

  /**
   * Forgets the verdict on `origin`, or on every origin: the next request asks the callback. A
   * call in flight is forgotten too: requests from now on start a new one.
   */
  invalidate(origin?: string): void {
    if (origin === undefined) {
      this.allowed.clear();
      this.refused.clear();
      this.pending.clear();
      return;
    }
    this.allowed.delete(origin);
    this.refused.delete(origin);
    this.pending.delete(origin);
  }

  private keep(origin: string, verdict: OriginVerdict): void {
    if (verdict.allowed) this.allowed.set(origin, verdict, performance.now());
    else if (verdict.reason !== 'origin_callback_failed') this.refused.set(origin, verdict, performance.now());
  }
}

interface Entry {
  readonly verdict: OriginVerdict;
  readonly expires: number;
  /** Read since it was last passed over for eviction. */
  used: boolean;
}

/**
 * Verdicts of one kind, at most `max`, evicted least recently used first. Recency is tracked
 * the CLOCK way (a second chance), an approximation of LRU that keeps a hit to a flag write
 * instead of moving the entry to the end of the map: eviction walks from the oldest entry,
 * moving the ones read since to the end and clearing their flag, and drops the first unread or
 * expired one. Each flag it clears was set by a hit, so eviction is constant time on average.
 */
class VerdictSegment {
  /** In insertion order, oldest first (a `Map` iterates in insertion order). */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttl: number,
    private readonly max: number,
  ) {}

  get(origin: string, now: number): OriginVerdict | undefined {
    const entry = this.entries.get(origin);
    if (entry === undefined) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(origin);
      return undefined;
    }
    entry.used = true;
    return entry.verdict;
  }

  set(origin: string, verdict: OriginVerdict, now: number): void {
    if (this.ttl === 0) return;
    this.entries.delete(origin);
    if (this.entries.size >= this.max) this.evictOne(now);
    this.entries.set(origin, { verdict, expires: now + this.ttl, used: false });
  }

  delete(origin: string): void {
    this.entries.delete(origin);
  }

  clear(): void {
    this.entries.clear();
  }

  private evictOne(now: number): void {
    // Entries moved to the end are met again, flag cleared, so this ends within two passes.
    for (const [origin, entry] of this.entries) {
      this.entries.delete(origin);
      if (!entry.used || entry.expires <= now) return;
      entry.used = false;
      this.entries.set(origin, entry);
    }
  }
}
