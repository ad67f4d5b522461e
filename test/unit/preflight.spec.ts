import { MAX_REQUEST_HEADER_ITEMS } from '../../lib/policy/http-tokens.js';
import { checkPreflightRequest } from '../../lib/policy/preflight.js';
import { compilePolicy } from '../support/policies.js';

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
