import { PolicyCompiler } from '../../lib/policy/compile.js';
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
