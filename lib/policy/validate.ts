import { isSafe } from 'redos-detector';
import { getPublicSuffix } from 'tldts';
import type {
  CorsDangerouslyAllow,
  CorsModuleAsyncOptions,
  CorsModuleOptions,
  CorsPolicy,
} from '../cors-module-options.js';
import type { CorsConfigurationProblem, CorsConfigurationProblemCode } from './configuration-error.js';
import { isForbiddenMethod, isForbiddenRequestHeader, isForbiddenResponseHeader, isToken } from './http-tokens.js';
import { MAX_VERDICT_TTL } from './origin-verdict-cache.js';
import { isLoopbackOrigin, parseOrigin, type ParsedOrigin } from './serialized-origin.js';

/** Chromium caps `Access-Control-Max-Age` at two hours; more is honoured by Firefox only. */
export const CHROMIUM_MAX_AGE_CAP = 7200;
/** Firefox's cap, and ours: a day is as long as a preflight result should live. */
const MAX_AGE_LIMIT = 86400;

const KNOWN_FIELDS = new Set([
  'origins',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'credentials',
  'maxAge',
  'allowPrivateNetwork',
  'dangerouslyAllow',
  'originsCache',
]);

export interface ValidationResult {
  readonly problems: readonly CorsConfigurationProblem[];
  /** Legal but probably not what was meant; logged at bootstrap. */
  readonly warnings: readonly CorsConfigurationProblem[];
}

/** A problem before it is given a location: what the checks of one list find. */
type Finding = Omit<CorsConfigurationProblem, 'location'>;

/**
 * Checks effective policies against every configuration rule and reports all problems found,
 * each with its field. Nothing is thrown here: the caller collects the problems of every route
 * and throws one error.
 *
 * Routes share their lists (a controller's origins serve all its handlers, a named policy's
 * serve every route that uses it), and checking an origin means parsing it as a URL: one
 * validator checks each list once, by identity, however many routes it reaches.
 */
export class PolicyValidator {
  /**
   * Findings by context (field, credentials), then by {@link contentKey}. A plain `Map`: a
   * validator lives for one bootstrap, and weak maps cost the garbage collector more than they
   * would save.
   */
  private readonly memo = new Map<string, Map<unknown, readonly Finding[]>>();
  private readonly contentKeys = new Map<object, unknown>();

  /**
   * @param requireOrigins whether a policy without origins is a problem: yes for a route's, no
   *   for a named policy checked on its own (a handler may still give the origins).
   */
  validate(
    policy: CorsPolicy,
    location: string,
    { requireOrigins }: { readonly requireOrigins: boolean },
  ): ValidationResult {
    const findings: Finding[] = [];
    const credentials = policy.credentials === true;
    const hatches = hatchesOf(policy.dangerouslyAllow, findings);

    for (const field of Object.keys(policy)) {
      if (!KNOWN_FIELDS.has(field)) {
        findings.push({
          field,
          code: 'field_unknown',
          message: `unknown policy field (known: ${[...KNOWN_FIELDS].join(', ')})`,
        });
      }
    }
    if (policy.credentials !== undefined && typeof policy.credentials !== 'boolean') {
      findings.push({ field: 'credentials', code: 'field_invalid', message: 'must be true or false' });
    }
    if (policy.allowPrivateNetwork !== undefined && typeof policy.allowPrivateNetwork !== 'boolean') {
      findings.push({ field: 'allowPrivateNetwork', code: 'field_invalid', message: 'must be true or false' });
    }
    // Unset lists need no checking, but for origins, which a route must have.
    if (policy.origins !== undefined || requireOrigins) this.check(findings, 'origins', policy.origins, credentials);
    if (policy.methods !== undefined) this.check(findings, 'methods', policy.methods, false);
    if (policy.allowedHeaders !== undefined) this.check(findings, 'allowedHeaders', policy.allowedHeaders, credentials);
    if (policy.exposedHeaders !== undefined) this.check(findings, 'exposedHeaders', policy.exposedHeaders, credentials);
    const { originsCache } = policy;
    if (originsCache !== undefined && originsCache !== false) {
      const report: Report = (field, code, message) => void findings.push({ field, code, message });
      validateOriginsCache(originsCache, policy.origins, report);
    }

    const warnings: CorsConfigurationProblem[] = [];
    const { maxAge } = policy;
    if (maxAge !== undefined) {
      if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_AGE_LIMIT) {
        const message = `must be a whole number of seconds from 0 to ${MAX_AGE_LIMIT}`;
        findings.push({ field: 'maxAge', code: 'max_age_invalid', message });
      } else if (maxAge > CHROMIUM_MAX_AGE_CAP) {
        const message = `${maxAge}s is above Chromium's cap of ${CHROMIUM_MAX_AGE_CAP}s; Chromium uses ${CHROMIUM_MAX_AGE_CAP}s`;
        warnings.push({ location, field: 'maxAge', code: 'max_age_capped', message });
      }
    }
    const refused =
      hatches.size === 0
        ? findings
        : applyHatches(findings, hatches, requireOrigins, (field, code, message) =>
            warnings.push({ location, field, code, message }),
          );
    return {
      problems: refused.length === 0 ? NONE : refused.map((finding) => ({ location, ...finding })),
      warnings: warnings.length === 0 ? NONE : warnings,
    };
  }

  /**
   * Adds what the rules of `field` find in `value` to `findings`: computed once per value (by
   * identity for lists), field and credentials, as nothing else changes the findings.
   */
  private check(findings: Finding[], field: ListField, value: unknown, credentials: boolean): void {
    const context = credentials ? WITH_CREDENTIALS[field] : field;
    let byValue = this.memo.get(context);
    if (byValue === undefined) this.memo.set(context, (byValue = new Map<unknown, readonly Finding[]>()));
    const key = this.contentKey(value);
    let found = byValue.get(key);
    if (found === undefined) {
      const fresh: Finding[] = [];
      LIST_RULES[field](value, credentials, (name, code, message) => void fresh.push({ field: name, code, message }));
      byValue.set(key, (found = fresh));
    }
    for (const finding of found) findings.push(finding);
  }

  /**
   * What identifies a value's findings: for a string, or a list of strings only (the common
   * case, and equal lists are often separate objects), its content; for anything else, the
   * value itself. Prefixed, so that no string can pass for a list.
   */
  private contentKey(value: unknown): unknown {
    if (typeof value === 'string') return `string:${value}`;
    if (!Array.isArray(value)) return value;
    let key = this.contentKeys.get(value);
    if (key === undefined) {
      key = value.every((entry) => typeof entry === 'string') ? `list:${JSON.stringify(value)}` : value;
      this.contentKeys.set(value, key);
    }
    return key;
  }
}

/** Shared, never written: most policies have no problems and no warnings. */
const NONE: readonly CorsConfigurationProblem[] = Object.freeze([]);

type ListField = 'origins' | 'methods' | 'allowedHeaders' | 'exposedHeaders';
const WITH_CREDENTIALS: Readonly<Record<ListField, string>> = {
  origins: 'origins+credentials',
  methods: 'methods+credentials',
  allowedHeaders: 'allowedHeaders+credentials',
  exposedHeaders: 'exposedHeaders+credentials',
};

const LIST_RULES: Readonly<Record<ListField, (value: unknown, credentials: boolean, problem: Report) => void>> = {
  origins: (value, credentials, problem) => validateOrigins(value as CorsPolicy['origins'], credentials, problem),
  methods: (value, _credentials, problem) => validateMethods(value, problem),
  allowedHeaders: (value, credentials, problem) =>
    validateHeaderList('allowedHeaders', value, credentials, problem, (name) =>
      isForbiddenRequestHeader(name) ? 'is a forbidden request header: browsers never let scripts send it' : undefined,
    ),
  exposedHeaders: (value, credentials, problem) =>
    validateHeaderList('exposedHeaders', value, credentials, problem, (name) =>
      isForbiddenResponseHeader(name) ? 'is a forbidden response header: browsers never expose it' : undefined,
    ),
};

/** Records one problem of a field: the rule it breaks, and what to tell a person. */
type Report = (field: string, code: CorsConfigurationProblemCode, message: string) => void;

type Hatch = keyof CorsDangerouslyAllow;

/**
 * The escape hatches of `dangerouslyAllow`: the one rule each switches off, and what a policy
 * that needs none of it lacks. Each lets through only what its rule refuses, so that a hatch
 * cannot hide another mistake.
 */
const HATCHES: Readonly<Record<Hatch, { readonly relaxes: CorsConfigurationProblemCode; readonly lacking: string }>> = {
  portWildcardOnAnyHost: {
    relaxes: 'origin_port_wildcard_not_loopback',
    lacking: 'no port wildcard on a host that is not loopback',
  },
  credentialsOverPlainHttp: {
    relaxes: 'origin_insecure_credentialed',
    lacking: 'no plain-http origin but loopback ones with credentials',
  },
  wildcardUnderPublicSuffix: {
    relaxes: 'origin_public_suffix_wildcard',
    lacking: 'no wildcard directly under a public suffix',
  },
};
const HATCH_NAMES = Object.keys(HATCHES) as Hatch[];
const HATCH_BY_RULE: ReadonlyMap<CorsConfigurationProblemCode, Hatch> = new Map(
  HATCH_NAMES.map((name) => [HATCHES[name].relaxes, name]),
);
const NO_HATCHES: ReadonlySet<Hatch> = new Set();

/** The hatches `dangerouslyAllow` sets, adding what is wrong with it to `findings`. */
function hatchesOf(value: unknown, findings: Finding[]): ReadonlySet<Hatch> {
  if (value === undefined) return NO_HATCHES;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const message = `must be an object of escape hatches, each true: ${HATCH_NAMES.join(', ')}`;
    findings.push({ field: 'dangerouslyAllow', code: 'field_invalid', message });
    return NO_HATCHES;
  }
  const hatches = new Set<Hatch>();
  for (const [name, on] of Object.entries(value)) {
    const field = `dangerouslyAllow.${name}`;
    if (!Object.hasOwn(HATCHES, name)) {
      const message = `unknown escape hatch (known: ${HATCH_NAMES.join(', ')})`;
      findings.push({ field, code: 'field_unknown', message });
    } else if (on === true) hatches.add(name as Hatch);
    else if (on !== undefined) findings.push({ field, code: 'field_invalid', message: 'must be true, or left out' });
  }
  return hatches;
}

/**
 * The findings left once `hatches` have let through what their rules refuse, each of which is
 * reported as a warning instead, naming the hatch. A hatch that lets nothing through is a
 * warning too, but only for a route's policy (`judgeUnused`): a named policy checked on its own
 * may get its origins or credentials from a handler.
 */
function applyHatches(
  findings: readonly Finding[],
  hatches: ReadonlySet<Hatch>,
  judgeUnused: boolean,
  warn: Report,
): Finding[] {
  const used = new Set<Hatch>();
  const left = findings.filter((finding) => {
    const hatch = HATCH_BY_RULE.get(finding.code);
    if (hatch === undefined || !hatches.has(hatch)) return true;
    used.add(hatch);
    warn(finding.field, 'origin_dangerously_allowed', `${finding.message} (let through by dangerouslyAllow.${hatch})`);
    return false;
  });
  if (judgeUnused) {
    for (const hatch of hatches) {
      if (used.has(hatch)) continue;
      const message = `nothing needs it: the policy has ${HATCHES[hatch].lacking}; remove it, so that the check guards the next origin added`;
      warn(`dangerouslyAllow.${hatch}`, 'dangerously_allow_unneeded', message);
    }
  }
  return left;
}

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
  const problem: Report = (field, code, message) =>
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
  const problem: Report = (field, code, message) =>
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

const CACHE_FIELDS = new Set(['ttl', 'negativeTtl', 'max']);

/** Checks `originsCache` (unless `false`, which switches an inherited one off). */
function validateOriginsCache(cache: unknown, origins: CorsPolicy['origins'], problem: Report): void {
  // A named policy checked on its own may leave origins to its handlers: only static ones are wrong.
  if (origins !== undefined && typeof origins !== 'function') {
    problem(
      'originsCache',
      'origins_cache_without_callback',
      'keeps the verdicts of an origins callback, but the origins here are static; ' +
        'remove it, or set `originsCache: false` where a list replaces an inherited callback',
    );
  }
  if (typeof cache !== 'object' || cache === null || Array.isArray(cache)) {
    problem('originsCache', 'origins_cache_invalid', 'must be { ttl, negativeTtl?, max? } or false');
    return;
  }
  for (const key of Object.keys(cache)) {
    if (!CACHE_FIELDS.has(key))
      problem(`originsCache.${key}`, 'origins_cache_invalid', `unknown field (known: ${[...CACHE_FIELDS].join(', ')})`);
  }
  const { ttl, negativeTtl, max } = cache as Record<string, unknown>;
  const isLifetime = (value: unknown, min: number): boolean =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_VERDICT_TTL;
  if (!isLifetime(ttl, 1)) {
    const message = `must be a whole number of milliseconds from 1 to ${MAX_VERDICT_TTL} (a day)`;
    problem('originsCache.ttl', 'origins_cache_invalid', message);
  }
  if (negativeTtl !== undefined && !isLifetime(negativeTtl, 0)) {
    const message = `must be a whole number of milliseconds from 0 (keep no refusal) to ${MAX_VERDICT_TTL} (a day)`;
    problem('originsCache.negativeTtl', 'origins_cache_invalid', message);
  }
  if (max !== undefined && !(typeof max === 'number' && Number.isSafeInteger(max) && max >= 1))
    problem('originsCache.max', 'origins_cache_invalid', 'must be a whole number of verdicts, 1 or more');
}

function validateOrigins(origins: CorsPolicy['origins'], credentials: boolean, problem: Report): void {
  if (origins === undefined) {
    problem(
      'origins',
      'origins_missing',
      'no origins: set them on the handler, the controller, the named policy or in `defaults`',
    );
    return;
  }
  if (typeof origins === 'function') return;
  if (origins === '*') {
    if (credentials) {
      problem(
        'origins',
        'origin_prohibited',
        "'*' cannot be used with credentials: browsers refuse `Access-Control-Allow-Origin: *` on credentialed requests (Fetch standard, CORS check); list the origins",
      );
    }
    return;
  }
  const entries = Array.isArray(origins) ? origins : [origins];
  const single = !Array.isArray(origins);
  if (entries.length === 0)
    problem('origins', 'origins_empty', 'an empty list allows no origin; use @Cors(false) to switch CORS off');
  entries.forEach((entry: unknown, index) => {
    const field = single ? 'origins' : `origins[${index}]`;
    if (entry instanceof RegExp) validateRegExp(entry, field, problem);
    else if (typeof entry !== 'string') problem(field, 'origin_type_invalid', 'must be an origin string or a RegExp');
    else if (entry === '*') problem(field, 'origin_wildcard_in_list', "'*' must stand alone, not in a list");
    else if (entry === 'null') return;
    else validateOriginString(entry, field, credentials, problem);
  });
}

function validateOriginString(entry: string, field: string, credentials: boolean, problem: Report): void {
  if (entry.endsWith(':*')) return validatePortWildcard(entry, field, credentials, problem);
  const isPattern = entry.includes('*');
  if (isPattern && !/^[a-z][a-z0-9+.-]*:\/\/\*\.[^*]+$/.test(entry)) {
    problem(
      field,
      'origin_pattern_invalid',
      `'${entry}': a wildcard pattern has exactly one '*', as the whole leftmost label ('https://*.example.com') or the whole port ('http://localhost:*')`,
    );
    return;
  }
  if (isPattern && /^[^:]+:\/\/\*\.(\[|[0-9.]+(:\d+)?$)/.test(entry)) {
    problem(
      field,
      'origin_pattern_ip_address',
      `'${entry}': a wildcard pattern needs a domain name, not an IP address`,
    );
    return;
  }
  const parsed = parseOrigin(isPattern ? entry.replace('://*.', '://x.') : entry);
  if (parsed === undefined) {
    problem(field, 'origin_invalid', `'${entry}' is not an origin: ${explainMalformedOrigin(entry)}`);
    return;
  }
  if (isPattern) {
    const apex = parsed.host.slice(2);
    if (apex !== 'localhost' && getPublicSuffix(apex, { allowPrivateDomains: true }) === apex) {
      problem(
        field,
        'origin_public_suffix_wildcard',
        `'${entry}' matches every site under the public suffix '${apex}'; name your own domain`,
      );
    }
  }
  if (credentials)
    validateCredentialedScheme(entry, isPattern ? { ...parsed, host: parsed.host.slice(2) } : parsed, field, problem);
}

/**
 * A port wildcard, `scheme://host:*`: the origin before `:*` with any port or none. Meant for
 * development servers on the developer's own machine, whose ports change from run to run; on
 * any other host it would let every service there read responses, whatever it is. A subdomain
 * wildcard does not combine with it: `http://*.localhost:*` would match nearly anything local.
 */
function validatePortWildcard(entry: string, field: string, credentials: boolean, problem: Report): void {
  const origin = entry.slice(0, -2);
  if (origin.includes('*')) {
    problem(
      field,
      'origin_pattern_invalid',
      `'${entry}': a port wildcard takes one exact host; a subdomain wildcard and a port wildcard do not combine`,
    );
    return;
  }
  const parsed = parseOrigin(origin);
  if (parsed === undefined) {
    problem(
      field,
      'origin_invalid',
      `'${entry}' is not an origin with a port wildcard: ${explainMalformedOrigin(origin)}`,
    );
    return;
  }
  if (parsed.port !== '') {
    problem(
      field,
      'origin_pattern_invalid',
      `'${entry}': '*' stands for the whole port, as in '${parsed.scheme}://${parsed.host}:*'`,
    );
    return;
  }
  if (!isLoopbackOrigin(parsed)) {
    problem(
      field,
      'origin_port_wildcard_not_loopback',
      `'${entry}' allows every port of '${parsed.host}', which is not a loopback host: every service there could read responses; list its ports`,
    );
  }
  if (credentials) validateCredentialedScheme(entry, parsed, field, problem);
}

/** Plain `http` with credentials only on loopback, where no network path lies between. */
function validateCredentialedScheme(entry: string, origin: ParsedOrigin, field: string, problem: Report): void {
  if (origin.scheme === 'http' && !isLoopbackOrigin(origin)) {
    problem(
      field,
      'origin_insecure_credentialed',
      `'${entry}' is plain http with credentials: anyone on the network path can impersonate it; use https`,
    );
  }
}

function explainMalformedOrigin(entry: string): string {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(entry)) return "it has no scheme (write 'https://host')";
  if (entry !== entry.toLowerCase()) return 'browsers send origins in lowercase';
  const rest = entry.slice(entry.indexOf('://') + 3);
  if (rest.includes('@')) return 'an origin has no user information';
  if (rest.endsWith('/')) return 'an origin has no trailing slash';
  if (/[/?#]/.test(rest)) return 'an origin has no path, query or fragment';
  if (/^(https:\/\/[^/]+:443|http:\/\/[^/]+:80)$/.test(entry))
    return 'browsers never spell the default port out; drop it';
  return 'expected scheme://host[:port]';
}

function validateRegExp(regexp: RegExp, field: string, problem: Report): void {
  const { source, flags } = regexp;
  if (/[gy]/.test(flags)) {
    problem(
      field,
      'origin_stateful',
      `${regexp} has the '${flags.replace(/[^gy]/g, '')}' flag, which makes RegExp.test stateful: remove it`,
    );
  }
  const endsAnchored = source.endsWith('$') && !/(^|[^\\])(\\\\)*\\\$$/.test(source);
  if (!source.startsWith('^') || !endsAnchored) {
    problem(
      field,
      'origin_unanchored',
      `${regexp} is not anchored: without '^' and '$', 'https://app.example.com.evil.org' matches too`,
    );
  }
  if (new RegExp(source, flags.replace(/[gy]/g, '')).test('null')) {
    problem(field, 'origin_matches_null', `${regexp} matches the 'null' origin: list 'null' literally if you mean it`);
  }
  const backtracking = catastrophicBacktracking(regexp);
  if (backtracking !== undefined) problem(field, 'origin_backtracking', `${regexp} ${backtracking}`);
}

/**
 * The most paths redos-detector may explore before it gives up on a RegExp (half its default):
 * the anchored patterns origins call for stay well under it, and a RegExp it gives up on is
 * refused, which bounds what one RegExp can cost a bootstrap.
 */
const REDOS_MAX_STEPS = 10_000;

/** Verdicts by `/source/flags`: equal RegExps of many routes are checked once per process. */
const backtrackingVerdicts = new Map<string, string | undefined>();

/**
 * Why `regexp` may backtrack catastrophically, or `undefined` when it cannot. `RegExp.test` runs
 * on the event loop, and origins are cut at `MAX_ORIGIN_LENGTH` (300) before any RegExp sees
 * them, but that is no bound for `(a+)+`, whose work doubles with every `a` it fails on. So
 * a RegExp whose worst case the checker cannot bound, or that it cannot read, is refused.
 * redos-detector (pure JavaScript, synchronous) counts the ways an input can be matched; more
 * than its default maximum (200) is unsafe, which takes in polynomial backtracking such as
 * `.*example.*` as well as exponential. It errs on the safe side: a few patterns that backtrack
 * only linearly are refused too, e.g. `(?:[a-z0-9-]+\.)*[a-z]+\.example\.com`.
 */
function catastrophicBacktracking(regexp: RegExp): string | undefined {
  const key = String(regexp);
  if (backtrackingVerdicts.has(key)) return backtrackingVerdicts.get(key);
  let verdict: string | undefined;
  try {
    const result = isSafe(new RegExp(withoutGroupNames(regexp.source), regexp.flags), { maxSteps: REDOS_MAX_STEPS });
    if (result.error === 'hitMaxSteps') {
      verdict =
        `may backtrack catastrophically: it can match an input in too many ways for the checker to rule that out within ${REDOS_MAX_STEPS} steps ` +
        '(overlapping alternatives or quantifiers, as in (a|a)* or (a|aa)+); simplify it, or list the origins or a wildcard pattern';
    } else if (!result.safe) {
      verdict =
        'can backtrack catastrophically: some inputs match it in ever more ways as they grow (nested or overlapping quantifiers, as in (a+)+, ([a-z]+)* or .*x.*), ' +
        'and a crafted origin keeps the event loop busy; ' +
        'let every character match one way only, e.g. /^https:\\/\\/[a-z0-9-]+\\.example\\.com$/';
    }
  } catch (error) {
    verdict = `cannot be checked for catastrophic backtracking (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): rewrite it, or list the origins`;
  }
  backtrackingVerdicts.set(key, verdict);
  return verdict;
}

/**
 * The parts of a RegExp source that number capturing groups, in order: a `\k<name>` reference,
 * another escape, a character class, a named group's opening, a plain capturing group's opening;
 * everything else is passed over.
 */
const GROUP_TOKENS = /\\k<([^>]+)>|\\[^]|\[(?:\\[^]|[^\]\\])*\]|\(\?<([^=!>][^>]*)>|\((?!\?)|[^\\[(]+|[^]/g;

/**
 * `source` with its named groups unnamed and their `\k<name>` references numbered: the same
 * RegExp to a backtracking engine, spelled for the checker's parser, which knows no group
 * names. A reference becomes `(?:\N)`, so that a digit after it stays a digit.
 */
function withoutGroupNames(source: string): string {
  if (!source.includes('(?<')) return source;
  const numbers = new Map<string, number>();
  let groups = 0;
  for (const [token, , name] of source.matchAll(GROUP_TOKENS)) {
    if (name !== undefined) numbers.set(name, ++groups);
    else if (token === '(') groups++;
  }
  return source.replace(GROUP_TOKENS, (token: string, reference: string | undefined, name: string | undefined) => {
    if (name !== undefined) return '(';
    const number = reference === undefined ? undefined : numbers.get(reference);
    return number === undefined ? token : `(?:\\${number})`;
  });
}

function validateMethods(methods: unknown, problem: Report): void {
  if (methods === undefined) return;
  if (!Array.isArray(methods)) return problem('methods', 'field_invalid', 'must be a list of method names');
  if (methods.length === 0)
    problem(
      'methods',
      'methods_empty',
      'an empty list allows no preflight; leave it unset to allow the methods the route serves',
    );
  methods.forEach((method: unknown, index) => {
    const field = `methods[${index}]`;
    if (typeof method !== 'string' || !isToken(method))
      problem(field, 'method_invalid', `${JSON.stringify(method)} is not a method name`);
    else if (isForbiddenMethod(method))
      problem(field, 'method_forbidden', `'${method}' is a forbidden method: browsers never send it`);
  });
}

function validateHeaderList(
  field: 'allowedHeaders' | 'exposedHeaders',
  value: unknown,
  credentials: boolean,
  problem: Report,
  forbidden: (lowercaseName: string) => string | undefined,
): void {
  if (value === undefined) return;
  if (value === '*') {
    if (credentials)
      problem(
        field,
        'headers_wildcard_credentialed',
        "'*' is taken literally on credentialed requests (Fetch standard): list the headers",
      );
    return;
  }
  if (!Array.isArray(value)) return problem(field, 'field_invalid', "must be a list of header names or '*'");
  value.forEach((name: unknown, index) => {
    const at = `${field}[${index}]`;
    if (typeof name !== 'string' || !isToken(name))
      return problem(at, 'header_name_invalid', `${JSON.stringify(name)} is not a header name`);
    const lower = name.toLowerCase();
    if (name === '*') problem(at, 'header_wildcard_in_list', "'*' must stand alone, not in a list");
    else if (lower.startsWith('access-control-'))
      problem(at, 'header_cors_protocol', `'${name}' is a CORS protocol header, not an application one`);
    else {
      const reason = forbidden(lower);
      if (reason !== undefined) problem(at, 'header_forbidden', `'${name}' ${reason}`);
    }
  });
}
