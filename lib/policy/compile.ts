import type { CorsOriginCallback, CorsPolicy } from '../cors-module-options.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { OriginMatcher } from './origin-matcher.js';

/**
 * Compiles validated policies into frozen {@link CompiledPolicy} objects. Structurally equal
 * policies compile to the same object, so a thousand routes sharing a named policy share one
 * compiled policy, and comparing two routes' policies is an identity check.
 */
export class PolicyCompiler {
  private readonly cache = new Map<string, CompiledPolicy>();
  private readonly callbackIds = new WeakMap<CorsOriginCallback, number>();
  private lastCallbackId = 0;

  compile(policy: CorsPolicy): CompiledPolicy {
    const key = this.keyOf(policy);
    let compiled = this.cache.get(key);
    if (compiled === undefined) {
      compiled = compilePolicy(policy);
      this.cache.set(key, compiled);
    }
    return compiled;
  }

  private keyOf(policy: CorsPolicy): string {
    const { origins } = policy;
    const originsKey =
      typeof origins === 'function'
        ? `fn#${this.callbackId(origins)}`
        : (Array.isArray(origins) ? origins : [origins]).map((o: string | RegExp) => (o instanceof RegExp ? `re:${o}` : `s:${o}`));
    return JSON.stringify([
      originsKey,
      policy.methods,
      policy.allowedHeaders,
      policy.exposedHeaders,
      policy.credentials === true,
      policy.maxAge,
      policy.allowPrivateNetwork === true,
    ]);
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

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/** Compiles one policy that `validatePolicy` accepted. */
export function compilePolicy(policy: CorsPolicy): CompiledPolicy {
  const { origins } = policy;
  const matcher =
    origins === '*'
      ? OriginMatcher.any()
      : typeof origins === 'function'
        ? OriginMatcher.ofCallback(origins)
        : OriginMatcher.ofEntries(Array.isArray(origins) ? origins : [origins as string | RegExp]);
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

function joinList(list: readonly string[] | '*' | undefined): string | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list === '*' ? '*' : [...new Set(list)].join(', ');
}
