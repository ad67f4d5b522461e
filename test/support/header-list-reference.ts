import fc from 'fast-check';

/**
 * A reference for `Access-Control-Request-Headers`, written from RFC 9110: a comma-separated
 * list of tokens, each with optional whitespace (SP, HTAB) around it, empty items ignored; and
 * generators of such lists as odd clients send them. The property specs of `http-tokens.ts`
 * and `preflight.ts` hold the library to it.
 */

export const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** RFC 9110 §5.6.1 and §5.6.2: `#token`, OWS = SP / HTAB. Lowercased; `undefined` if an item is not a token. */
export function refParse(value: string): string[] | undefined {
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
export function refRead(value: string, maxItems: number): string[] | 'invalid' | 'too_many' {
  const items = value.split(',');
  const names = refParse(items.slice(0, maxItems).join(','));
  if (names === undefined) return 'invalid';
  return items.length > maxItems ? 'too_many' : names;
}

export const ows = fc.stringMatching(/^[ \t]{0,3}$/);
export const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 12 });
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
export const nonToken = fc.tuple(token, nonTokenChar, token).map(([a, c, b]) => `${a}${c}${b}`);
const item = fc.oneof(
  { weight: 8, arbitrary: token },
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: nonToken },
);
/** Lists as odd clients send them: any case, odd spacing, empty items, duplicates. */
export const headerList = fc
  .array(fc.tuple(ows, item, ows), { maxLength: 12 })
  .chain((items) => fc.tuple(fc.constant(items), fc.array(fc.nat(), { maxLength: 3 })))
  .map(([items, duplicates]) => {
    const all = [...items, ...duplicates.filter(() => items.length > 0).map((d) => items[d % items.length])];
    return all.map(([a, i, b]) => `${a}${i}${b}`).join(',');
  });

/** Swaps the case of ASCII letters only (Unicode case mappings such as ı → I are not HTTP's business). */
export function swapCase(value: string): string {
  return value.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
}
