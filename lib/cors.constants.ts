/** Metadata key of `@Cors()` on controllers and handlers. */
export const CORS_POLICY_METADATA = 'nest-cors:policy';

/**
 * Injection token of the module's options. A string, like the metadata key, so that the
 * ES-module and CommonJS builds of this package agree on it (no dual-package hazard).
 */
export const CORS_MODULE_OPTIONS = 'nest-cors:module-options';

/** Logger context of everything this library logs. */
export const CORS_LOGGER_CONTEXT = 'CorsModule';

/** Default of `originCallbackTimeout`, in milliseconds. */
export const DEFAULT_ORIGIN_CALLBACK_TIMEOUT = 1000;
