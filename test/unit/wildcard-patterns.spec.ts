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
  ])!;

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
  ])('matches %s: %s', (_name, origin, expected) => {
    const span = scanOrigin(origin);
    expect(span).toBeDefined();
    expect(patterns.matches(origin, span!)).toBe(expected);
  });
});
