import fc from 'fast-check';
import { parseRequestHeaderList, readRequestHeaderList } from '../../lib/policy/http-tokens.js';
import {
  headerList,
  nonToken,
  ows,
  refParse,
  refRead,
  swapCase,
  TCHAR,
  token,
} from '../support/header-list-reference.js';

/**
 * Property-based tests of `Access-Control-Request-Headers` parsing against the RFC 9110
 * reference (`test/support/header-list-reference.ts`).
 */

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

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
