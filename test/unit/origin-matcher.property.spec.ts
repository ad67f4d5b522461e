import fc from 'fast-check';
import type { CorsOriginEntry, CorsRequest } from '../../lib/cors-module-options.js';
import { checkOrigin } from '../../lib/policy/origin-check.js';
import type { OriginMatcher } from '../../lib/policy/origin-matcher.js';
import { base, hostileCandidate, label, port, scheme, wellFormedOrigin } from '../support/origin-arbitraries.js';
import { compilePolicy, validatePolicy } from '../support/policies.js';

/**
 * Property-based tests of origin matching against an independent reference model built on the
 * WHATWG URL parser: an origin is "browser-serialized" when it is exactly what a browser would
 * send for some URL (`new URL(x).origin`-style serialization), with DNS's length limits.
 * Matchers are built as the module builds them: validated, then compiled.
 */

// ---------------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------------

const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss']);

interface RefOrigin {
  readonly scheme: string;
  readonly host: string;
  readonly port: string;
}

/**
 * A host a page can be served from: an IP literal, or a DNS name (RFC 1035/1123) of labels of
 * 1 to 63 letters, digits, hyphens (and underscores, common in practice), 253 in all, without
 * a trailing dot. The URL parser alone also accepts hosts such as `*.example.com` or `a\`b`.
 */
function dnsHost(host: string): boolean {
  if (host.startsWith('[')) return true;
  return host.length <= 253 && host.split('.').every((label) => /^[a-z0-9_-]{1,63}$/.test(label));
}

/**
 * `value` split into scheme, host and port if it is exactly a browser's serialization of an
 * origin, else `undefined`. For a non-special scheme (opaque origin in the URL standard) the
 * authority is parsed as http's or https's, whichever does not take its port as the default.
 */
function refBrowserOrigin(value: string): RefOrigin | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^]*)$/.exec(value);
  if (match === null) return undefined;
  const [, scheme, rest] = match;
  for (const surrogate of SPECIAL_SCHEMES.has(scheme) ? [scheme] : ['http', 'https']) {
    let url: URL;
    try {
      url = new URL(`${surrogate}://${rest}`);
    } catch {
      continue;
    }
    if (`${url.protocol}//${url.host}` !== `${surrogate}://${rest}`) continue;
    // Port 0 parses, but nothing can be served from it.
    return dnsHost(url.hostname) && url.port !== '0' ? { scheme, host: url.hostname, port: url.port } : undefined;
  }
  return undefined;
}

/**
 * Origins the library must accept: browser-serialized, with DNS labels that neither start nor
 * end with a hyphen (RFC 1123). Between this and {@link refBrowserOrigin} the library may
 * refuse (failing closed), e.g. `https://-a.example.com`; it must never accept beyond the latter.
 */
function refStrictOrigin(value: string): RefOrigin | undefined {
  const origin = refBrowserOrigin(value);
  if (origin === undefined || origin.host.startsWith('[')) return origin;
  return origin.host.split('.').every((l) => /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(l)) ? origin : undefined;
}

/** `scheme://*.suffix[:port]`, as the contract defines it: one or more labels, same scheme and port, never the apex. */
function refPatternMatches(pattern: string, value: string): boolean {
  const origin = refBrowserOrigin(value);
  const parsed = /^([a-z][a-z0-9+.-]*):\/\/\*\.([^:]+)(?::([0-9]+))?$/.exec(pattern);
  if (origin === undefined || parsed === null) return false;
  const [, scheme, suffix, port = ''] = parsed;
  return (
    origin.scheme === scheme &&
    origin.port === port &&
    origin.host.endsWith(`.${suffix}`) &&
    origin.host.length > suffix.length + 1
  );
}

/** `scheme://host:*`, as the contract defines it: that scheme and host, with any port a browser sends, or none. */
function refPortWildcardMatches(pattern: string, value: string): boolean {
  const origin = refBrowserOrigin(value);
  const parsed = /^([a-z][a-z0-9+.-]*):\/\/(.+):\*$/.exec(pattern);
  return origin !== undefined && parsed !== null && origin.scheme === parsed[1] && origin.host === parsed[2];
}

/** What a validated allow-list should allow: exact strings byte for byte, patterns and RegExps on browser-serialized origins only. */
function refMatches(entries: readonly CorsOriginEntry[], value: string): boolean {
  return entries.some((entry) => {
    if (entry instanceof RegExp)
      return refBrowserOrigin(value) !== undefined && new RegExp(entry.source, entry.flags).test(value);
    if (entry.endsWith(':*')) return refPortWildcardMatches(entry, value);
    if (entry.includes('://*.')) return refPatternMatches(entry, value);
    return entry === value;
  });
}

// ---------------------------------------------------------------------------------------------
// Building matchers as the module does
// ---------------------------------------------------------------------------------------------

function isValidEntryList(entries: readonly CorsOriginEntry[]): boolean {
  return entries.length > 0 && validatePolicy({ origins: entries }, 'property').problems.length === 0;
}

function matcherFor(entries: readonly CorsOriginEntry[]): OriginMatcher {
  const { problems } = validatePolicy({ origins: entries }, 'property');
  if (problems.length > 0) throw new Error(`generated an invalid allow-list: ${JSON.stringify(problems)}`);
  return compilePolicy({ origins: entries }).origins;
}

// ---------------------------------------------------------------------------------------------
// Allow-list entries, built and validated as the module does
// ---------------------------------------------------------------------------------------------

const exactEntry = wellFormedOrigin.filter((o) => isValidEntryList([o]));
const pattern = fc
  .tuple(scheme, fc.array(label, { maxLength: 2 }), base, port)
  .map(([s, labels, b, p]) => `${s}://*.${[...labels, b].join('.')}${p === '' ? '' : `:${p}`}`)
  .filter((p) => isValidEntryList([p]));
/** Port wildcards on the loopback hosts validation lets them have. */
const loopback = fc.constantFrom('localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'app.localhost');
const portWildcard = fc
  .tuple(fc.constantFrom('http', 'https', 'ws'), loopback)
  .map(([s, h]) => `${s}://${h}:*`)
  .filter((p) => isValidEntryList([p]));
/** Anchored RegExps of the kinds people write, from narrow to very permissive; all pass validation. */
const regexp = fc.constantFrom(
  /^https:\/\/app\.example\.com$/,
  /^https:\/\/app\.example\.com$/i,
  /^https:\/\/[a-z0-9-]+\.example\.com$/,
  /^https:\/\/(?:[a-z0-9-]+\.)*partner\.example\.com(?::\d+)?$/,
  /^https?:\/\/localhost:\d+$/,
  /^https:\/\/.+\.example\.org$/,
  /^[a-z+.-]+:\/\/[^.]+\..+$/,
  /^[^:]+:\/\/.+$/u,
  /^https:\/\/[a-z0-9.-]+\.example\.(?:com|org)$/,
  /^(?:wss|https):\/\/[^.]+\.example\.com:8443$/,
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

/** An allow-list and hostile candidates near it (shrinkable together). */
function withCandidates<E extends readonly CorsOriginEntry[]>(
  entries: fc.Arbitrary<E>,
  near: (entries: E) => fc.Arbitrary<string>,
): fc.Arbitrary<[E, string[]]> {
  return entries.chain((list) =>
    fc.tuple(fc.constant(list), fc.array(hostileCandidate(near(list)), { minLength: 1, maxLength: 25 })),
  );
}

/** A valid list of exact origins, patterns and RegExps, with hostile candidates near its entries. */
function mixedListWithCandidates(minLength: number): fc.Arbitrary<[CorsOriginEntry[], string[]]> {
  const entries = fc
    .array(fc.oneof(exactEntry, pattern, portWildcard, regexp), { minLength, maxLength: 6 })
    .filter(isValidEntryList);
  return withCandidates(entries, (list) =>
    fc.constantFrom(
      ...list.map((e) =>
        e instanceof RegExp
          ? 'https://app.example.com'
          : e.endsWith(':*')
            ? e.replace('*', '3000')
            : e.replace('*', 'sub'),
      ),
    ),
  );
}

describe('origin matcher (property-based, against a WHATWG URL reference model)', () => {
  it('sanity: the reference model tells browser-serialized origins from the rest', () => {
    expect(refBrowserOrigin('https://app.example.com')).toEqual({ scheme: 'https', host: 'app.example.com', port: '' });
    expect(refBrowserOrigin('chrome-extension://abc:443')).toEqual({
      scheme: 'chrome-extension',
      host: 'abc',
      port: '443',
    });
    for (const not of [
      'https://APP.example.com',
      'https://app.example.com/',
      'https://app.example.com:443',
      'https://u@app.example.com',
      'https://b\u00fccher.example',
      'https://a..b',
      'https://0x7f.1',
      'null',
    ]) {
      expect(refBrowserOrigin(not)).toBeUndefined();
    }
    expect(refPatternMatches('https://*.example.com', 'https://a.b.example.com')).toBe(true);
    expect(refPatternMatches('https://*.example.com', 'https://example.com')).toBe(false);
  });

  it('matches exact origins byte for byte, and nothing else', () => {
    fc.assert(
      fc.property(
        withCandidates(fc.array(exactEntry, { minLength: 1, maxLength: 4 }), (entries) => fc.constantFrom(...entries)),
        ([entries, candidates]) => {
          const matcher = matcherFor(entries);
          for (const entry of entries) expect(matcher.matches(entry)).toBe(true);
          for (const candidate of candidates) {
            expect([candidate, matcher.matches(candidate)]).toEqual([candidate, entries.includes(candidate)]);
          }
        },
      ),
      RUNS,
    );
  });

  it('matches a wildcard pattern exactly on one or more labels under its suffix, same scheme and port, never the apex (well-formed origins)', () => {
    /** Origins near a pattern: under it (one or two labels), its apex, another scheme, another port. */
    const nearPattern = (patterns: readonly string[]): fc.Arbitrary<string> =>
      fc
        .tuple(
          fc.constantFrom(...patterns),
          label,
          fc.constantFrom<(p: string, l: string) => string>(
            (p, l) => p.replace('*', l),
            (p, l) => p.replace('*', `${l}.${l}`),
            (p) => p.replace('://*.', '://'),
            (p, l) => p.replace('*', l).replace(/^[a-z+.-]+:/, 'https:'),
            (p, l) => p.replace('*', l).replace(/^[a-z+.-]+:/, 'http:'),
            (p, l) => `${p.replace('*', l).replace(/:[0-9]+$/, '')}:8443`,
            (p, l) => p.replace('*', l).replace(/:[0-9]+$/, ''),
          ),
        )
        .map(([p, l, f]) => f(p, l));
    fc.assert(
      fc.property(
        fc
          .array(pattern, { minLength: 1, maxLength: 3 })
          .chain((patterns) =>
            fc.tuple(
              fc.constant(patterns),
              fc.array(fc.oneof(nearPattern(patterns), wellFormedOrigin), { minLength: 1, maxLength: 20 }),
            ),
          ),
        ([patterns, candidates]) => {
          const matcher = matcherFor(patterns);
          for (const candidate of candidates) {
            expect([candidate, matcher.matches(candidate)]).toEqual([candidate, refMatches(patterns, candidate)]);
          }
        },
      ),
      RUNS,
    );
  });

  it("never matches a wildcard pattern's apex, or an origin that is not browser-serialized (hostile origins)", () => {
    fc.assert(
      fc.property(
        withCandidates(fc.array(pattern, { minLength: 1, maxLength: 3 }), (patterns) =>
          fc.tuple(fc.constantFrom(...patterns), label).map(([p, l]) => p.replace('*', l)),
        ),
        ([patterns, candidates]) => {
          const matcher = matcherFor(patterns);
          for (const p of patterns) {
            const apex = p.replace('://*.', '://');
            expect(matcherFor([p]).matches(apex)).toBe(false);
            // Another, shorter pattern of the list may cover it.
            expect([apex, matcher.matches(apex)]).toEqual([apex, refMatches(patterns, apex)]);
          }
          for (const candidate of candidates) {
            if (matcher.matches(candidate))
              expect([candidate, refMatches(patterns, candidate)]).toEqual([candidate, true]);
          }
        },
      ),
      RUNS,
    );
  });

  it('matches a port wildcard exactly on its scheme and host, with any port a browser sends or none', () => {
    /** Origins near a port wildcard: any port, none, the default spelled out, another scheme or host. */
    const nearPortWildcard = (patterns: readonly string[]): fc.Arbitrary<string> =>
      fc
        .tuple(fc.constantFrom(...patterns), fc.integer({ min: 0, max: 70_000 }), label)
        .chain(([p, n, l]) =>
          fc.constantFrom(
            p.replace('*', String(n)),
            p.replace(':*', ''),
            p.replace('*', '80'),
            p.replace('*', '443'),
            p.replace('*', `0${n}`),
            p.replace(/^[a-z]+:/, 'https:').replace('*', String(n)),
            p.replace(':*', `.${l}.example:${n}`),
            p.replace('://', `://${l}.`).replace('*', String(n)),
            p.replace('://', `://${l}`).replace(':*', ''),
          ),
        );
    fc.assert(
      fc.property(
        withCandidates(fc.array(portWildcard, { minLength: 1, maxLength: 3 }), nearPortWildcard),
        ([patterns, candidates]) => {
          const matcher = matcherFor(patterns);
          for (const candidate of candidates) {
            expect([candidate, matcher.matches(candidate)]).toEqual([candidate, refMatches(patterns, candidate)]);
          }
        },
      ),
      RUNS,
    );
  });

  it('matches RegExps only against browser-serialized origins, and exactly as the RegExp says on those', () => {
    const near = fc.constantFrom(
      'https://app.example.com',
      'https://a.partner.example.com:8443',
      'http://localhost:3000',
      'wss://x.example.com:8443',
      'https://www.example.org',
    );
    fc.assert(
      fc.property(
        withCandidates(fc.array(regexp, { minLength: 1, maxLength: 3 }), () => near),
        ([regexps, candidates]) => {
          const matcher = matcherFor(regexps);
          for (const candidate of candidates) {
            const matches = matcher.matches(candidate);
            // Never beyond the model; exactly the model on strictly well-formed origins.
            if (matches) expect([candidate, refMatches(regexps, candidate)]).toEqual([candidate, true]);
            if (refStrictOrigin(candidate) !== undefined)
              expect([candidate, matches]).toEqual([candidate, refMatches(regexps, candidate)]);
          }
        },
      ),
      RUNS,
    );
  });

  it('matches a mixed list exactly where one of its entries alone matches', () => {
    fc.assert(
      fc.property(mixedListWithCandidates(2), ([list, candidates]) => {
        const matcher = matcherFor(list);
        const singles = list.map((e) => matcherFor([e]));
        for (const candidate of candidates) {
          expect([candidate, matcher.matches(candidate)]).toEqual([
            candidate,
            singles.some((m) => m.matches(candidate)),
          ]);
        }
      }),
      RUNS,
    );
  });

  it('answers every origin as a fresh matcher does, whatever origins it answered before (it keeps no state)', () => {
    fc.assert(
      fc.property(mixedListWithCandidates(1), ([list, candidates]) => {
        const longLived = matcherFor(list);
        // Twice over, in both orders: an answer must not depend on what was asked before.
        for (const candidate of [...candidates, ...[...candidates].reverse()]) {
          expect([candidate, longLived.matches(candidate)]).toEqual([candidate, matcherFor(list).matches(candidate)]);
        }
      }),
      RUNS,
    );
  });

  it("matches the 'null' origin only when 'null' is listed literally", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.oneof(exactEntry, pattern, portWildcard, regexp), { minLength: 1, maxLength: 5 })
          .filter(isValidEntryList),
        fc.boolean(),
        (entries, listNull) => {
          const matcher = matcherFor(listNull ? [...entries, 'null'] : entries);
          expect(matcher.matches('null')).toBe(listNull);
          expect(matcher.matches('NULL')).toBe(false);
          expect(matcher.matches('null ')).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('gives an origin callback only browser-serialized origins, and allows only on exactly `true`', async () => {
    const request: CorsRequest = { method: 'GET', url: '/', headers: {} };
    /** What callbacks answer, made fresh per run (a rejected promise must not sit unhandled). */
    const answers = fc.constantFrom<{ readonly make: () => unknown; readonly allows: boolean }>(
      { make: () => true, allows: true },
      { make: () => Promise.resolve(true), allows: true },
      { make: () => false, allows: false },
      { make: () => 'true', allows: false },
      { make: () => 1, allows: false },
      { make: () => ({}), allows: false },
      { make: () => null, allows: false },
      { make: () => undefined, allows: false },
      { make: () => Promise.resolve('true'), allows: false },
      { make: () => Promise.reject(new Error('down')), allows: false },
      {
        make: () => {
          throw new Error('down');
        },
        allows: false,
      },
    );
    const candidates = hostileCandidate(fc.constantFrom('https://app.example.com', 'https://t.tenants.example.net'));
    await fc.assert(
      fc.asyncProperty(candidates, answers, async (candidate, answer) => {
        const seen: string[] = [];
        const policy = compilePolicy({
          origins: (origin: string) => {
            seen.push(origin);
            return answer.make() as boolean | Promise<boolean>;
          },
        });
        const verdict = await checkOrigin(policy, candidate, request, 1000);
        // Asked only about browser-serialized origins; about every strictly well-formed one.
        expect(seen.every((o) => o === candidate && refBrowserOrigin(o) !== undefined)).toBe(true);
        if (refStrictOrigin(candidate) !== undefined) expect([candidate, seen]).toEqual([candidate, [candidate]]);
        expect(verdict.allowed).toBe(seen.length === 1 && answer.allows);
      }),
      RUNS,
    );
  });

  // -------------------------------------------------------------------------------------------
  // Regressions: each of these found a bug in the library; the fixed counterexamples stay.
  // -------------------------------------------------------------------------------------------

  /**
   * Hosts the URL parser rewrites or rejects never reach RegExps or origin callbacks, so they
   * can never be reflected: `https://999.999.999.999`, `https://0x7f.1` (browsers send
   * `https://127.0.0.1`), `https://a.123`, `https://xn--a.example.com`,
   * `https://[::ffff:1.2.3.4]` (browsers send `https://[::ffff:102:304]`).
   */
  it('never lets a RegExp or a callback see a host the URL parser would rewrite or reject', async () => {
    const rewritten = fc.constantFrom(
      'https://999.999.999.999',
      'https://0x7f.1',
      'https://127.1',
      'https://010.0.0.1',
      'https://a.123',
      'https://a.example.0x10',
      'https://xn--a.example.com',
      'https://[::ffff:1.2.3.4]',
      'https://[0::1]',
    );
    const request: CorsRequest = { method: 'GET', url: '/', headers: {} };
    fc.assert(
      fc.property(rewritten, (candidate) => {
        expect(refBrowserOrigin(candidate)).toBeUndefined();
        expect(matcherFor([/^https:\/\/.+$/]).matches(candidate)).toBe(false);
      }),
    );
    await fc.assert(
      fc.asyncProperty(rewritten, async (candidate) => {
        const seen: string[] = [];
        await checkOrigin(compilePolicy({ origins: (o: string) => seen.push(o) > 0 }), candidate, request, 1000);
        expect(seen).toEqual([]);
      }),
    );
  });

  /**
   * RegExps of one flag set are joined into one at compile time; joining renumbers capture
   * groups, so RegExps with backreferences or named groups must stay apart. Before they did, a
   * backreference `\1` in a later RegExp pointed into an earlier one. [/^https:\/\/(app)\.example\.com$/,
   * /^https:\/\/([a-z]+)-\1\.example\.com$/] then allows `https://ab-.example.com` (neither
   * RegExp does) and refuses `https://ab-ab.example.com` (the second one allows it). Two
   * RegExps with the same named group make compilation throw a raw SyntaxError at bootstrap.
   */
  it('matches a list of RegExps with backreferences exactly where one of them alone matches', () => {
    const withGroups = fc.constantFrom(
      /^https:\/\/(app)\.example\.com$/,
      /^https:\/\/([a-z]+)-\1\.example\.com$/,
      /^https:\/\/(?<t>[a-z]+)\.\k<t>\.example\.net$/,
      /^https:\/\/(?<t>[a-z]+)-\k<t>\.example\.org$/,
    );
    const candidates = [
      'https://app.example.com',
      'https://ab-ab.example.com',
      'https://ab-.example.com',
      'https://x.x.example.net',
      'https://x-x.example.org',
      'https://x-.example.org',
    ];
    fc.assert(
      fc.property(fc.uniqueArray(withGroups, { minLength: 2, maxLength: 4 }), (regexps) => {
        const singles = regexps.map((r) => matcherFor([r]));
        const matcher = matcherFor(regexps);
        for (const candidate of candidates) {
          expect([candidate, matcher.matches(candidate)]).toEqual([
            candidate,
            singles.some((s) => s.matches(candidate)),
          ]);
        }
      }),
      { examples: [[[/^https:\/\/(app)\.example\.com$/, /^https:\/\/([a-z]+)-\1\.example\.com$/]]] },
    );
  });
});
