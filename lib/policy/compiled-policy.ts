import type { CorsPolicy } from '../cors-module-options.js';
import type { OriginMatcher } from './origin-matcher.js';

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
