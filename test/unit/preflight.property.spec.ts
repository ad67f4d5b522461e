import fc from 'fast-check';
import type { CorsPolicy } from '../../lib/cors-module-options.js';
import { MAX_REQUEST_HEADER_ITEMS } from '../../lib/policy/http-tokens.js';
import { checkPreflightRequest } from '../../lib/policy/preflight.js';
import { headerList, nonToken, ows, refParse, refRead, swapCase, token } from '../support/header-list-reference.js';
import { compilePolicy, validatePolicy } from '../support/policies.js';

/**
 * Property-based tests of the preflight's header decision against the RFC 9110 reference
 * (`test/support/header-list-reference.ts`).
 */

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

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
