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
  | 'origin_callback_failed';
