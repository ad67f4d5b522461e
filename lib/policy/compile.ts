import type { CorsOriginCallback, CorsPolicy } from '../cors-module-options.js';
import { OriginMatcher } from './origin-matcher.js';

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

/**
 * Compiles validated policies into frozen {@link CompiledPolicy} objects. Structurally equal
 * policies compile to the same object, so a thousand routes sharing a named policy share one
 * compiled policy, and comparing two routes' policies is an identity check.
 */
export class PolicyCompiler {
  private readonly cache = new Map<string, CompiledPolicy>();
  /** Origin lists by what they hold, so that equal lists share one matcher. */
  private readonly matchers = new Map<string, { readonly id: number; readonly matcher: OriginMatcher }>();
  /** What each list object holds, computed once: routes share their lists (see `PolicyValidator`). */
  private readonly listKeys = new Map<object, string>();
  private readonly callbackIds = new WeakMap<CorsOriginCallback, number>();
  private lastCallbackId = 0;

  compile(policy: CorsPolicy): CompiledPolicy {
    const origins = this.matcherOf(policy.origins);
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

  private matcherOf(origins: CorsPolicy['origins']): { readonly id: number; readonly matcher: OriginMatcher } {
    const key = typeof origins === 'function' ? `fn#${this.callbackId(origins)}` : this.listKey(origins);
    let entry = this.matchers.get(key);
    if (entry === undefined)
      this.matchers.set(key, (entry = { id: this.matchers.size, matcher: originMatcherOf(origins) }));
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
    let id = this.callbackIds.get(callback);
    if (id === undefined) {
      id = ++this.lastCallbackId;
      this.callbackIds.set(callback, id);
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

function originMatcherOf(origins: CorsPolicy['origins']): OriginMatcher {
  if (origins === '*') return OriginMatcher.any();
  if (typeof origins === 'function') return OriginMatcher.ofCallback(origins);
  return OriginMatcher.ofEntries(Array.isArray(origins) ? origins : [origins as string | RegExp]);
}

function joinList(list: readonly string[] | '*' | undefined): string | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list === '*' ? '*' : [...new Set(list)].join(', ');
}
