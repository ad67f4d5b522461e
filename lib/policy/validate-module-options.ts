import type { CorsModuleAsyncOptions, CorsModuleOptions } from '../cors-module-options.js';
import type { CorsConfigurationProblem, ProblemReport } from './configuration-error.js';

/* The module's own options, and `forRootAsync()`'s: the policies are checked route by route. */

const MODULE_FIELDS = new Set([
  'defaults',
  'global',
  'policies',
  'paths',
  'allowOtherCorsLayers',
  'enforce',
  'debug',
  'logRoutes',
  'originCallbackTimeout',
  'csrfTrustedOrigins',
]);
/** A `paths` key: a path as registered, with `/*` only at its end. */
const PATH_KEY = /^\/[^*]*(\/\*)?$/;
/** `setTimeout` takes at most 2^31 - 1 ms; anything else silently becomes 1 ms. */
const MAX_TIMEOUT = 2 ** 31 - 1;

/** Checks the module's own options (the policies are checked route by route). */
export function validateModuleOptions(options: CorsModuleOptions): CorsConfigurationProblem[] {
  const problems: CorsConfigurationProblem[] = [];
  const problem: ProblemReport = (field, code, message) =>
    void problems.push({ location: 'CorsModule', field, code, message });
  for (const field of Object.keys(options)) {
    if (!MODULE_FIELDS.has(field))
      problem(field, 'option_unknown', `unknown module option (known: ${[...MODULE_FIELDS].join(', ')})`);
  }
  for (const field of ['enforce', 'debug', 'logRoutes', 'allowOtherCorsLayers'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'boolean')
      problem(field, 'option_invalid', 'must be true or false');
  }
  const timeout = options.originCallbackTimeout;
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT)
  ) {
    problem(
      'originCallbackTimeout',
      'option_invalid',
      `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT}`,
    );
  }
  const { csrfTrustedOrigins } = options;
  if (
    csrfTrustedOrigins !== undefined &&
    (!Array.isArray(csrfTrustedOrigins) || csrfTrustedOrigins.some((o) => typeof o !== 'string'))
  ) {
    problem('csrfTrustedOrigins', 'option_invalid', 'must be a list of origins');
  }
  const { policies, paths } = options;
  if (policies !== undefined && (typeof policies !== 'object' || policies === null || Array.isArray(policies))) {
    problem('policies', 'option_invalid', 'must be an object of named policies');
  }
  if (paths !== undefined && (typeof paths !== 'object' || paths === null || Array.isArray(paths))) {
    problem('paths', 'option_invalid', 'must be an object of policies by registered path');
  } else {
    for (const path of Object.keys(paths ?? {})) {
      if (!PATH_KEY.test(path)) {
        problem(
          `paths['${path}']`,
          'path_invalid',
          "must be a registered path starting with '/', optionally ending in '/*' (that path and everything below it)",
        );
      }
    }
  }
  return problems;
}

/** Where the problems of `forRootAsync()`'s own options are reported. */
const ASYNC_LOCATION = 'CorsModule.forRootAsync';
const ASYNC_FIELDS = new Set(['imports', 'extraProviders', 'useFactory', 'inject', 'useClass', 'useExisting']);
const ASYNC_FORMS = ['useFactory', 'useClass', 'useExisting'] as const;

/**
 * Checks the options of `forRootAsync()` themselves: exactly one of `useFactory`, `useClass`
 * and `useExisting`, and lists where lists go. The options they build are checked at bootstrap.
 */
export function validateAsyncModuleOptions(options: CorsModuleAsyncOptions): CorsConfigurationProblem[] {
  const problems: CorsConfigurationProblem[] = [];
  const problem: ProblemReport = (field, code, message) =>
    void problems.push({ location: ASYNC_LOCATION, field, code, message });
  if (typeof options !== 'object' || options === null) {
    problem(
      'options',
      'option_invalid',
      `must be an object with one of ${ASYNC_FORMS.join(', ')}, not ${describeValue(options)}`,
    );
    return problems;
  }
  for (const field of Object.keys(options)) {
    if (!ASYNC_FIELDS.has(field)) {
      problem(field, 'option_unknown', `unknown forRootAsync() option (known: ${[...ASYNC_FIELDS].join(', ')})`);
    }
  }
  const forms = ASYNC_FORMS.filter((form) => options[form] !== undefined);
  if (forms.length !== 1) {
    const given = forms.length === 0 ? 'none' : forms.join(', ');
    problem(ASYNC_FORMS.join(' | '), 'option_invalid', `give exactly one of them (given: ${given})`);
  }
  if (options.useFactory !== undefined && typeof options.useFactory !== 'function') {
    problem('useFactory', 'option_invalid', 'must be a function');
  }
  if (options.useClass !== undefined && typeof options.useClass !== 'function')
    problem('useClass', 'option_invalid', 'must be a class');
  if (options.useExisting === null) problem('useExisting', 'option_invalid', 'must be an injection token');
  if (options.inject !== undefined && options.useFactory === undefined) {
    problem(
      'inject',
      'option_invalid',
      'only useFactory takes inject: a useClass or useExisting provider gets its dependencies through its constructor',
    );
  }
  for (const field of ['imports', 'inject', 'extraProviders'] as const) {
    if (options[field] !== undefined && !Array.isArray(options[field]))
      problem(field, 'option_invalid', 'must be a list');
  }
  return problems;
}

/**
 * Checks what a `forRootAsync()` factory, class or existing provider gave: the options must be
 * an object before anything else reads them. `form` is the option that built them; `source`
 * says who returned them, for the message.
 */
export function validateAsyncResult(
  options: unknown,
  form: (typeof ASYNC_FORMS)[number],
  source: string,
): CorsConfigurationProblem[] {
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) return [];
  const message = `${source} returned ${describeValue(options)}: it must return the module options, an object`;
  return [{ location: ASYNC_LOCATION, field: form, code: 'option_invalid', message }];
}

/** Checks that the provider `useClass` or `useExisting` names can build options (`name`: its token). */
export function validateOptionsFactory(
  factory: unknown,
  form: 'useClass' | 'useExisting',
  name: string,
): CorsConfigurationProblem[] {
  if (typeof (factory as { createCorsOptions?: unknown } | null | undefined)?.createCorsOptions === 'function')
    return [];
  const message = `${name} has no createCorsOptions() method: it must implement CorsOptionsFactory`;
  return [{ location: ASYNC_LOCATION, field: form, code: 'option_invalid', message }];
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
