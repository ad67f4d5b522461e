import { scanOrigin } from '../../lib/policy/serialized-origin.js';
import { WildcardPatterns } from '../../lib/policy/wildcard-patterns.js';

describe('WildcardPatterns', () => {
  it('has nothing to look up without patterns', () => {
    expect(WildcardPatterns.of([])).toBeUndefined();
  });

  const patterns = WildcardPatterns.of([
    'https://*.example.com',
    'wss://*.example.com',
    'https://*.dev.example.org:8443',
    'http://localhost:*',
    'http://[::1]:*',
  ])!;

  /** `origin` scanned, as the matcher hands it over. */
  function spanOf(origin: string): NonNullable<ReturnType<typeof scanOrigin>> {
    const span = scanOrigin(origin);
    expect(span).toBeDefined();
    return span!;
  }

  it.each([
    ['one label under the suffix', 'https://a.example.com', true],
    ['several labels under the suffix', 'https://a.b.c.example.com', true],
    ['another scheme of the same suffix', 'wss://a.example.com', true],
    ['the suffix with its port', 'https://a.dev.example.org:8443', true],
    ['the apex', 'https://example.com', false],
    ['a scheme no pattern of the suffix has', 'http://a.example.com', false],
    ['a port the pattern does not have', 'https://a.example.com:8443', false],
    ['a pattern without its port', 'https://a.dev.example.org', false],
    ['a look-alike suffix', 'https://aexample.com', false],
    ['the suffix inside a longer host', 'https://a.example.com.evil.org', false],
    ['a subdomain of a port wildcard host', 'http://a.localhost:3000', false],
  ])('matches a subdomain wildcard with %s: %s', (_name, origin, expected) => {
    expect(patterns.matchesSubdomain(origin, spanOf(origin))).toBe(expected);
  });

  it.each([
    ['a port', 'http://localhost:5173', true],
    ['the highest port', 'http://localhost:65535', true],
    ['no port (the default)', 'http://localhost', true],
    ['a bracketed IPv6 host with a port', 'http://[::1]:4200', true],
    ['a bracketed IPv6 host without one', 'http://[::1]', true],
    ['another scheme', 'https://localhost:5173', false],
    ['a longer host', 'http://localhost.evil.com:5173', false],
    ['a subdomain', 'http://app.localhost:5173', false],
    ['another loopback address', 'http://127.0.0.1:5173', false],
    ['a subdomain wildcard host', 'https://a.example.com', false],
  ])('matches a port wildcard with %s: %s', (_name, origin, expected) => {
    expect(patterns.matchesAnyPort(origin, spanOf(origin))).toBe(expected);
  });

  it('looks nothing up of a kind it has no patterns of', () => {
    const portsOnly = WildcardPatterns.of(['http://localhost:*'])!;
    expect(portsOnly.matchesSubdomain('http://a.localhost', spanOf('http://a.localhost'))).toBe(false);
    const subdomainsOnly = WildcardPatterns.of(['http://*.localhost'])!;
    expect(subdomainsOnly.matchesAnyPort('http://localhost:3000', spanOf('http://localhost:3000'))).toBe(false);
    expect(subdomainsOnly.matchesSubdomain('http://a.localhost', spanOf('http://a.localhost'))).toBe(true);
  });
});
