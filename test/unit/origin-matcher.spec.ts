import { OriginMatcher } from '../../lib/policy/origin-matcher.js';

describe('OriginMatcher', () => {
  const matcher = OriginMatcher.ofEntries([
    'https://app.example.com',
    'https://*.partner.example.com',
    'https://*.dev.example.com:8443',
    /^https:\/\/preview-[0-9]+\.example\.org$/,
    /^https:\/\/STAGING\.example\.org$/i,
    'null',
  ]);

  it.each([
    ['an exact origin', 'https://app.example.com'],
    ['one label under a wildcard pattern', 'https://a.partner.example.com'],
    ['several labels under a wildcard pattern', 'https://x.y.partner.example.com'],
    ['a wildcard pattern with its port', 'https://a.dev.example.com:8443'],
    ['a RegExp', 'https://preview-42.example.org'],
    ['a case-insensitive RegExp', 'https://staging.example.org'],
    ['the null origin, listed literally', 'null'],
  ])('allows %s', (_name, origin) => {
    expect(matcher.matches(origin)).toBe(true);
  });

  it.each([
    ['the apex of a wildcard pattern', 'https://partner.example.com'],
    ['a look-alike suffix', 'https://evilpartner.example.com'],
    ['a look-alike suffix with a hyphen', 'https://evil-partner.example.com'],
    ['a pattern host in the port', 'https://evil.org:.partner.example.com'],
    ['a pattern host in the path', 'https://evil.org/.partner.example.com'],
    ['a look-alike that appends a domain', 'https://app.example.com.evil.org'],
    ['another scheme', 'http://app.example.com'],
    ['another scheme under a pattern', 'http://a.partner.example.com'],
    ['another port', 'https://app.example.com:8443'],
    ['a pattern without its port', 'https://a.dev.example.com'],
    ['a pattern with another port', 'https://a.dev.example.com:9443'],
    ['uppercase (browsers never send it)', 'https://APP.example.com'],
    ['a trailing slash', 'https://app.example.com/'],
    ['a trailing dot under a pattern', 'https://a.partner.example.com.'],
    ['userinfo under a pattern', 'https://user@a.partner.example.com'],
    ['an empty label under a pattern', 'https://.partner.example.com'],
    ['an unlisted origin', 'https://evil.example.org'],
    ['a RegExp look-alike', 'https://preview-42.example.org.evil.org'],
    ['an empty string', ''],
  ])('refuses %s', (_name, origin) => {
    expect(matcher.matches(origin)).toBe(false);
  });

  it('tells the schemes and ports of patterns with the same suffix apart', () => {
    const shared = OriginMatcher.ofEntries([
      'https://*.example.com',
      'wss://*.example.com:8443',
      'foo+b://*.example.com',
    ]);
    expect(shared.matches('https://a.example.com')).toBe(true);
    expect(shared.matches('wss://a.example.com:8443')).toBe(true);
    expect(shared.matches('foo+b://a.example.com')).toBe(true);
    // Same length as https, not listed: the scheme is compared, not only its length.
    expect(shared.matches('httpx://a.example.com')).toBe(false);
    expect(shared.matches('wss://a.example.com')).toBe(false);
    expect(shared.matches('https://a.example.com:8443')).toBe(false);
  });

  it('finds the pattern of the longest or the shortest suffix of a host', () => {
    const nested = OriginMatcher.ofEntries(['https://*.example.com', 'https://*.b.c.example.org']);
    expect(nested.matches('https://a.b.c.d.example.com')).toBe(true);
    expect(nested.matches('https://a.b.c.example.org')).toBe(true);
    expect(nested.matches('https://b.c.example.org')).toBe(false);
    expect(nested.matches('https://a.c.example.org')).toBe(false);
  });

  it("answers from its own copies of RegExps, whatever is done to the caller's objects later", () => {
    const grouped = /^https:\/\/(?<tenant>[a-z]+)\.grouped\.example\.com$/;
    const plain = /^https:\/\/[a-z]+\.plain\.example\.com$/;
    const matcher = OriginMatcher.ofEntries([grouped, plain]);
    // RegExp.prototype.compile() rewrites a RegExp in place (Annex B).
    for (const regexp of [grouped, plain]) (regexp as RegExp & { compile(source: string): RegExp }).compile('^$');
    expect(matcher.matches('https://b.grouped.example.com')).toBe(true);
    expect(matcher.matches('https://b.plain.example.com')).toBe(true);
  });

  it.each([
    ['a scheme in mixed case', 'hTTps://a.partner.example.com'],
    ['a scheme with an underscore', 'ht_tps://a.partner.example.com'],
    ['a scheme starting with a digit', '1https://a.partner.example.com'],
    ['a scheme with a space', 'ht tps://a.partner.example.com'],
    ['an empty scheme', '://a.partner.example.com'],
  ])('refuses %s, even to a case-insensitive RegExp', (_name, origin) => {
    const permissive = OriginMatcher.ofEntries([
      'https://*.partner.example.com',
      /^https:\/\/[a-z.]+\.example\.com$/i,
      /^[a-z0-9_ ]+:\/\/.+$/i,
    ]);
    expect(permissive.matches(origin)).toBe(false);
  });

  it('refuses an origin longer than 300 characters, even one otherwise well-formed', () => {
    const host = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(host).toHaveLength(253);
    const permissive = OriginMatcher.ofEntries([/^[a-z]+:\/\/.+$/]);
    expect(permissive.matches(`${'a'.repeat(44)}://${host}`)).toBe(true);
    expect(permissive.matches(`${'a'.repeat(45)}://${host}`)).toBe(false);
  });

  it('allows any origin with *', () => {
    expect(OriginMatcher.any().matches('https://whatever.example')).toBe(true);
  });

  it('never lets a pattern or RegExp match the null origin', () => {
    expect(OriginMatcher.ofEntries([/^(null|https:\/\/a\.example\.com)$/]).matches('null')).toBe(false);
  });

  it('joins RegExps of one flag set into a single RegExp', () => {
    const joined = OriginMatcher.ofEntries([
      /^https:\/\/a\.x\.org$/,
      /^https:\/\/b\.x\.org$/,
      /^https:\/\/C\.x\.org$/i,
    ]);
    expect((joined as unknown as { regexps: RegExp[] }).regexps).toHaveLength(2);
    expect(joined.matches('https://b.x.org')).toBe(true);
    expect(joined.matches('https://c.x.org')).toBe(true);
  });
});
