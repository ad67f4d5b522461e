import fc from 'fast-check';
import type { CorsModuleOptions, CorsPolicy, CorsPolicyReference } from '../../lib/cors-module-options.js';
import { mergePolicies, resolveRoutePolicy, type ResolvedPolicy } from '../../lib/policy/resolve.js';
import { validatePolicy } from '../support/policies.js';

/**
 * Property-based tests of policy layering: handler > controller (or `global`) > `defaults`,
 * field by field, lists replaced rather than concatenated; named policies looked up as own
 * properties only. The reference is written here from the contract (sample-contract.md).
 */

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

const FIELDS = [
  'origins',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'credentials',
  'maxAge',
  'allowPrivateNetwork',
] as const;
type Field = (typeof FIELDS)[number];

/** A policy layer: each field set, explicitly `undefined`, or absent. */
const layer: fc.Arbitrary<CorsPolicy> = fc.record(
  {
    origins: fc.option(
      fc.oneof(
        fc.constant('*' as const),
        fc.constantFrom('https://a.example.com', 'https://*.b.example.com'),
        fc.array(fc.constantFrom('https://c.example.com', 'https://d.example.com', /^https:\/\/e\.example\.com$/), {
          maxLength: 2,
        }),
        fc.constant((origin: string) => origin.endsWith('.f.example.com')),
      ),
      { nil: undefined },
    ),
    methods: fc.option(fc.array(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), { maxLength: 3 }), { nil: undefined }),
    allowedHeaders: fc.option(
      fc.oneof(
        fc.constant('*' as const),
        fc.array(fc.constantFrom('Content-Type', 'Authorization', 'X-Id'), { maxLength: 3 }),
      ),
      { nil: undefined },
    ),
    exposedHeaders: fc.option(
      fc.oneof(fc.constant('*' as const), fc.array(fc.constantFrom('X-Total-Count', 'ETag'), { maxLength: 2 })),
      { nil: undefined },
    ),
    credentials: fc.option(fc.boolean(), { nil: undefined }),
    maxAge: fc.option(fc.integer({ min: 0, max: 86_400 }), { nil: undefined }),
    allowPrivateNetwork: fc.option(fc.boolean(), { nil: undefined }),
  },
  { requiredKeys: [] },
);

/** The merged value of one field: the last layer that sets it (not `undefined`) wins. */
function refField(layers: readonly (CorsPolicy | undefined)[], field: Field): unknown {
  let value: unknown;
  for (const l of layers) if (l !== undefined && l[field] !== undefined) value = l[field];
  return value;
}

function refMerge(layers: readonly (CorsPolicy | undefined)[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = refField(layers, field);
    if (value !== undefined) merged[field] = value;
  }
  return merged;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe('policy merging (property-based)', () => {
  it('takes each field from the last layer that sets it, keeps the same values (lists replaced, never concatenated), and leaves the layers untouched', () => {
    fc.assert(
      fc.property(fc.array(fc.option(layer, { nil: undefined }), { maxLength: 5 }), (layers) => {
        layers.forEach(deepFreeze);
        const merged = mergePolicies(...layers);
        expect(Object.keys(merged).sort()).toEqual(Object.keys(refMerge(layers)).sort());
        for (const field of FIELDS) expect(merged[field]).toBe(refField(layers, field));
        expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
        expect(layers.every((l) => l !== merged)).toBe(true);
      }),
      RUNS,
    );
  });

  it('is associative: merging merged layers changes nothing', () => {
    fc.assert(
      fc.property(layer, layer, layer, (a, b, c) => {
        expect(mergePolicies(mergePolicies(a, b), c)).toEqual(mergePolicies(a, mergePolicies(b, c)));
        expect(mergePolicies(a, b, c)).toEqual(mergePolicies(a, mergePolicies(b, c)));
      }),
      RUNS,
    );
  });
});

describe('route policy resolution (property-based)', () => {
  /** Policy names, hostile ones included: Object.prototype's members are never policies. */
  const name = fc.constantFrom(
    'partners',
    'public',
    'admin',
    'constructor',
    'toString',
    'hasOwnProperty',
    '__proto__',
    'valueOf',
    '',
  );
  const reference = (names: fc.Arbitrary<string>): fc.Arbitrary<CorsPolicyReference | undefined> =>
    fc.oneof(fc.constant(undefined), fc.constant(false as const), names, layer);

  /** Options whose `policies` may hold a policy literally named `__proto__`, as JSON or Object.fromEntries would build it. */
  const options: fc.Arbitrary<CorsModuleOptions> = fc
    .record(
      {
        defaults: fc.option(layer, { nil: undefined }),
        global: reference(name),
        policies: fc.option(
          fc
            .array(fc.tuple(name, layer), { maxLength: 4 })
            .map((entries) => Object.fromEntries(entries) as Record<string, CorsPolicy>),
          { nil: undefined },
        ),
      },
      { requiredKeys: [] },
    )
    .map((o) => o as CorsModuleOptions);

  function refLookup(opts: CorsModuleOptions, ref: string): CorsPolicy | undefined {
    const policies = opts.policies;
    if (policies === undefined || !Object.prototype.hasOwnProperty.call(policies, ref)) return undefined;
    return Object.getOwnPropertyDescriptor(policies, ref)?.value as CorsPolicy | undefined;
  }

  /** The contract: handler `false` switches CORS off; no controller `@Cors` falls back to `global`; then defaults < controller < handler. */
  function refResolve(
    opts: CorsModuleOptions,
    controller: CorsPolicyReference | undefined,
    handler: CorsPolicyReference | undefined,
  ): ResolvedPolicy['kind'] | Record<string, unknown> {
    const controllerRef = controller ?? opts.global ?? false;
    if (handler === false) return 'none';
    if (handler === undefined && controllerRef === false) return 'none';
    const layers: (CorsPolicy | undefined)[] = [opts.defaults];
    for (const ref of [controllerRef, handler]) {
      if (ref === undefined || ref === false) continue;
      if (typeof ref === 'string') {
        const named = refLookup(opts, ref);
        if (named === undefined) return 'error';
        layers.push(named);
      } else {
        layers.push(ref);
      }
    }
    return refMerge(layers);
  }

  it('resolves handler > controller (or global) > defaults field by field, and never takes an Object.prototype member for a policy', () => {
    fc.assert(
      fc.property(options, reference(name), reference(name), (opts, controller, handler) => {
        const resolved = resolveRoutePolicy(opts, { controller, handler }, 'Property.route');
        const expected = refResolve(opts, controller, handler);
        if (typeof expected === 'string') {
          expect(resolved.kind).toBe(expected);
          if (resolved.kind === 'error') expect(resolved.problem.message).toMatch(/^unknown policy name/);
        } else {
          expect(resolved.kind).toBe('policy');
          if (resolved.kind === 'policy') {
            expect({ ...resolved.policy }).toEqual(expected);
            for (const field of FIELDS) expect(resolved.policy[field]).toBe(expected[field]);
          }
        }
      }),
      RUNS,
    );
  });

  it("lets a handler narrow its controller: a field the handler sets is the handler's, whatever the controller and defaults say", () => {
    fc.assert(
      fc.property(fc.option(layer, { nil: undefined }), layer, layer, (defaults, controller, handler) => {
        const resolved = resolveRoutePolicy({ defaults }, { controller, handler }, 'Property.route');
        expect(resolved.kind).toBe('policy');
        if (resolved.kind !== 'policy') return;
        for (const field of FIELDS) {
          const expected = handler[field] ?? controller[field] ?? defaults?.[field];
          expect(resolved.policy[field]).toBe(expected);
        }
      }),
      RUNS,
    );
  });

  /**
   * Regression: a layer with an own `__proto__` key (as JSON.parse builds from
   * `{"__proto__": {...}}`, e.g. options read from a config file) used to set the merged
   * policy's prototype instead of a field: validation, which checks own keys, never saw it, and
   * `defaults: JSON.parse('{"__proto__": {"origins": "*"}}')` silently gave every route
   * `origins: '*'`.
   */
  it('reports a `__proto__` key in any layer as an unknown field instead of applying its contents', () => {
    fc.assert(
      fc.property(fc.constantFrom('defaults', 'controller', 'handler'), layer, (where, base) => {
        const hidden = JSON.parse('{"__proto__": {"origins": "*", "bogus": true}}') as CorsPolicy;
        const policy = { ...base, origins: base.origins ?? 'https://a.example.com' };
        const resolved = resolveRoutePolicy(
          { defaults: where === 'defaults' ? hidden : undefined },
          {
            controller: where === 'controller' ? hidden : policy,
            handler: where === 'handler' ? hidden : where === 'controller' ? policy : undefined,
          },
          'Property.route',
        );
        expect(resolved.kind).toBe('policy');
        if (resolved.kind !== 'policy') return;
        expect(Object.getPrototypeOf(resolved.policy)).toBe(Object.prototype);
        expect(validatePolicy(resolved.policy, 'Property.route').problems.map((p) => p.field)).toContain('__proto__');
      }),
    );
  });
});
