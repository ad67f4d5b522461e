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

  describe('with port wildcards', () => {
    const local = OriginMatcher.ofEntries([
      'http://localhost:*',
      'https://localhost:*',
      'http://127.0.0.1:*',
      'http://[::1]:*',
    ]);

    it.each([
      ['a port', 'http://localhost:5173'],
      ['the lowest port', 'http://localhost:1'],
      ['the highest port', 'http://localhost:65535'],
      ["no port, the scheme's default", 'http://localhost'],
      ['https, without a port', 'https://localhost'],
      ['https with a port', 'https://localhost:8443'],
      ['an IPv4 loopback address', 'http://127.0.0.1:3000'],
      ['an IPv6 loopback address', 'http://[::1]:4200'],
      ['an IPv6 loopback address without a port', 'http://[::1]'],
    ])('allow %s', (_name, origin) => {
      expect(local.matches(origin)).toBe(true);
    });

    it.each([
      ['a look-alike host', 'http://localhost.evil.com:5173'],
      ['another host', 'http://evil.com:5173'],
      ['a subdomain', 'http://app.localhost:5173'],
      ['uppercase', 'http://LOCALHOST:5173'],
      ['the default port spelled out', 'http://localhost:80'],
      ["https's default port spelled out", 'https://localhost:443'],
      ['a port with a leading zero', 'http://localhost:05173'],
      ['a port past 65535', 'http://localhost:65536'],
      ['port 0', 'http://localhost:0'],
      ['an empty port', 'http://localhost:'],
      ['a literal star', 'http://localhost:*'],
      ['a trailing slash', 'http://localhost:5173/'],
      ['a path', 'http://localhost:5173/app'],
      ['userinfo', 'http://user@localhost:5173'],
      ['another scheme', 'ws://localhost:5173'],
      ['a rewritten IPv4 address', 'http://127.1:3000'],
      ['another loopback address', 'http://127.0.0.2:3000'],
      ['an uncompressed IPv6 address', 'http://[0:0:0:0:0:0:0:1]:4200'],
      ['a trailing dot', 'http://localhost.:5173'],
    ])('refuse %s', (_name, origin) => {
      expect(local.matches(origin)).toBe(false);
    });

    it('answer beside exact origins, subdomain wildcards and RegExps of the same list', () => {
      const mixed = OriginMatcher.ofEntries([
        'https://app.example.com',
        'https://*.partner.example.com',
        'http://localhost:*',
        /^https:\/\/preview-[0-9]+\.example\.org$/,
      ]);
      for (const origin of [
        'https://app.example.com',
        'https://a.partner.example.com',
        'http://localhost:3000',
        'https://preview-1.example.org',
      ]) {
        expect([origin, mixed.matches(origin)]).toEqual([origin, true]);
      }
      expect(mixed.matches('http://localhost.partner.example.com')).toBe(false);
      expect(mixed.matches('https://app.example.com:3000')).toBe(false);
    });
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
