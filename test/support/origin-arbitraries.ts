import { domainToASCII } from 'node:url';
import fc from 'fast-check';

/**
 * Generators of origins for property tests: well-formed ones (what browsers send, give or take
 * a default port), edits that turn them into what a browser never sends or into another origin,
 * and hostile candidates near a given origin.
 */

/** An LDH label (letters, digits, inner hyphens), mostly short, sometimes at or past 63 characters. */
export const label = fc.oneof(
  // Not `xn--…`: random punycode is mostly invalid (the known gap below); valid IDNs come from `idnDomain`.
  {
    weight: 8,
    arbitrary: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/).filter((l) => !l.startsWith('xn--')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 61, max: 66 }).map((n) => 'x'.repeat(n)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('app', 'admin', 'www', 'partner', 'evil', 'example', 'a_b', 'xn--bcher-kva'),
  },
);
const tld = fc.constantFrom('com', 'org', 'net', 'io', 'example', 'test', 'dev');
/** Registrable-looking bases, some of them look-alikes of each other. */
export const base = fc.oneof(
  fc.constantFrom(
    'example.com',
    'partner.example.com',
    'example.org',
    'example.com.evil.org',
    'evilexample.com',
    'example.co',
    'a.b.example.com',
  ),
  fc.tuple(label, tld).map(([l, t]) => `${l}.${t}`),
);
const domain = fc.tuple(fc.array(label, { maxLength: 3 }), base).map(([labels, b]) => [...labels, b].join('.'));
const unicodeLabel = fc.constantFrom('bücher', 'münchen', 'пример', '例え', 'ñandú', 'straße', 'ɑpp');
/** Punycode as a browser sends it, derived from Unicode through the URL standard's domain-to-ASCII. */
const idnDomain = fc
  .tuple(unicodeLabel, base)
  .map(([u, b]) => domainToASCII(`${u}.${b}`))
  .filter((d) => d !== '');
export const host = fc.oneof(
  { weight: 6, arbitrary: domain },
  { weight: 1, arbitrary: idnDomain },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.constant('localhost') },
);
export const scheme = fc.constantFrom('https', 'http', 'wss', 'ws', 'chrome-extension', 'moz-extension', 'foo+bar');
export const port = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constantFrom('443', '80', '8443', '8080', '3000', '1', '65535') },
);

/** Origins built from well-formed parts: what browsers send, give or take a default port. */
export const wellFormedOrigin = fc
  .tuple(scheme, host, port)
  .map(([s, h, p]) => `${s}://${h}${p === '' ? '' : `:${p}`}`);

/** Edits that turn an origin into something a browser never sends, or into another origin. */
export const mutation = fc.oneof(
  fc.constantFrom<(o: string) => string>(
    (o) => o.toUpperCase(),
    (o) => o.replace(/^([a-z]+):\/\/(.)/, (_, s: string, c: string) => `${s}://${c.toUpperCase()}`),
    (o) => `${o}/`,
    (o) => `${o}.`,
    (o) => `${o}./`,
    (o) => `${o}/path`,
    (o) => `${o}?q=1`,
    (o) => `${o}#f`,
    (o) => `${o}:`,
    (o) => `${o}:443`,
    (o) => `${o}:80`,
    (o) => `${o}:0443`,
    (o) => `${o}:65536`,
    (o) => `${o}:0`,
    (o) => ` ${o}`,
    (o) => `${o} `,
    (o) => `${o}\t`,
    (o) => `${o}\r\n`,
    (o) => `${o}\u0000`,
    (o) => `${o}, https://evil.example.org`,
    (o) => o.replace('://', '://user@'),
    (o) => o.replace('://', '://user:pass@'),
    (o) => o.replace('://', ':/'),
    (o) => o.replace('://', ':\\\\'),
    (o) => o.replace('://', '://https://'),
    (o) => o.replace(/\./, '%2e'),
    (o) => o.replace(/\./, '。'),
    (o) => o.replace(/\./, '．'),
    (o) => o.replace(/\./, '..'),
    (o) => o.replace('a', '\u0430'),
    (o) => o.replace('e', '\u0435'),
    (o) => o.replace('://', '://\u200b'),
    (o) => o.replace('://', '://\u00ad'),
    (o) => o.replace('://', '://-'),
    (o) => o.replace(/:\/\/([^.:/]+)/, '://$1-'),
    (o) => `${o}.evil.org`,
    (o) => o.replace('://', '://evil'),
    (o) => o.replace('://', '://*.'),
    (o) => `${o}${'a'.repeat(300)}`,
  ),
  fc.string({ minLength: 1, maxLength: 3 }).map((junk) => (o: string) => `${o}${junk}`),
  fc
    .nat()
    .map((i) => (o: string) => (o.length === 0 ? o : `${o.slice(0, i % o.length)}${o.slice((i % o.length) + 1)}`)),
);

/** Hostile candidates: mutated origins, well-formed ones, fixed oddities, random strings. */
export function hostileCandidate(near: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(near, mutation).map(([o, m]) => m(o)) },
    { weight: 2, arbitrary: near },
    { weight: 3, arbitrary: wellFormedOrigin },
    { weight: 1, arbitrary: fc.tuple(unicodeLabel, base).map(([u, b]) => `https://${u}.${b}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'null',
        'NULL',
        '',
        '*',
        'https://',
        'https://.',
        'https://*.example.com',
        'file://',
        'data:,',
        'about:blank',
        'https:example.com',
        '//example.com',
        'example.com',
        'https://[::1]',
        'https://[::1]:8443',
        'https://127.0.0.1',
        'https://localhost:3000',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );
}
