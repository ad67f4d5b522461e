import { ForeignRoutePolicies, methodLabel } from '../../lib/routing/foreign-route-policies.js';
import type { CompiledPolicy } from '../../lib/policy/compile.js';
import { PolicyBinding } from '../../lib/policy/policy-binding.js';
import { compilePolicy } from '../support/policies.js';

const GLOBAL = compilePolicy({ origins: ['https://app.example.com'] });
const GRAPHQL = compilePolicy({ origins: ['https://studio.example.com'], credentials: true });
const DOCS = compilePolicy({ origins: '*' });
const ADMIN = compilePolicy({ origins: ['https://admin.example.com'] });
const API = compilePolicy({ origins: ['https://api.example.com'] });

const bound = (policy: CompiledPolicy | null) => new PolicyBinding(policy);
const GLOBAL_BINDING = bound(GLOBAL);

/** `paths` as the registry hands them over: bound, `null` where a path switches CORS off. */
const paths = (
  [
    ['/graphql', GRAPHQL],
    ['/docs/*', DOCS],
    ['/api/*', API],
    ['/api/admin/*', ADMIN],
    ['/health', null],
  ] as const
).map(([path, policy]) => [path, bound(policy)] as const);

describe('ForeignRoutePolicies', () => {
  const withoutGlobal = new ForeignRoutePolicies(null, paths);
  const withGlobal = new ForeignRoutePolicies(GLOBAL_BINDING, paths);

  it.each([
    ['an exact path', '/graphql', GRAPHQL, "paths['/graphql']"],
    ['a prefix entry at its own path', '/docs', DOCS, "paths['/docs/*']"],
    ['a path under a prefix', '/docs/swagger/index.html', DOCS, "paths['/docs/*']"],
    ['a path under the longer of two prefixes', '/api/admin/users', ADMIN, "paths['/api/admin/*']"],
    ['a path under the shorter one only', '/api/orders', API, "paths['/api/*']"],
    ['a path whose entry switches CORS off', '/health', null, "paths['/health']"],
  ])('gives %s its paths entry', (_name, path, policy, location) => {
    const target = withoutGlobal.targetOf('POST', path);
    expect(target?.binding.current).toBe(policy);
    expect(target).toEqual({
      method: 'POST',
      path,
      binding: expect.any(PolicyBinding) as unknown,
      location,
      guarded: false,
      respondsDirectly: true,
      passesOn: false,
    });
  });

  it.each([
    ['a path under an exact entry', '/graphql/schema'],
    ['a path that only starts like a prefix', '/docsx'],
    ['a path no entry names', '/orders'],
  ])('leaves %s to global: none without it, global with it', (_name, path) => {
    expect(withoutGlobal.targetOf('GET', path)).toBeUndefined();
    expect(withGlobal.targetOf('GET', path)).toMatchObject({ method: 'GET', path, location: 'global' });
    expect(withGlobal.targetOf('GET', path)?.binding).toBe(GLOBAL_BINDING);
  });

  it.each([
    ['neither global nor paths', null, [], false, undefined],
    ['paths only', null, paths, true, undefined],
    ['global', GLOBAL_BINDING, [], true, { method: 'ALL', path: '*', binding: GLOBAL_BINDING, location: 'global' }],
  ] as const)('with %s, is active and falls back as they say', (_name, global, entries, active, fallback) => {
    const policies = new ForeignRoutePolicies(global, entries);
    expect(policies.active).toBe(active);
    if (fallback === undefined) expect(policies.fallback).toBeUndefined();
    else expect(policies.fallback).toMatchObject(fallback);
    if (!active) expect(policies.targetOf('GET', '/anything')).toBeUndefined();
  });

  it('lets a /* entry cover every path', () => {
    const everything = new ForeignRoutePolicies(null, [['/*', bound(DOCS)]]);
    expect(everything.targetOf('GET', '/')?.binding.current).toBe(DOCS);
    expect(everything.targetOf('GET', '/a/b')?.binding.current).toBe(DOCS);
  });
});

describe('methodLabel', () => {
  it.each([
    [['GET'], 'GET'],
    [['GET', 'HEAD'], 'GET,HEAD'],
    [[], 'ALL'],
    [['GET', 'ALL'], 'ALL'],
    [
      ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'SEARCH'],
      'GET,HEAD,POST,PUT,DELETE,PATCH,OPTIONS,SEARCH',
    ],
    [['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'SEARCH', 'PROPFIND'], 'ALL'],
  ])('lists the methods %j as %s', (methods, label) => {
    expect(methodLabel(methods)).toBe(label);
  });
});
