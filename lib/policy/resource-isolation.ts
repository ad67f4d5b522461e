import type { CorsRequest } from '../cors-module-options.js';
import type { CompiledPolicy } from './compile.js';

/**
 * Why {@link checkResourceIsolation} let a request through:
 * - `origin_present`: the request carries `Origin`; the origin check decides, not this one;
 * - `any_origin`: the policy allows every origin (`'*'`), so not knowing which one sent the request
 *   changes nothing;
 * - `no_fetch_metadata`: no (or no valid) `Sec-Fetch-Site`: an older browser, a plain-HTTP page, or
 *   a client that is not a browser at all;
 * - `same_origin`: `Sec-Fetch-Site: same-origin`;
 * - `user_initiated`: `Sec-Fetch-Site: none` (address bar, bookmark);
 * - `navigation`: a `GET`/`HEAD` navigation (a link, `<iframe>`), not an `<object>`/`<embed>` load.
 */
export type ResourceIsolationPass =
  'origin_present' | 'any_origin' | 'no_fetch_metadata' | 'same_origin' | 'user_initiated' | 'navigation';

/**
 * Why {@link checkResourceIsolation} refused a request: a subresource load or a non-`GET`
 * navigation from another site (`cross_site_without_origin`) or from a sibling origin of the same
 * site (`same_site_without_origin`) that carries no `Origin` the policy could check.
 */
export type ResourceIsolationRefusal = 'cross_site_without_origin' | 'same_site_without_origin';

export type ResourceIsolationVerdict =
  | { readonly allowed: true; readonly reason: ResourceIsolationPass }
  | { readonly allowed: false; readonly reason: ResourceIsolationRefusal };

/** One frozen verdict per reason: the request path allocates nothing. */
const PASS: { readonly [R in ResourceIsolationPass]: ResourceIsolationVerdict } = Object.freeze({
  origin_present: Object.freeze({ allowed: true, reason: 'origin_present' }),
  any_origin: Object.freeze({ allowed: true, reason: 'any_origin' }),
  no_fetch_metadata: Object.freeze({ allowed: true, reason: 'no_fetch_metadata' }),
  same_origin: Object.freeze({ allowed: true, reason: 'same_origin' }),
  user_initiated: Object.freeze({ allowed: true, reason: 'user_initiated' }),
  navigation: Object.freeze({ allowed: true, reason: 'navigation' }),
});
const REFUSE: { readonly [R in ResourceIsolationRefusal]: ResourceIsolationVerdict } = Object.freeze({
  cross_site_without_origin: Object.freeze({ allowed: false, reason: 'cross_site_without_origin' }),
  same_site_without_origin: Object.freeze({ allowed: false, reason: 'same_site_without_origin' }),
});

/**
 * A resource isolation policy on Fetch Metadata (https://w3c.github.io/webappsec-fetch-metadata/,
 * https://web.dev/articles/fetch-metadata), for the requests `enforce: true` cannot judge by
 * their origin because they carry no `Origin` header: `<img>`, `<script>`, `<link>` and `no-cors`
 * `GET`s, and navigations. Browsers send `Origin` on every CORS-mode request and on every request
 * whose method is neither `GET` nor `HEAD` (Fetch standard, "append a request `Origin` header"),
 * so what is left here is, in practice, another site reading or triggering a `GET` with the
 * user's cookies: cross-site script inclusion, a `GET` with side effects, timing and size leaks.
 *
 * A request without `Origin` that says it came from another origin is refused, unless it is a
 * navigation: `Sec-Fetch-Mode: navigate` with `GET` or `HEAD`, except into `<object>`/`<embed>`
 * (`Sec-Fetch-Dest: object`/`embed`), which are navigations in mode only and embed the
 * response in the other site's page. Links to the app keep working; a navigated document is
 * in its own browsing context, out of the other site's reach.
 *
 * `same-site` is refused like `cross-site`. It is a different origin on the same registrable
 * domain (a sibling subdomain). web.dev's policy allows it by default, and says to refuse it
 * too "in case your subdomains are not fully trusted". Here the policy says which are trusted,
 * and `enforce` already refuses a same-site request whose `Origin` it does not list; without
 * `Origin` the sibling cannot be told apart, and it gets `SameSite` cookies, so a trusting rule
 * would hand every subdomain (user content, a forgotten marketing site) the app's `GET`s with
 * full cookies. A page that must load such a route with a tag can send `Origin` by adding the
 * `crossorigin` attribute, and then the policy decides.
 *
 * Passes: requests with `Origin` (the origin check decides); policies allowing any origin
 * (`'*'` declares the route public, web.dev's "opt out" case, and any site could send the same
 * `GET` in CORS mode, with an `Origin` that `'*'` allows); `same-origin`; `none` (typed in the
 * address bar, a bookmark); and requests without a valid `Sec-Fetch-Site`: browsers before Fetch
 * Metadata, requests to an app served over plain HTTP (other than on localhost), which browsers
 * send without `Sec-Fetch-*`, and non-browser clients. The spec says servers "SHOULD ignore this
 * header if it contains an invalid value", and only a client that could as well leave it out
 * can send one: pages cannot set `Sec-` headers. `Sec-Fetch-User` plays no part: it is only ever
 * sent, as `?1`, on user-activated navigations, which pass without it.
 */
export function checkResourceIsolation(policy: CompiledPolicy, request: CorsRequest): ResourceIsolationVerdict {
  const { headers } = request;
  if (headers.origin !== undefined) return PASS.origin_present;
  if (policy.origins.any) return PASS.any_origin;
  switch (headers['sec-fetch-site']) {
    case 'same-origin':
      return PASS.same_origin;
    case 'none':
      return PASS.user_initiated;
    case 'cross-site':
      return isNavigation(request) ? PASS.navigation : REFUSE.cross_site_without_origin;
    case 'same-site':
      return isNavigation(request) ? PASS.navigation : REFUSE.same_site_without_origin;
    default:
      // Absent, or not one of the four tokens (a list from a repeated header included): ignored.
      return PASS.no_fetch_metadata;
  }
}

/** A document navigation by `GET` or `HEAD`: a link, a redirect, an `<iframe>`; not `<object>`/`<embed>`. */
function isNavigation({ method, headers }: CorsRequest): boolean {
  if (headers['sec-fetch-mode'] !== 'navigate' || (method !== 'GET' && method !== 'HEAD')) return false;
  const dest = headers['sec-fetch-dest'];
  return dest !== 'object' && dest !== 'embed';
}
