import { jest } from '@jest/globals';
import type { CorsOriginCallback, CorsOriginsCache, CorsRequest } from '../../lib/cors-module-options.js';
import type { CompiledPolicy } from '../../lib/policy/compile.js';
import type { OriginVerdict } from '../../lib/policy/verdict.js';
import { checkOrigin } from '../../lib/policy/origin-check.js';
import { verdictCacheOptions } from '../../lib/policy/origin-verdict-cache.js';
import { compilePolicy } from '../support/policies.js';

/*
 * `originsCache` through `checkOrigin`, as requests use it, on Jest's fake clock: lifetimes,
 * the bound, flood resistance, single flight, failures, invalidation.
 */

const TIMEOUT_MS = 1_000;
const request: CorsRequest = { method: 'GET', url: '/items', headers: {} };
const ALLOWED: OriginVerdict = { allowed: true };
const REFUSED: OriginVerdict = { allowed: false, reason: 'origin_not_allowed' };
const tenant = (i: number | string): string => `https://t${i}.tenants.example.com`;
const stranger = (i: number | string): string => `https://s${i}.strangers.example.org`;
/** Allows the tenants, refuses everyone else. */
const isTenant = (origin: string): boolean => origin.endsWith('.tenants.example.com');

function cachedPolicy(callback: CorsOriginCallback, originsCache: CorsOriginsCache): CompiledPolicy {
  return compilePolicy({ origins: callback, originsCache });
}

function check(policy: CompiledPolicy, origin: string, req: CorsRequest = request) {
  return checkOrigin(policy, origin, req, TIMEOUT_MS);
}

/** A check whose verdict does not matter here, only what it asks the callback. */
function touch(policy: CompiledPolicy, origin: string, req: CorsRequest = request): void {
  void checkOrigin(policy, origin, req, TIMEOUT_MS);
}

/** A check that waits for the callback. */
function pendingCheck(policy: CompiledPolicy, origin: string): Promise<OriginVerdict> {
  const verdict = check(policy, origin);
  expect(verdict).toBeInstanceOf(Promise);
  return verdict as Promise<OriginVerdict>;
}

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('verdictCacheOptions', () => {
  it.each([
    ['keeps refusals 5 s when ttl is longer', { ttl: 60_000 }, { ttl: 60_000, negativeTtl: 5_000, max: 10_000 }],
    ['keeps refusals no longer than ttl', { ttl: 1_000 }, { ttl: 1_000, negativeTtl: 1_000, max: 10_000 }],
    ['keeps what is given', { ttl: 10, negativeTtl: 0, max: 3 }, { ttl: 10, negativeTtl: 0, max: 3 }],
  ])('%s', (_name, options, expected) => {
    expect(verdictCacheOptions(options)).toEqual(expected);
  });
});

describe('lifetimes', () => {
  it('answers an allowed origin from the cache until ttl has passed, then asks again', () => {
    const callback = jest.fn<CorsOriginCallback>(isTenant);
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    expect(check(policy, tenant(1))).toEqual(ALLOWED);
    jest.advanceTimersByTime(59_999);
    expect(check(policy, tenant(1))).toEqual(ALLOWED);
    expect(callback).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(check(policy, tenant(1))).toEqual(ALLOWED);
    expect(callback).toHaveBeenCalledTimes(2);
  });

  it('keeps a refusal for negativeTtl, shorter than ttl', () => {
    const callback = jest.fn<CorsOriginCallback>(isTenant);
    const policy = cachedPolicy(callback, { ttl: 60_000, negativeTtl: 2_000 });
    expect(check(policy, stranger(1))).toEqual(REFUSED);
    jest.advanceTimersByTime(1_999);
    expect(check(policy, stranger(1))).toEqual(REFUSED);
    expect(callback).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(check(policy, stranger(1))).toEqual(REFUSED);
    expect(callback).toHaveBeenCalledTimes(2);
  });

  it('keeps no refusal with negativeTtl 0, so a tenant added a moment ago is allowed at once', () => {
    const tenants = new Set<string>();
    const callback = jest.fn<CorsOriginCallback>((origin) => tenants.has(origin));
    const policy = cachedPolicy(callback, { ttl: 60_000, negativeTtl: 0 });
    expect(check(policy, tenant(1))).toEqual(REFUSED);
    tenants.add(tenant(1));
    expect(check(policy, tenant(1))).toEqual(ALLOWED);
    expect(check(policy, tenant(1))).toEqual(ALLOWED);
    expect(callback).toHaveBeenCalledTimes(2);
  });

  it('keeps the verdict of an async callback once it has settled', async () => {
    const callback = jest.fn<CorsOriginCallback>((origin) => Promise.resolve(isTenant(origin)));
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    await expect(pendingCheck(policy, tenant(1))).resolves.toEqual(ALLOWED);
    expect(check(policy, tenant(1))).toEqual(ALLOWED); // synchronous now
    expect(callback).toHaveBeenCalledTimes(1);
  });
});

describe('bound', () => {
  it('evicts the least recently used allowed origin once max are kept', () => {
    const callback = jest.fn<CorsOriginCallback>(isTenant);
    const policy = cachedPolicy(callback, { ttl: 60_000, max: 3 });
    for (const i of [1, 2, 3]) touch(policy, tenant(i));
    touch(policy, tenant(1)); // read: t2 is now the least recently used
    touch(policy, tenant(4));
    expect(callback).toHaveBeenCalledTimes(4);
    for (const i of [1, 3, 4]) touch(policy, tenant(i));
    expect(callback).toHaveBeenCalledTimes(4);
    touch(policy, tenant(2));
    expect(callback).toHaveBeenCalledTimes(5);
  });

  it('never keeps more than max refusals', () => {
    const callback = jest.fn<CorsOriginCallback>(isTenant);
    const policy = cachedPolicy(callback, { ttl: 60_000, max: 2 });
    for (const i of [1, 2, 3]) touch(policy, stranger(i));
    for (const i of [2, 3]) touch(policy, stranger(i));
    expect(callback).toHaveBeenCalledTimes(3);
    touch(policy, stranger(1));
    expect(callback).toHaveBeenCalledTimes(4);
  });

  it('keeps every allowed origin through a flood of 100,000 distinct refused origins', () => {
    const callback = jest.fn<CorsOriginCallback>(isTenant);
    const policy = cachedPolicy(callback, { ttl: 60_000, max: 1_000 });
    for (let i = 0; i < 1_000; i++) expect(check(policy, tenant(i))).toEqual(ALLOWED);
    for (let i = 0; i < 100_000; i++) touch(policy, stranger(i));
    expect(callback).toHaveBeenCalledTimes(101_000);
    for (let i = 0; i < 1_000; i++) expect(check(policy, tenant(i))).toEqual(ALLOWED);
    expect(callback).toHaveBeenCalledTimes(101_000);
  });
});

describe('single flight', () => {
  /** A callback whose calls stay pending until settled by hand. */
  function deferredCallback() {
    const calls: { origin: string; request: CorsRequest; settle: (v: boolean) => void; fail: (e: Error) => void }[] =
      [];
    const callback = jest.fn<CorsOriginCallback>(
      (origin, req) =>
        new Promise<boolean>((resolve, reject) => calls.push({ origin, request: req, settle: resolve, fail: reject })),
    );
    return { callback, calls };
  }

  it('shares one call among 50 concurrent checks of one new origin, and keeps its verdict', async () => {
    const { callback, calls } = deferredCallback();
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    const pending = Array.from({ length: 50 }, () => pendingCheck(policy, tenant(1)));
    expect(callback).toHaveBeenCalledTimes(1);
    calls[0].settle(true);
    expect(await Promise.all(pending)).toEqual(Array(50).fill(ALLOWED));
    expect(check(policy, tenant(1))).toEqual(ALLOWED);
    expect(callback).toHaveBeenCalledTimes(1);
  });

  it('asks about two origins separately', () => {
    const { callback } = deferredCallback();
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    touch(policy, tenant(1));
    touch(policy, tenant(2));
    touch(policy, tenant(1));
    expect(callback.mock.calls.map(([origin]) => origin)).toEqual([tenant(1), tenant(2)]);
  });

  it('hands the shared call the request of the first check', () => {
    const { callback } = deferredCallback();
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    const first: CorsRequest = { method: 'GET', url: '/first', headers: {} };
    touch(policy, tenant(1), first);
    touch(policy, tenant(1), { method: 'GET', url: '/second', headers: {} });
    expect(callback).toHaveBeenCalledTimes(1);
    expect(callback).toHaveBeenCalledWith(tenant(1), first);
  });

  it('gives every waiter the rejection of the shared call, keeps nothing, and asks again next time', async () => {
    const { callback, calls } = deferredCallback();
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    const pending = Array.from({ length: 50 }, () => pendingCheck(policy, tenant(1)));
    const failure = new Error('tenant store down');
    calls[0].fail(failure);
    const verdicts = await Promise.all(pending);
    expect(verdicts).toEqual(Array(50).fill({ allowed: false, reason: 'origin_callback_failed', error: failure }));
    expect(callback).toHaveBeenCalledTimes(1);
    const retry = pendingCheck(policy, tenant(1));
    expect(callback).toHaveBeenCalledTimes(2);
    calls[1].settle(true);
    await expect(retry).resolves.toEqual(ALLOWED);
  });

  it('times the shared call out once for all its waiters, and never keeps the late answer', async () => {
    const { callback, calls } = deferredCallback();
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    const pending = Array.from({ length: 50 }, () => pendingCheck(policy, tenant(1)));
    jest.advanceTimersByTime(TIMEOUT_MS);
    const verdicts = await Promise.all(pending);
    expect(new Set(verdicts.map((v) => !v.allowed && v.reason))).toEqual(new Set(['origin_callback_failed']));
    expect(callback).toHaveBeenCalledTimes(1);
    calls[0].settle(true); // too late: the timeout decided
    await Promise.resolve();
    touch(policy, tenant(1));
    expect(callback).toHaveBeenCalledTimes(2);
  });
});

describe('failures', () => {
  it('never keeps a throw: the next check asks again', () => {
    let down = true;
    const callback = jest.fn<CorsOriginCallback>((origin) => {
      if (down) throw new Error('tenant store down');
      return isTenant(origin);
    });
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    expect(check(policy, tenant(1))).toMatchObject({ allowed: false, reason: 'origin_callback_failed' });
    down = false;
    expect(check(policy, tenant(1))).toEqual(ALLOWED);
    expect(callback).toHaveBeenCalledTimes(2);
  });

  it('keeps a truthy value other than `true` as a refusal, never as allowed', () => {
    const callback = jest.fn<CorsOriginCallback>(() => 'yes' as unknown as boolean);
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    expect(check(policy, tenant(1))).toEqual(REFUSED);
    expect(check(policy, tenant(1))).toEqual(REFUSED);
    expect(callback).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['the null origin', 'null'],
    ['an origin that is not browser-serialized', 'https://T1.tenants.example.com'],
    ['a value that is no origin at all', 't1.tenants.example.com'],
  ])('never asks about %s, nor keeps it', (_name, origin) => {
    const callback = jest.fn<CorsOriginCallback>(() => true);
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    expect(check(policy, origin)).toEqual(REFUSED);
    expect(check(policy, origin)).toEqual(REFUSED);
    expect(callback).not.toHaveBeenCalled();
  });
});

describe('invalidate', () => {
  it('forgets one origin, or every origin', () => {
    const callback = jest.fn<CorsOriginCallback>(isTenant);
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    const cache = policy.origins.cache!;
    for (const origin of [tenant(1), tenant(2), stranger(1)]) touch(policy, origin);
    cache.invalidate(tenant(1));
    for (const origin of [tenant(1), tenant(2), stranger(1)]) touch(policy, origin);
    expect(callback.mock.calls.map(([origin]) => origin)).toEqual([tenant(1), tenant(2), stranger(1), tenant(1)]);
    cache.invalidate();
    for (const origin of [tenant(1), tenant(2), stranger(1)]) touch(policy, origin);
    expect(callback).toHaveBeenCalledTimes(7);
  });

  it('does not keep the answer of a call that was out when its origin was invalidated', async () => {
    const settles: ((allowed: boolean) => void)[] = [];
    const callback = jest.fn<CorsOriginCallback>(() => new Promise<boolean>((resolve) => settles.push(resolve)));
    const policy = cachedPolicy(callback, { ttl: 60_000 });
    const before = pendingCheck(policy, tenant(1));
    policy.origins.cache!.invalidate(tenant(1)); // the tenant was removed meanwhile
    const after = pendingCheck(policy, tenant(1));
    expect(callback).toHaveBeenCalledTimes(2);
    settles[0](true);
    settles[1](false);
    await expect(before).resolves.toEqual(ALLOWED);
    await expect(after).resolves.toEqual(REFUSED);
    expect(check(policy, tenant(1))).toEqual(REFUSED);
    expect(callback).toHaveBeenCalledTimes(2);
  });

  it('is absent from a policy without originsCache', () => {
    expect(compilePolicy({ origins: () => true }).origins.cache).toBeUndefined();
    expect(compilePolicy({ origins: () => true, originsCache: false }).origins.cache).toBeUndefined();
    expect(compilePolicy({ origins: ['https://a.example.com'] }).origins.cache).toBeUndefined();
  });
});
