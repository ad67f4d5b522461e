import type { CorsOriginsCache } from '../../lib/cors-module-options.js';
import { PolicyCompiler } from '../../lib/policy/compile.js';
import { OriginVerdictCache } from '../../lib/policy/origin-verdict-cache.js';
import { compilePolicy } from '../support/policies.js';

describe('compiled header values', () => {
  it.each([
    [
      'a credentialed list policy',
      {
        origins: ['https://app.example.com'],
        credentials: true,
        methods: ['GET', 'PUT'],
        allowedHeaders: ['Content-Type', 'X-Id', 'Content-Type'],
        exposedHeaders: ['X-Total-Count'],
        maxAge: 600,
      },
      {
        allowCredentialsValue: 'true',
        allowHeadersValue: 'Content-Type, X-Id',
        exposeHeadersValue: 'X-Total-Count',
        maxAgeValue: '600',
        anyHeader: false,
        preflightVary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        variesByOrigin: true,
      },
    ],
    [
      'a policy of any origin and any header',
      { origins: '*', allowedHeaders: '*', exposedHeaders: '*', maxAge: 0 },
      {
        allowCredentialsValue: undefined,
        allowHeadersValue: '*',
        exposeHeadersValue: '*',
        maxAgeValue: '0',
        anyHeader: true,
        preflightVary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        variesByOrigin: false,
      },
    ],
    [
      'a policy that lists nothing but origins, and allows private network access',
      { origins: () => true, allowedHeaders: [], allowPrivateNetwork: true },
      {
        allowCredentialsValue: undefined,
        allowHeadersValue: undefined,
        exposeHeadersValue: undefined,
        maxAgeValue: undefined,
        anyHeader: false,
        preflightVary:
          'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network',
        variesByOrigin: true,
      },
    ],
  ] as const)('precomputes the headers of %s', (_name, policy, expected) => {
    expect(compilePolicy(policy)).toMatchObject(expected);
  });

  it('keeps lowercase allowed header names and the methods as sets, and the source frozen', () => {
    const compiled = compilePolicy({
      origins: '*',
      methods: ['GET', 'PATCH'],
      allowedHeaders: ['X-Id', 'Content-Type'],
    });
    expect([...compiled.allowedHeaders]).toEqual(['x-id', 'content-type']);
    expect([...(compiled.methods ?? [])]).toEqual(['GET', 'PATCH']);
    expect(compilePolicy({ origins: '*' }).methods).toBeUndefined();
    expect(Object.isFrozen(compiled.source)).toBe(true);
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

describe('PolicyCompiler and originsCache', () => {
  const tenants = (): boolean => true;

  it('gives a callback one cache per set of cache options, defaults filled in', () => {
    const compiler = new PolicyCompiler();
    const matcher = (originsCache?: CorsOriginsCache | false) =>
      compiler.compile({ origins: tenants, originsCache }).origins;
    expect(matcher({ ttl: 60_000 })).toBe(matcher({ ttl: 60_000, negativeTtl: 5_000, max: 10_000 }));
    expect(matcher({ ttl: 60_000 }).cache).toBeInstanceOf(OriginVerdictCache);
    expect(matcher({ ttl: 60_000, max: 5 })).not.toBe(matcher({ ttl: 60_000 }));
    expect(matcher({ ttl: 60_000, max: 5 }).cache).not.toBe(matcher({ ttl: 60_000 }).cache);
    expect(matcher()).not.toBe(matcher({ ttl: 60_000 }));
    expect(matcher()).toBe(matcher(false));
  });

  it('keeps the matcher, and its warm cache, of a policy recompiled with the same callback and cache options', () => {
    const previous = new PolicyCompiler();
    const before = previous.compile({ origins: tenants, originsCache: { ttl: 60_000 }, maxAge: 60 });
    const next = new PolicyCompiler(previous);
    const after = next.compile({ origins: tenants, originsCache: { ttl: 60_000 }, maxAge: 120 });
    expect(after).not.toBe(before);
    expect(after.origins).toBe(before.origins);
    expect(next.compile({ origins: tenants, originsCache: { ttl: 30_000 } }).origins.cache).not.toBe(
      before.origins.cache,
    );
    expect(next.compile({ origins: () => true, originsCache: { ttl: 60_000 } }).origins).not.toBe(before.origins);
  });

  it('carries over only what the previous compiler used, one generation back', () => {
    const first = new PolicyCompiler();
    const original = first.compile({ origins: tenants, originsCache: { ttl: 60_000 } }).origins;
    const second = new PolicyCompiler(first);
    second.compile({ origins: ['https://a.example.com'] }); // an update that dropped the callback
    const third = new PolicyCompiler(second);
    expect(third.compile({ origins: tenants, originsCache: { ttl: 60_000 } }).origins).not.toBe(original);
  });

  it('never hands a new callback the matcher of another one, whichever compiler saw it first', () => {
    const previous = new PolicyCompiler();
    previous.compile({ origins: () => true });
    const next = new PolicyCompiler(previous);
    const late = (): boolean => false;
    previous.compile({ origins: late }); // the old compiler, still in use a moment longer
    const fresh = (): boolean => true;
    expect(next.compile({ origins: fresh }).origins.callback).toBe(fresh);
  });
});
