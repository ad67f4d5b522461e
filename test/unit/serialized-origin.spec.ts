import {
  isCanonicalHost,
  isLoopbackOrigin,
  MAX_ORIGIN_LENGTH,
  parseOrigin,
  scanOrigin,
} from '../../lib/policy/serialized-origin.js';

describe('parseOrigin', () => {
  it.each([
    ['https://app.example.com', { scheme: 'https', host: 'app.example.com', port: '' }],
    ['http://localhost:3000', { scheme: 'http', host: 'localhost', port: '3000' }],
    ['https://[::1]:8443', { scheme: 'https', host: '[::1]', port: '8443' }],
    ['chrome-extension://abcdef', { scheme: 'chrome-extension', host: 'abcdef', port: '' }],
  ])('parses %s', (origin, parsed) => {
    expect(parseOrigin(origin)).toEqual(parsed);
  });

  it.each([
    'https://app.example.com:443',
    'http://app.example.com:80',
    'https://app.example.com:0',
    'https://app.example.com:65536',
    'https://app.example.com:08443',
    'https://a..example.com',
    `https://${'a'.repeat(64)}.example.com`,
    `https://${'a.'.repeat(150)}com`,
    'https://app.example.com/path',
    'https://app.example.com?q',
    'https://app.exämple.com',
    'https://app.example.com\r\nX-Injected: 1',
    'null',
    'HTTPS://app.example.com',
  ])('rejects %j', (origin) => {
    expect(parseOrigin(origin)).toBeUndefined();
  });
});

describe('scanOrigin', () => {
  it.each([
    ['https://app.example.com', { schemeEnd: 5, hostEnd: 23 }],
    ['http://localhost:3000', { schemeEnd: 4, hostEnd: 16 }],
    ['https://[::1]:8443', { schemeEnd: 5, hostEnd: 13 }],
    // The shape only: the URL parser would rewrite this host (isCanonicalHost says so).
    ['https://127.1', { schemeEnd: 5, hostEnd: 13 }],
  ])('finds where the parts of %s lie', (origin, span) => {
    expect(scanOrigin(origin)).toEqual(span);
  });

  it('reads nothing longer than MAX_ORIGIN_LENGTH', () => {
    const host = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(scanOrigin(`${'a'.repeat(MAX_ORIGIN_LENGTH - 3 - host.length)}://${host}`)).toBeDefined();
    expect(scanOrigin(`${'a'.repeat(MAX_ORIGIN_LENGTH - 2 - host.length)}://${host}`)).toBeUndefined();
  });
});

describe('isCanonicalHost', () => {
  it.each([
    ['a DNS name', 'https://app.example.com', true],
    ['an IPv4 address in dotted decimal', 'http://127.0.0.1:3000', true],
    ['a shortened IPv4 address the URL parser rewrites', 'https://127.1', false],
    ['a hexadecimal IPv4 address', 'https://0x7f.0.0.1', false],
    ['valid punycode', 'https://xn--bcher-kva.example', true],
    ['invalid punycode', 'https://xn--.example', false],
    ['a compressed IPv6 address', 'https://[::1]', true],
    ['an uncompressed IPv6 address', 'https://[0:0:0:0:0:0:0:1]', false],
  ])('tells %s: %s', (_name, origin, expected) => {
    const span = scanOrigin(origin);
    expect(span).toBeDefined();
    expect(isCanonicalHost(origin, span!)).toBe(expected);
  });
});

describe('isLoopbackOrigin', () => {
  it.each([
    ['http://localhost:3000', true],
    ['http://app.localhost', true],
    ['http://127.0.0.1:8080', true],
    ['http://127.12.0.1', true],
    ['http://[::1]:3000', true],
    ['http://localhost.example.com', false],
    ['http://128.0.0.1', false],
    ['http://[::2]', false],
  ])('tells whether %s names the local machine: %s', (origin, expected) => {
    expect(isLoopbackOrigin(parseOrigin(origin)!)).toBe(expected);
  });
});
