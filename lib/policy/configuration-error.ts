/**
 * What is wrong, as a machine-readable code: one per rule, so that a program can react to a
 * problem (or word it in its own language) without parsing the message. The field names the
 * value at fault (`origins[1]`, `allowedHeaders[0]`, `originCallbackTimeout`).
 *
 * Origins:
 * - `origins_missing`: a route's policy has no origins at all;
 * - `origins_empty`: an empty list, which allows no origin (`@Cors(false)` switches CORS off);
 * - `origin_prohibited`: `'*'` with credentials, which browsers refuse;
 * - `origin_wildcard_in_list`: `'*'` inside a list; it stands alone;
 * - `origin_type_invalid`: neither an origin string nor a `RegExp`;
 * - `origin_invalid`: a string that is not a browser-serialized origin (path, trailing slash,
 *   no scheme, uppercase, user information, default port spelled out);
 * - `origin_pattern_invalid`: a wildcard pattern other than one `*` as the leftmost label;
 * - `origin_pattern_ip_address`: a wildcard pattern over an IP address;
 * - `origin_public_suffix_wildcard`: a wildcard directly under a public suffix (`https://*.com`);
 * - `origin_insecure_credentialed`: a plain-`http` origin other than loopback, with credentials;
 * - `origin_port_wildcard_not_loopback`: a port wildcard (`scheme://host:*`) on a host that is
 *   not loopback;
 * - `origin_dangerously_allowed`: a warning, never a refusal: an origin one of the three rules
 *   above would refuse, let through by the policy's `dangerouslyAllow`;
 * - `origin_stateful`: a `RegExp` with the `g` or `y` flag;
 * - `origin_unanchored`: a `RegExp` without `^` and `$`;
 * - `origin_matches_null`: a `RegExp` that matches the `null` origin;
 * - `origin_backtracking`: a `RegExp` that can backtrack catastrophically (ReDoS), or that the
 *   checker cannot prove safe.
 *
 * Methods and headers:
 * - `methods_empty`: an empty method list, which allows no preflight;
 * - `method_invalid`: not a method name (an HTTP token);
 * - `method_forbidden`: `CONNECT`, `TRACE` or `TRACK`, which browsers never send;
 * - `header_name_invalid`: not a header name (an HTTP token);
 * - `header_wildcard_in_list`: `'*'` inside a header list; it stands alone;
 * - `header_cors_protocol`: an `Access-Control-*` header, which is the protocol's own;
 * - `header_forbidden`: a forbidden request header (`allowedHeaders`) or forbidden response
 *   header (`exposedHeaders`), which browsers never let scripts send or read;
 * - `headers_wildcard_credentialed`: `'*'` headers with credentials, taken literally then.
 *
 * The rest of a policy:
 * - `max_age_invalid`: `maxAge` not a whole number of seconds from 0 to 86400;
 * - `max_age_capped`: a warning, never a refusal: `maxAge` above Chromium's cap of 7200;
 * - `origins_cache_invalid`: an `originsCache` that is not `false` or `{ ttl, negativeTtl?, max? }`
 *   with lifetimes in whole milliseconds up to a day and `max` of 1 or more;
 * - `origins_cache_without_callback`: an `originsCache` beside static origins, which have no
 *   callback whose verdicts it could keep;
 * - `field_invalid`: a policy field of the wrong type (`credentials: 'yes'`, `methods: 'GET'`);
 * - `field_unknown`: a policy field that does not exist (`origin`, `__proto__`);
 * - `dangerously_allow_unneeded`: a warning: a `dangerouslyAllow` hatch that nothing in the
 *   route's policy needs;
 * - `policy_unknown`: `@Cors('name')`, `global` or a `paths` entry naming no registered policy.
 *
 * Module options:
 * - `option_invalid`: a module option of the wrong type or out of range, or `forRootAsync()`
 *   options without exactly one of `useFactory`, `useClass`, `useExisting`, or whose factory
 *   gives no options object;
 * - `option_unknown`: a module option (or `forRootAsync()` option) that does not exist;
 * - `path_invalid`: a `paths` key that is not a registered path (`/docs/*`, `/graphql`).
 *
 * @publicApi
 */
export type CorsConfigurationProblemCode =
  | 'origins_missing'
  | 'origins_empty'
  | 'origin_prohibited'
  | 'origin_wildcard_in_list'
  | 'origin_type_invalid'
  | 'origin_invalid'
  | 'origin_pattern_invalid'
  | 'origin_pattern_ip_address'
  | 'origin_public_suffix_wildcard'
  | 'origin_insecure_credentialed'
  | 'origin_port_wildcard_not_loopback'
  | 'origin_dangerously_allowed'
  | 'origin_stateful'
  | 'origin_unanchored'
  | 'origin_matches_null'
  | 'origin_backtracking'
  | 'methods_empty'
  | 'method_invalid'
  | 'method_forbidden'
  | 'header_name_invalid'
  | 'header_wildcard_in_list'
  | 'header_cors_protocol'
  | 'header_forbidden'
  | 'headers_wildcard_credentialed'
  | 'max_age_invalid'
  | 'max_age_capped'
  | 'origins_cache_invalid'
  | 'origins_cache_without_callback'
  | 'field_invalid'
  | 'field_unknown'
  | 'dangerously_allow_unneeded'
  | 'policy_unknown'
  | 'option_invalid'
  | 'option_unknown'
  | 'path_invalid';

/**
 * One problem found in the CORS configuration, with where it was found.
 *
 * @example
 * ```ts
 * { location: 'OrdersController.remove', field: 'origins[0]', code: 'origin_invalid', message: "'https://a.example.com/' is not an origin: …" }
 * ```
 * @publicApi
 */
export interface CorsConfigurationProblem {
  /** Where the policy was declared: `OrdersController.remove`, `policies.partners`, ... */
  readonly location: string;
  /** The field at fault, with its index in a list: `origins[1]`, `maxAge`, ... */
  readonly field: string;
  /** Which rule it breaks, for programs; {@link CorsConfigurationProblemCode} lists them. */
  readonly code: CorsConfigurationProblemCode;
  /** What is wrong and how to fix it, for people. */
  readonly message: string;
}

/**
 * Thrown once at bootstrap when the CORS configuration has problems; lists all of them, so a
 * misconfiguration is fixed in one pass rather than one restart per mistake.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof CorsConfigurationError && error.problems.some((p) => p.code === 'origin_prohibited')) …
 * }
 * ```
 * @publicApi
 */
export class CorsConfigurationError extends Error {
  constructor(readonly problems: readonly CorsConfigurationProblem[]) {
    super(
      `Invalid CORS configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'CorsConfigurationError';
  }
}

export function formatProblem(problem: CorsConfigurationProblem): string {
  return `${problem.location} › ${problem.field}: ${problem.message}`;
}

/** Records one problem of a field: the rule it breaks, and what to tell a person. */
export type ProblemReport = (field: string, code: CorsConfigurationProblemCode, message: string) => void;
