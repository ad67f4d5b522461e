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
