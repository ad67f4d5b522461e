/* What a CORS check concludes: the shapes every check returns, apart from the checks themselves. */

/**
 * Why a preflight or an actual request was refused; logged with `debug: true` and returned by
 * diagnostics. Never sent to the client.
 */
export type CorsRefusalReason =
  | 'origin_not_allowed'
  | 'method_not_allowed'
  | 'header_not_allowed'
  | 'private_network_not_allowed'
  | 'invalid_preflight'
  /** `Access-Control-Request-Headers` lists more than `MAX_REQUEST_HEADER_ITEMS` (64) items. */
  | 'too_many_request_headers'
  | 'origin_callback_failed';

/** The verdict on a request's origin: allowed, or refused with a reason (and the callback's error). */
export type OriginVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: CorsRefusalReason; readonly error?: unknown };

/** The one allowed verdict: shared, as it carries nothing of the request. */
export const ORIGIN_ALLOWED: OriginVerdict = Object.freeze({ allowed: true });

/** The outcome of a preflight: allowed (its headers written), or refused with a reason. */
export interface PreflightDecision {
  readonly allowed: boolean;
  readonly reason: CorsRefusalReason | undefined;
  /** What an origin callback threw, when that refused it. */
  readonly error?: unknown;
}
