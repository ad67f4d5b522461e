import { jest } from '@jest/globals';
import {
  isForbiddenMethod,
  isForbiddenRequestHeader,
  isForbiddenResponseHeader,
  isToken,
  parseRequestHeaderList,
  readRequestHeaderList,
} from '../../lib/policy/http-tokens.js';

describe('isToken', () => {
  it.each([
    ['a header name', 'X-Request-Id', true],
    ['a method name', 'PATCH', true],
    ['every token character', "!#$%&'*+-.^_`|~09azAZ", true],
    ['the empty string', '', false],
    ['inner whitespace', 'X Request', false],
    ['a separator', 'x-a,x-b', false],
    ['a quoted string', '"x"', false],
    ['a control character', 'GET\u0000', false],
    ['a non-ASCII letter', 'x-\u00e9', false],
  ])('tells %s (%j): %s', (_name, value, expected) => {
    expect(isToken(value)).toBe(expected);
  });
});

describe('forbidden names', () => {
  it.each([
    ['cookie', true],
    ['origin', true],
    ['access-control-request-method', true],
    ['proxy-authorization', true],
    ['sec-fetch-site', true],
    ['content-type', false],
    ['authorization', false],
    ['x-proxy-id', false],
  ])('tells whether scripts may never send the request header %s: %s', (name, expected) => {
    expect(isForbiddenRequestHeader(name)).toBe(expected);
  });

  it.each([
    ['set-cookie', true],
    ['set-cookie2', true],
    ['cookie', false],
    ['x-total-count', false],
  ])('tells whether scripts may never read the response header %s: %s', (name, expected) => {
    expect(isForbiddenResponseHeader(name)).toBe(expected);
  });

  it.each([
    ['CONNECT', true],
    ['trace', true],
    ['Track', true],
    ['GET', false],
    ['DELETE', false],
    ['PROPFIND', false],
  ])('tells whether browsers never send the method %s: %s', (method, expected) => {
    expect(isForbiddenMethod(method)).toBe(expected);
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
