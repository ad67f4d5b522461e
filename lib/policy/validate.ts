import type { CorsDangerouslyAllow, CorsPolicy } from '../cors-module-options.js';
import type { CorsConfigurationProblem, CorsConfigurationProblemCode, ProblemReport } from './configuration-error.js';
import { isForbiddenMethod, isForbiddenRequestHeader, isForbiddenResponseHeader, isToken } from './http-tokens.js';
import { validateOrigins, validateOriginsCache } from './validate-origins.js';

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
      const report: ProblemReport = (field, code, message) => void findings.push({ field, code, message });
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

const LIST_RULES: Readonly<Record<ListField, (value: unknown, credentials: boolean, problem: ProblemReport) => void>> =
  {
    origins: (value, credentials, problem) => validateOrigins(value as CorsPolicy['origins'], credentials, problem),
    methods: (value, _credentials, problem) => validateMethods(value, problem),
    allowedHeaders: (value, credentials, problem) =>
      validateHeaderList('allowedHeaders', value, credentials, problem, (name) =>
        isForbiddenRequestHeader(name)
          ? 'is a forbidden request header: browsers never let scripts send it'
          : undefined,
      ),
    exposedHeaders: (value, credentials, problem) =>
      validateHeaderList('exposedHeaders', value, credentials, problem, (name) =>
        isForbiddenResponseHeader(name) ? 'is a forbidden response header: browsers never expose it' : undefined,
      ),
  };

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
  warn: ProblemReport,
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

function validateMethods(methods: unknown, problem: ProblemReport): void {
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
  problem: ProblemReport,
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
