import type { CorsModuleOptions } from '../../lib/cors-module-options.js';
import { mergePolicies, resolveRoutePolicy } from '../../lib/policy/resolve.js';

const partners = {
  origins: ['https://app.example.com'],
  credentials: true,
  maxAge: 600,
  exposedHeaders: ['X-Total-Count'],
};
const options: CorsModuleOptions = {
  defaults: { maxAge: 60, allowedHeaders: ['Content-Type'] },
  global: { origins: '*' },
  policies: { partners },
};

describe('mergePolicies', () => {
  it('lets a later layer override an earlier one field by field', () => {
    expect(mergePolicies({ origins: '*', maxAge: 1 }, { maxAge: 2 })).toEqual({ origins: '*', maxAge: 2 });
  });

  it('replaces lists instead of concatenating them', () => {
    expect(
      mergePolicies({ origins: ['https://a.example.com'] }, { origins: ['https://b.example.com'] }).origins,
    ).toEqual(['https://b.example.com']);
  });

  it('ignores fields set to undefined', () => {
    expect(mergePolicies({ credentials: true }, { credentials: undefined })).toEqual({ credentials: true });
  });

  it('keeps false and 0, which are set values', () => {
    expect(mergePolicies({ credentials: true, maxAge: 600 }, { credentials: false, maxAge: 0 })).toEqual({
      credentials: false,
      maxAge: 0,
    });
  });
});

describe('resolveRoutePolicy', () => {
  it('merges handler over controller over defaults', () => {
    const resolved = resolveRoutePolicy(
      options,
      { controller: 'partners', handler: { origins: ['https://admin.example.com'] } },
      'X.y',
    );
    expect(resolved).toEqual({
      kind: 'policy',
      policy: { ...partners, allowedHeaders: ['Content-Type'], origins: ['https://admin.example.com'] },
    });
  });

  it('gives routes without @Cors the global policy over defaults', () => {
    expect(resolveRoutePolicy(options, { controller: undefined, handler: undefined }, 'X.y')).toEqual({
      kind: 'policy',
      policy: { maxAge: 60, allowedHeaders: ['Content-Type'], origins: '*' },
    });
  });

  it('gives routes without @Cors nothing when global is false', () => {
    expect(
      resolveRoutePolicy({ ...options, global: false }, { controller: undefined, handler: undefined }, 'X.y'),
    ).toEqual({ kind: 'none' });
  });

  it('switches CORS off for a handler with @Cors(false) under a controller policy', () => {
    expect(resolveRoutePolicy(options, { controller: 'partners', handler: false }, 'X.y')).toEqual({ kind: 'none' });
  });

  it("uses only the handler's policy under a controller with @Cors(false)", () => {
    expect(resolveRoutePolicy(options, { controller: false, handler: { origins: '*' } }, 'X.y')).toEqual({
      kind: 'policy',
      policy: { maxAge: 60, allowedHeaders: ['Content-Type'], origins: '*' },
    });
  });

  it('names the route and the field of an unknown policy name', () => {
    expect(resolveRoutePolicy(options, { controller: undefined, handler: 'partner' }, 'OrdersController.list')).toEqual(
      {
        kind: 'error',
        problem: {
          location: 'OrdersController.list',
          field: '@Cors',
          code: 'policy_unknown',
          message: "unknown policy name 'partner' (registered: 'partners')",
        },
      },
    );
  });

  it('does not take inherited object properties for policy names', () => {
    expect(resolveRoutePolicy(options, { controller: 'toString', handler: undefined }, 'X.y').kind).toBe('error');
  });
});

describe('resolveRoutePolicy: unknown policy names', () => {
  const AT = 'OrdersController.remove';

  it.each([
    ['a controller', { controller: 'partner', handler: undefined }, 'controller @Cors'],
    ['a handler', { controller: undefined, handler: 'partner' }, '@Cors'],
  ] as const)(
    'reports a policy name %s gives that is not registered as policy_unknown',
    (_name, declarations, field) => {
      expect(resolveRoutePolicy({ policies: { partners: { origins: '*' } } }, declarations, AT)).toEqual({
        kind: 'error',
        problem: {
          location: AT,
          field,
          code: 'policy_unknown',
          message: "unknown policy name 'partner' (registered: 'partners')",
        },
      });
    },
  );
});
