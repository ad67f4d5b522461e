import { jest } from '@jest/globals';
import type { CorsOriginCallback, CorsRequest } from '../../lib/cors-module-options.js';
import type { OriginVerdict } from '../../lib/policy/verdict.js';
import { checkOrigin } from '../../lib/policy/origin-check.js';
import { compilePolicy } from '../support/policies.js';

const APP = 'https://app.example.com';
const TENANT = 'https://tenant.example.org';
const request: CorsRequest = { method: 'GET', url: '/items', headers: { origin: TENANT } };
const failure = new Error('tenant store down');

describe('checkOrigin', () => {
  it.each([
    ['a listed origin', [APP], APP, { allowed: true }],
    ['an unlisted origin', [APP], TENANT, { allowed: false, reason: 'origin_not_allowed' }],
    ['any origin under *', '*', TENANT, { allowed: true }],
  ] as const)('answers %s synchronously from the static entries', (_name, origins, origin, verdict) => {
    expect(checkOrigin(compilePolicy({ origins }), origin, request, 1000)).toEqual(verdict);
  });

  it.each([
    ['`true`', () => true, { allowed: true }],
    ['`false`', () => false, { allowed: false, reason: 'origin_not_allowed' }],
    [
      'a truthy value other than `true`',
      () => 'yes' as unknown as boolean,
      { allowed: false, reason: 'origin_not_allowed' },
    ],
    [
      'a throw',
      () => {
        throw failure;
      },
      { allowed: false, reason: 'origin_callback_failed', error: failure },
    ],
  ] as [string, CorsOriginCallback, OriginVerdict][])(
    'answers a callback that returns %s synchronously',
    (_name, callback, verdict) => {
      expect(checkOrigin(compilePolicy({ origins: callback }), TENANT, request, 1000)).toEqual(verdict);
    },
  );

  it.each([
    ['resolves `true`', () => Promise.resolve(true), { allowed: true }],
    ['resolves `false`', () => Promise.resolve(false), { allowed: false, reason: 'origin_not_allowed' }],
    ['rejects', () => Promise.reject(failure), { allowed: false, reason: 'origin_callback_failed', error: failure }],
  ] as [string, CorsOriginCallback, OriginVerdict][])(
    'waits for a callback that %s',
    async (_name, callback, verdict) => {
      const pending = checkOrigin(compilePolicy({ origins: callback }), TENANT, request, 1000);
      expect(pending).toBeInstanceOf(Promise);
      await expect(pending).resolves.toEqual(verdict);
    },
  );

  it('refuses once the callback has not settled within the timeout', async () => {
    const verdict = await checkOrigin(compilePolicy({ origins: () => new Promise(() => {}) }), TENANT, request, 5);
    expect(verdict).toEqual({
      allowed: false,
      reason: 'origin_callback_failed',
      error: new Error('origin callback did not settle within 5ms'),
    });
  });

  it.each([
    ['the null origin', 'null'],
    ['an origin that is not browser-serialized', 'https://TENANT.example.org'],
    ['a value that is no origin at all', 'tenant.example.org'],
  ])('refuses %s without asking the callback', (_name, origin) => {
    const callback = jest.fn<CorsOriginCallback>(() => true);
    expect(checkOrigin(compilePolicy({ origins: callback }), origin, request, 1000)).toEqual({
      allowed: false,
      reason: 'origin_not_allowed',
    });
    expect(callback).not.toHaveBeenCalled();
  });

  it('hands the callback the origin and the request', () => {
    const callback = jest.fn<CorsOriginCallback>(() => true);
    expect(checkOrigin(compilePolicy({ origins: callback }), TENANT, request, 1000)).toEqual({ allowed: true });
    expect(callback).toHaveBeenCalledWith(TENANT, request);
  });
});
