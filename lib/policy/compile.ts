import type { CorsOriginCallback, CorsPolicy } from '../cors-module-options.js';
import { OriginMatcher } from './origin-matcher.js';
import { OriginVerdictCache, verdictCacheOptions, type OriginVerdictCacheOptions } from './origin-verdict-cache.js';

/**
 * A policy compiled at bootstrap: everything the request path needs, precomputed and frozen.
 * Header values are the exact strings written to responses.
 */
export interface CompiledPolicy {
  /** The merged options this was compiled from (frozen), for diagnostics and the audit. */
  readonly source: Readonly<CorsPolicy>;
  readonly origins: OriginMatcher;
  readonly credentials: boolean;
  /** Methods a preflight may ask for; `undefined`: any method the route serves. */
  readonly methods: ReadonlySet<string> | undefined;
  /** Lowercase names of the request headers a preflight may ask for. */
  readonly allowedHeaders: ReadonlySet<string>;
  /** `allowedHeaders: '*'`: any header but `Authorization` (Fetch standard, CORS-preflight fetch). */
  readonly anyHeader: boolean;
  readonly allowCredentialsValue: 'true' | undefined;
  readonly allowHeadersValue: string | undefined;
  readonly exposeHeadersValue: string | undefined;
  readonly maxAgeValue: string | undefined;
  readonly allowPrivateNetwork: boolean;
  /** The `Vary` value of preflight responses: every request header the answer depends on. */
  readonly preflightVary: string;
  /**
   * Whether responses depend on the request's `Origin`. A credential-less `'*'` policy answers
   * `Access-Control-Allow-Origin: *` to everyone, so its responses need no `Vary: Origin`.
   */
  readonly variesByOrigin: boolean;
}

interface MatcherEntry {
  readonly id: number;
  readonly matcher: OriginMatcher;
}

/**
 * Compiles validated policies into frozen {@link CompiledPolicy} objects. Structurally equal
 * policies compile to the same object, so a thousand routes sharing a named policy share one
 * compiled policy, and comparing two routes' policies is an identity check.
 *
 * A runtime update compiles with a new compiler made from the one in use (`previous`), which
 * its owner then drops: a policy that keeps its origins (the same callback with the same
 * `originsCache`) keeps its matcher, and so the verdicts its cache holds.
 */
export class PolicyCompiler {
  private readonly cache = new Map<string, CompiledPolicy>();
  /**
   * Matchers by what their origins hold (a callback by identity, with its cache options), so
   * that equal origins share one matcher.
   */
  private readonly matchers = new Map<string, MatcherEntry>();
  /**
   * The matchers `previous` used, taken over by key when first needed; only those, so a
   * callback an update dropped is not carried on (nor is anything older than one generation).
   */
  private readonly inherited: ReadonlyMap<string, MatcherEntry> | undefined;
  /** What each list object holds, computed once: routes share their lists (see `PolicyValidator`). */
  private readonly listKeys = new Map<object, string>();
  /** Shared with `previous`, so that a callback has one id, hence one key, in both. */
  private readonly callbackIds: { readonly ids: WeakMap<CorsOriginCallback, number>; last: number };

  constructor(previous?: PolicyCompiler) {
    this.inherited = previous?.matchers;
    this.callbackIds = previous?.callbackIds ?? { ids: new WeakMap(), last: 0 };
  }

  compile(policy: CorsPolicy): CompiledPolicy {
    const origins = this.matcherOf(policy);
    const key = JSON.stringify([
      origins.id,
      this.listKey(policy.methods),
      this.listKey(policy.allowedHeaders),
      this.listKey(policy.exposedHeaders),
      policy.credentials === true,
      policy.maxAge,
      policy.allowPrivateNetwork === true,
    ]);
    let compiled = this.cache.get(key);
    if (compiled === undefined) {
      compiled = compilePolicy(policy, origins.matcher);
      this.cache.set(key, compiled);
    }
    return compiled;
  }

  private matcherOf({ origins, originsCache }: CorsPolicy): MatcherEntry {
    // Validation refuses a cache beside static origins; beside a callback, its options are part of the key.
    const cache = typeof origins === 'function' && originsCache ? verdictCacheOptions(originsCache) : undefined;
    const key =
      typeof origins !== 'function'
        ? this.listKey(origins)
        : `fn#${this.callbackId(origins)}${cache ? `+cache:${cache.ttl}/${cache.negativeTtl}/${cache.max}` : ''}`;
    let entry = this.matchers.get(key);
    if (entry === undefined) {
      const matcher = this.inherited?.get(key)?.matcher ?? originMatcherOf(origins, cache);
      this.matchers.set(key, (entry = { id: this.matchers.size, matcher }));
    }
    return entry;
  }

  /** A string that tells lists apart by what they hold: `undefined`, `'*'`, a RegExp or a list. */
  private listKey(list: unknown): string {
    if (typeof list !== 'object' || list === null)
      return JSON.stringify(typeof list === 'string' ? entryKey(list) : null);
    let key = this.listKeys.get(list);
    if (key === undefined) {
      key = JSON.stringify(Array.isArray(list) ? list.map(entryKey) : entryKey(list as RegExp));
      this.listKeys.set(list, key);
    }
    return key;
  }

  private callbackId(callback: CorsOriginCallback): number {
    const { ids } = this.callbackIds;
    let id = ids.get(callback);
    if (id === undefined) {
      id = ++this.callbackIds.last;
      ids.set(callback, id);
    }
    return id;
  }
}

function entryKey(entry: string | RegExp): string {
  return entry instanceof RegExp ? `re:${entry}` : `s:${entry}`;
}

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/** Compiles one policy that `PolicyValidator` accepted, around the matcher of its origins. */
function compilePolicy(policy: CorsPolicy, matcher: OriginMatcher): CompiledPolicy {
  const credentials = policy.credentials === true;
  const allowPrivateNetwork = policy.allowPrivateNetwork === true;
  const allowed = policy.allowedHeaders;
  const exposed = policy.exposedHeaders;
  return Object.freeze({
    source: Object.freeze({ ...policy }),
    origins: matcher,
    credentials,
    methods: policy.methods === undefined ? undefined : new Set(policy.methods),
    allowedHeaders: new Set(allowed === '*' || allowed === undefined ? [] : allowed.map((h) => h.toLowerCase())),
    anyHeader: allowed === '*',
    allowCredentialsValue: credentials ? 'true' : undefined,
    allowHeadersValue: joinList(allowed),
    exposeHeadersValue: joinList(exposed),
    maxAgeValue: policy.maxAge === undefined ? undefined : String(policy.maxAge),
    allowPrivateNetwork,
    preflightVary: allowPrivateNetwork ? `${PREFLIGHT_VARY}, Access-Control-Request-Private-Network` : PREFLIGHT_VARY,
    variesByOrigin: !matcher.any,
  } satisfies CompiledPolicy);
}

function originMatcherOf(origins: CorsPolicy['origins'], cache: OriginVerdictCacheOptions | undefined): OriginMatcher {
  if (origins === '*') return OriginMatcher.any();
  if (typeof origins === 'function') return OriginMatcher.ofCallback(origins, cache && new OriginVerdictCache(cache));
  return OriginMatcher.ofEntries(Array.isArray(origins) ? origins : [origins as string | RegExp]);
}

function joinList(list: readonly string[] | '*' | undefined): string | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list === '*' ? '*' : [...new Set(list)].join(', ');
}
