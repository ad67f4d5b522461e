import fc from 'fast-check';
import type { CorsPolicy } from '../../lib/cors-module-options.js';
import { compilePolicy } from '../../lib/policy/compile.js';
import {
  MAX_REQUEST_HEADER_ITEMS,
  parseRequestHeaderList,
  readRequestHeaderList,
} from '../../lib/policy/header-list.js';
import { checkPreflightRequest } from '../../lib/policy/preflight.js';
import { validatePolicy } from '../../lib/policy/validate.js';

/**
 * Property-based tests of `Access-Control-Request-Headers` parsing and of the preflight's
 * header decision, against a reference written from RFC 9110: a comma-separated list of
 * tokens, each with optional whitespace (SP, HTAB) around it, empty items ignored.
 */

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** RFC 9110 §5.6.1 and §5.6.2: `#token`, OWS = SP / HTAB. Lowercased; `undefined` if an item is not a token. */
function refParse(value: string): string[] | undefined {
  const names: string[] = [];
  for (const item of value.split(',')) {
    let start = 0;
    let end = item.length;
    while (start < end && (item[start] === ' ' || item[start] === '\t')) start++;
    while (end > start && (item[end - 1] === ' ' || item[end - 1] === '\t')) end--;
    const name = item.slice(start, end);
    if (name === '') continue;
    if (![...name].every((c) => TCHAR.includes(c))) return undefined;
    names.push(name.toLowerCase());
  }
  return names;
}

/**
 * The capped reading the preflight uses: `'too_many'` once there are more than `maxItems` items
 * (empty ones count), unless an item before that is not a token; only the first `maxItems` are read.
 */
function refRead(value: string, maxItems: number): string[] | 'invalid' | 'too_many' {
  const items = value.split(',');
  const names = refParse(items.slice(0, maxItems).join(','));
  if (names === undefined) return 'invalid';
  return items.length > maxItems ? 'too_many' : names;
}

const ows = fc.stringMatching(/^[ \t]{0,3}$/);
const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 12 });
/** Characters that are never part of a token (delimiters, inner whitespace, controls, non-ASCII). */
const nonTokenChar = fc.constantFrom(
  '(',
  ')',
  '/',
  ':',
  ';',
  '<',
  '=',
  '>',
  '?',
  '@',
  '[',
  '\\',
  ']',
  '{',
  '}',
  '"',
  ' ',
  '\u0000',
  '\u007f',
  '\u00e9',
  '\u0131',
  '\u212a',
  '\u00a0',
);
const nonToken = fc.tuple(token, nonTokenChar, token).map(([a, c, b]) => `${a}${c}${b}`);
const item = fc.oneof(
  { weight: 8, arbitrary: token },
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: nonToken },
);
/** Lists as odd clients send them: any case, odd spacing, empty items, duplicates. */
const headerList = fc
  .array(fc.tuple(ows, item, ows), { maxLength: 12 })
  .chain((items) => fc.tuple(fc.constant(items), fc.array(fc.nat(), { maxLength: 3 })))
  .map(([items, duplicates]) => {
    const all = [...items, ...duplicates.filter(() => items.length > 0).map((d) => items[d % items.length])];
    return all.map(([a, i, b]) => `${a}${i}${b}`).join(',');
  });

/** Swaps the case of ASCII letters only (Unicode case mappings such as ı → I are not HTTP's business). */
function swapCase(value: string): string {
  return value.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
}

describe('Access-Control-Request-Headers parsing (property-based)', () => {
  it('parses lists with odd whitespace, empty items, duplicates and any case exactly like the RFC 9110 reference', () => {
    fc.assert(
      fc.property(headerList, (value) => {
        expect([value, parseRequestHeaderList(value)]).toEqual([value, refParse(value)]);
      }),
      RUNS,
    );
  });

  it('keeps every item, duplicates included (in any case), in order and lowercase', () => {
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        ows,
        (tokens, repeats, space) => {
          const list = [...tokens, ...repeats.map((r) => swapCase(tokens[r % tokens.length]))];
          expect(parseRequestHeaderList(list.join(`${space},${space}`))).toEqual(list.map((t) => t.toLowerCase()));
        },
      ),
      RUNS,
    );
  });

  it('ignores case: a list and its case-swapped copy parse alike', () => {
    fc.assert(
      fc.property(headerList, (value) => {
        expect(parseRequestHeaderList(swapCase(value))).toEqual(parseRequestHeaderList(value));
      }),
      RUNS,
    );
  });

  it('refuses a whole list as soon as one item is not a header name', () => {
    fc.assert(
      fc.property(headerList, nonToken, fc.nat(), (value, bad, at) => {
        const items = value.split(',');
        items.splice(at % (items.length + 1), 0, ` ${bad} `);
        expect(parseRequestHeaderList(items.join(','))).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('reads lists up to a cap exactly like the reference, stopping at the item past it', () => {
    fc.assert(
      fc.property(headerList, fc.integer({ min: 0, max: 16 }), (value, maxItems) => {
        expect([value, maxItems, readRequestHeaderList(value, maxItems)]).toEqual([
          value,
          maxItems,
          refRead(value, maxItems),
        ]);
      }),
      RUNS,
    );
  });

  it('never returns anything but lowercase tokens, whatever the input (any Unicode, any whitespace)', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc
        .array(
          fc.oneof(
            token,
            fc.constantFrom(',', ' ', '\t', '\u00a0', '\u000b', '\u000c', '\r', '\n', '\u2028', '\ufeff', '\u3000'),
          ),
          { maxLength: 30 },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(anyText, (value) => {
        const names = parseRequestHeaderList(value);
        if (names === undefined) return;
        expect(names.length).toBeLessThanOrEqual(value.split(',').length);
        for (const name of names) {
          expect([...name].every((c) => TCHAR.includes(c))).toBe(true);
          expect(name).toBe(name.toLowerCase());
          expect(value.toLowerCase()).toContain(name);
        }
      }),
      RUNS,
    );
  });
});

describe('preflight header decision (property-based)', () => {
  /** Application header names a policy may list (no forbidden or CORS-protocol names). */
  const appHeader = fc.oneof(
    fc.constantFrom(
      'Content-Type',
      'Authorization',
      'X-Request-Id',
      'X-Api-Key',
      'If-Match',
      'Accept-Language',
      'X-Trace',
    ),
    fc.stringMatching(/^X-[A-Za-z0-9-]{1,10}$/),
  );

  function policyOf(allowed: readonly string[] | '*'): CorsPolicy {
    const policy: CorsPolicy = { origins: '*', allowedHeaders: allowed };
    expect(validatePolicy(policy, 'property').problems).toEqual([]);
    return policy;
  }

  /** Fetch standard: allowed iff every requested name is listed (case-insensitively); `*` covers all but Authorization. */
  function refAllows(allowed: readonly string[] | '*', requested: string): boolean {
    const names = refParse(requested);
    if (names === undefined) return false;
    if (allowed === '*') return !names.includes('authorization');
    const listed = new Set(allowed.map((h) => h.toLowerCase()));
    return names.every((n) => listed.has(n));
  }

  const allowedHeaders = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.uniqueArray(appHeader, { maxLength: 6, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() }),
    },
    { weight: 1, arbitrary: fc.constant('*' as const) },
  );

  /** Requested lists mixing listed names (any case, any spacing, repeated) with others. */
  function requestedFrom(allowed: readonly string[] | '*'): fc.Arbitrary<string> {
    const listed = allowed === '*' ? ['X-Anything'] : allowed;
    const name = fc.oneof(
      ...(listed.length > 0
        ? [
            {
              weight: 6,
              arbitrary: fc
                .constantFrom(...listed)
                .chain((n) => fc.constantFrom(n, n.toLowerCase(), n.toUpperCase(), swapCase(n))),
            },
          ]
        : []),
      { weight: 1, arbitrary: appHeader },
      { weight: 1, arbitrary: fc.constantFrom('authorization', 'cookie', '', 'x evil', 'content-type\u00a0x') },
    );
    return fc
      .array(
        fc.tuple(ows, name, ows).map(([a, n, b]) => `${a}${n}${b}`),
        { maxLength: 8 },
      )
      .map((names) => names.join(','));
  }

  it('allows a preflight exactly when every requested header is allowed', () => {
    fc.assert(
      fc.property(
        allowedHeaders.chain((allowed) => fc.tuple(fc.constant(allowed), requestedFrom(allowed))),
        ([allowed, requested]) => {
          const policy = compilePolicy(policyOf(allowed));
          const refusal = checkPreflightRequest(policy, {
            method: 'GET',
            requestHeaders: requested,
            privateNetwork: false,
          });
          expect([requested, refusal === undefined]).toEqual([requested, refAllows(allowed, requested)]);
        },
      ),
      RUNS,
    );
  });

  it('decides lists of up to 64 requested headers, refusing for a single unlisted one', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(appHeader, {
          minLength: 1,
          maxLength: 5,
          comparator: (a, b) => a.toLowerCase() === b.toLowerCase(),
        }),
        fc.integer({ min: 1, max: MAX_REQUEST_HEADER_ITEMS }),
        fc.option(fc.nat()),
        (allowed, count, intruderAt) => {
          const policy = compilePolicy(policyOf(allowed));
          const names = Array.from({ length: count }, (_, i) => allowed[i % allowed.length]);
          if (intruderAt !== null) names[intruderAt % count] = 'X-Not-Listed-Anywhere-0';
          const refusal = checkPreflightRequest(policy, {
            method: 'GET',
            requestHeaders: names.join(', '),
            privateNetwork: false,
          });
          expect(refusal).toBe(intruderAt === null ? undefined : 'header_not_allowed');
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses thousands of requested headers as too many, whatever the policy allows and wherever an unlisted one is', () => {
    fc.assert(
      fc.property(
        allowedHeaders,
        fc.integer({ min: MAX_REQUEST_HEADER_ITEMS + 1, max: 5000 }),
        fc.option(fc.nat()),
        (allowed, count, intruderAt) => {
          const policy = compilePolicy(policyOf(allowed));
          const listed = allowed === '*' || allowed.length === 0 ? ['X-Anything'] : allowed;
          const names = Array.from({ length: count }, (_, i) => listed[i % listed.length]);
          if (intruderAt !== null) names[intruderAt % count] = 'X-Not-Listed-Anywhere-0';
          const refusal = checkPreflightRequest(policy, {
            method: 'GET',
            requestHeaders: names.join(', '),
            privateNetwork: false,
          });
          expect(refusal).toBe('too_many_request_headers');
        },
      ),
      { numRuns: 30 },
    );
  });

  it('decides a preflight of any header list exactly as the capped reference reading does', () => {
    // Lists around the cap: names and empty items, and maybe one item that is not a name, before or past the cap.
    const nameOrEmpty = fc.oneof({ weight: 8, arbitrary: token }, { weight: 1, arbitrary: fc.constant('') });
    const longList = fc
      .tuple(
        fc.array(
          fc.tuple(ows, nameOrEmpty, ows).map(([a, i, b]) => `${a}${i}${b}`),
          { minLength: MAX_REQUEST_HEADER_ITEMS - 4, maxLength: MAX_REQUEST_HEADER_ITEMS + 4 },
        ),
        fc.option(fc.tuple(nonToken, fc.nat())),
      )
      .map(([items, bad]) => {
        if (bad !== null) items.splice(bad[1] % (items.length + 1), 0, bad[0]);
        return items.join(',');
      });
    fc.assert(
      fc.property(fc.oneof(headerList, longList), (requested) => {
        const refusal = checkPreflightRequest(compilePolicy(policyOf('*')), {
          method: 'GET',
          requestHeaders: requested,
          privateNetwork: false,
        });
        const read = refRead(requested, MAX_REQUEST_HEADER_ITEMS);
        const expected =
          read === 'too_many'
            ? 'too_many_request_headers'
            : read === 'invalid'
              ? 'invalid_preflight'
              : read.includes('authorization')
                ? 'header_not_allowed'
                : undefined;
        expect([requested, refusal]).toEqual([requested, expected]);
      }),
      RUNS,
    );
  });
});
