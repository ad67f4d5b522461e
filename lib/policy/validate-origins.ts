import { isSafe } from 'redos-detector';
import { getPublicSuffix } from 'tldts';
import type { CorsPolicy } from '../cors-module-options.js';
import type { ProblemReport } from './configuration-error.js';
import { MAX_VERDICT_TTL } from './origin-verdict-cache.js';
import { isLoopbackOrigin, parseOrigin, type ParsedOrigin } from './serialized-origin.js';

/*
 * The rules of a policy's origins: exact origins, wildcard and port-wildcard patterns, RegExps
 * (anchored, stateless, never matching `null`, never backtracking catastrophically) and the
 * verdict cache of a callback. `PolicyValidator` runs them once per list.
 */

const CACHE_FIELDS = new Set(['ttl', 'negativeTtl', 'max']);

/** Checks `originsCache` (unless `false`, which switches an inherited one off). */
export function validateOriginsCache(cache: unknown, origins: CorsPolicy['origins'], problem: ProblemReport): void {
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

export function validateOrigins(origins: CorsPolicy['origins'], credentials: boolean, problem: ProblemReport): void {
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

function validateOriginString(entry: string, field: string, credentials: boolean, problem: ProblemReport): void {
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
function validatePortWildcard(entry: string, field: string, credentials: boolean, problem: ProblemReport): void {
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
function validateCredentialedScheme(entry: string, origin: ParsedOrigin, field: string, problem: ProblemReport): void {
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

function validateRegExp(regexp: RegExp, field: string, problem: ProblemReport): void {
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
