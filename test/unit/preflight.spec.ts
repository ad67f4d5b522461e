import { compilePolicy, PolicyCompiler } from '../../lib/policy/compile.js';
import { checkPreflightRequest } from '../../lib/policy/preflight.js';
import { jest } from '@jest/globals';
import {
  MAX_REQUEST_HEADER_ITEMS,
  parseRequestHeaderList,
  readRequestHeaderList,
} from '../../lib/policy/header-list.js';
import { RecordedHeaders as Headers } from '../../lib/policy/recorded-headers.js';
import { appendVary, writeAllowedPreflight, writeAllowedResponse } from '../../lib/policy/response-headers.js';

const partners = compilePolicy({
  origins: ['https://app.example.com'],
  credentials: true,
  maxAge: 600,
  methods: ['GET', 'POST', 'DELETE'],
  allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
  exposedHeaders: ['X-Total-Count'],
});
const open = compilePolicy({ origins: '*', allowedHeaders: '*', exposedHeaders: '*' });

describe('checkPreflightRequest', () => {
  it('allows a listed method with listed headers in any case and spacing', () => {
    expect(
      checkPreflightRequest(partners, {
        method: 'DELETE',
        requestHeaders: ' authorization ,X-REQUEST-ID,, content-type',
        privateNetwork: false,
      }),
    ).toBeUndefined();
  });

  it('refuses a method the policy does not list', () => {
    expect(checkPreflightRequest(partners, { method: 'PUT', requestHeaders: undefined, privateNetwork: false })).toBe(
      'method_not_allowed',
    );
  });

  it('compares methods case-sensitively, as the Fetch standard does', () => {
    expect(
      checkPreflightRequest(partners, { method: 'delete', requestHeaders: undefined, privateNetwork: false }),
    ).toBe('method_not_allowed');
  });

  it('refuses a header the policy does not list', () => {
    expect(checkPreflightRequest(partners, { method: 'GET', requestHeaders: 'x-other', privateNetwork: false })).toBe(
      'header_not_allowed',
    );
  });

  it('refuses a malformed header list', () => {
    expect(checkPreflightRequest(partners, { method: 'GET', requestHeaders: 'x-a, x b', privateNetwork: false })).toBe(
      'invalid_preflight',
    );
  });

  it('refuses a method that is not a token', () => {
    expect(checkPreflightRequest(open, { method: 'GET\u0000', requestHeaders: undefined, privateNetwork: false })).toBe(
      'invalid_preflight',
    );
  });

  it('never lets * cover Authorization', () => {
    expect(
      checkPreflightRequest(open, { method: 'GET', requestHeaders: 'x-anything', privateNetwork: false }),
    ).toBeUndefined();
    expect(
      checkPreflightRequest(open, {
        method: 'GET',
        requestHeaders: 'x-anything, authorization',
        privateNetwork: false,
      }),
    ).toBe('header_not_allowed');
  });

  it('refuses a preflight asking for more than 64 headers, even under allowedHeaders *', () => {
    expect(MAX_REQUEST_HEADER_ITEMS).toBe(64);
    const names = Array.from({ length: 65 }, (_, i) => `x-h${i}`).join(',');
    expect(checkPreflightRequest(open, { method: 'GET', requestHeaders: names, privateNetwork: false })).toBe(
      'too_many_request_headers',
    );
  });

  it('allows a preflight asking for exactly 64 listed headers', () => {
    const names = Array.from({ length: 64 }, (_, i) => ['content-type', 'authorization', 'x-request-id'][i % 3]).join(
      ', ',
    );
    expect(
      checkPreflightRequest(partners, { method: 'GET', requestHeaders: names, privateNetwork: false }),
    ).toBeUndefined();
    expect(
      checkPreflightRequest(open, {
        method: 'GET',
        requestHeaders: names.replaceAll('authorization', 'x-a'),
        privateNetwork: false,
      }),
    ).toBeUndefined();
  });

  it('refuses a megabyte of requested header names as too many, not as unlisted', () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `x-header-${i}`).join(', ');
    expect(names.length).toBeGreaterThan(1_000_000);
    expect(checkPreflightRequest(partners, { method: 'GET', requestHeaders: names, privateNetwork: false })).toBe(
      'too_many_request_headers',
    );
  });

  it('still refuses a method the policy does not list before counting the requested headers', () => {
    const names = Array.from({ length: 65 }, () => 'content-type').join(',');
    expect(checkPreflightRequest(partners, { method: 'PUT', requestHeaders: names, privateNetwork: false })).toBe(
      'method_not_allowed',
    );
  });

  it('refuses Private Network Access unless the policy allows it', () => {
    expect(checkPreflightRequest(partners, { method: 'GET', requestHeaders: undefined, privateNetwork: true })).toBe(
      'private_network_not_allowed',
    );
    const pna = compilePolicy({ origins: ['https://app.example.com'], allowPrivateNetwork: true });
    expect(
      checkPreflightRequest(pna, { method: 'GET', requestHeaders: undefined, privateNetwork: true }),
    ).toBeUndefined();
  });
});

describe('parseRequestHeaderList', () => {
  it.each([
    ['content-type', ['content-type']],
    ['  Content-Type ,\tX-Id  ', ['content-type', 'x-id']],
    [',,', []],
    ['', []],
  ])('parses %j', (value, names) => {
    expect(parseRequestHeaderList(value)).toEqual(names);
  });

  it.each(['x a', 'x-a, "quoted"', 'x-\u00e9'])('rejects %j', (value) => {
    expect(parseRequestHeaderList(value)).toBeUndefined();
  });

  it('has no cap of its own: the testing helpers read whole Access-Control-Allow-Headers lists with it', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `x-h${i}`);
    expect(parseRequestHeaderList(names.join(', '))).toEqual(names);
  });
});

describe('readRequestHeaderList', () => {
  it.each([
    ['content-type', 1, ['content-type']],
    ['a, b', 2, ['a', 'b']],
    ['a, b, c', 2, 'too_many'],
    ['a,,b', 2, 'too_many'],
    [',', 1, 'too_many'],
    ['', 1, []],
    ['', 0, 'too_many'],
    ['a, b c', 2, 'invalid'],
  ] as const)('reads %j, capped at %d items, as %j', (value, maxItems, expected) => {
    expect(readRequestHeaderList(value, maxItems)).toEqual(expected);
  });

  it('stops at the item past the cap, never reading what follows', () => {
    const valid = Array.from({ length: 64 }, (_, i) => `x-h${i}`).join(',');
    expect(readRequestHeaderList(`${valid},not a header name`, 64)).toBe('too_many');
    expect(readRequestHeaderList(`${valid},x-more,not a header name`, 64)).toBe('too_many');
    expect(readRequestHeaderList(`not a header name,${valid}`, 64)).toBe('invalid');
  });

  it('counts empty items toward the cap, which browsers never send', () => {
    expect(readRequestHeaderList(','.repeat(64), 64)).toBe('too_many');
    expect(readRequestHeaderList(`a${','.repeat(63)}`, 64)).toEqual(['a']);
  });

  it('never splits the whole header value first', () => {
    const value = Array.from({ length: 100_000 }, (_, i) => `x-header-${i}`).join(',');
    const split = jest.spyOn(String.prototype, 'split');
    try {
      expect(readRequestHeaderList(value, 64)).toBe('too_many');
      expect(split).not.toHaveBeenCalled();
    } finally {
      split.mockRestore();
    }
  });
});

describe('response headers', () => {
  it('answers an allowed credentialed preflight with the origin, the requested method and the max age', () => {
    const headers = new Headers();
    writeAllowedPreflight(partners, 'https://app.example.com', 'DELETE', false, headers);
    expect(headers.toJSON()).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'DELETE',
      'access-control-allow-headers': 'Content-Type, Authorization, X-Request-Id',
      'access-control-max-age': '600',
    });
  });

  it('sends Expose-Headers on actual responses, never Max-Age', () => {
    const headers = new Headers();
    writeAllowedResponse(partners, 'https://app.example.com', headers);
    expect(headers.toJSON()).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Total-Count',
    });
  });

  it('answers * for a credential-less wildcard policy, even without Origin', () => {
    const headers = new Headers();
    writeAllowedResponse(open, undefined, headers);
    expect(headers.getHeader('access-control-allow-origin')).toBe('*');
    expect(open.variesByOrigin).toBe(false);
    expect(partners.variesByOrigin).toBe(true);
  });

  it('writes nothing for an origin-dependent policy when the request has no Origin', () => {
    const headers = new Headers();
    writeAllowedResponse(partners, undefined, headers);
    expect(headers.toJSON()).toEqual({});
  });

  it('appends to Vary without duplicating or dropping what is there', () => {
    const headers = new Headers();
    headers.setHeader('Vary', 'Accept-Encoding, origin');
    appendVary(headers, 'Origin, Access-Control-Request-Method');
    expect(headers.getHeader('vary')).toBe('Accept-Encoding, origin, Access-Control-Request-Method');
  });

  it('leaves Vary: * alone', () => {
    const headers = new Headers();
    headers.setHeader('Vary', '*');
    appendVary(headers, 'Origin');
    expect(headers.getHeader('vary')).toBe('*');
  });
});

describe('PolicyCompiler', () => {
  it('compiles structurally equal policies to one frozen object', () => {
    const compiler = new PolicyCompiler();
    const a = compiler.compile({ origins: ['https://a.example.com'], credentials: true });
    const b = compiler.compile({ credentials: true, origins: ['https://a.example.com'] });
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(compiler.compile({ origins: ['https://a.example.com'] })).not.toBe(a);
  });

  it('gives equal origin lists one matcher, even in policies that differ otherwise', () => {
    const compiler = new PolicyCompiler();
    const a = compiler.compile({ origins: ['https://a.example.com', /^https:\/\/b\.example\.com$/], maxAge: 60 });
    const b = compiler.compile({ origins: ['https://a.example.com', /^https:\/\/b\.example\.com$/], maxAge: 61 });
    expect(a).not.toBe(b);
    expect(a.origins).toBe(b.origins);
    expect(compiler.compile({ origins: ['https://a.example.com', /^https:\/\/b\.example\.com$/i] }).origins).not.toBe(
      a.origins,
    );
  });

  it('tells different callbacks apart', () => {
    const compiler = new PolicyCompiler();
    expect(compiler.compile({ origins: () => true })).not.toBe(compiler.compile({ origins: () => false }));
  });
});
