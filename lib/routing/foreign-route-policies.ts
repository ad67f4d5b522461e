import type { CompiledPolicy } from '../policy/compile.js';
import type { PolicyBinding } from '../policy/policy-binding.js';
import type { RouteTarget } from './route-target.js';

/**
 * The policies of what no controller declares (`paths` and `global`), looked up by the path a
 * route or mount is registered at, once, at bootstrap: requests are still routed by the adapter.
 */
export class ForeignRoutePolicies {
  /** The target of requests no registered route serves (404s, middleware at the root): `global`. */
  readonly fallback: RouteTarget | undefined;
  /** Whether any policy applies beyond controllers (else foreign routes are left alone). */
  readonly active: boolean;
  private readonly exact = new Map<string, PolicyBinding<CompiledPolicy | null>>();
  /** `'/docs/*'` entries as `'/docs'`, longest first, so that the closest one applies. */
  private readonly prefixes: readonly (readonly [string, PolicyBinding<CompiledPolicy | null>])[];

  constructor(
    private readonly global: PolicyBinding<CompiledPolicy | null> | null,
    paths: readonly (readonly [string, PolicyBinding<CompiledPolicy | null>])[],
  ) {
    const prefixes: [string, PolicyBinding<CompiledPolicy | null>][] = [];
    for (const [path, policy] of paths) {
      if (path.endsWith('/*')) prefixes.push([path.slice(0, -2), policy]);
      else this.exact.set(path, policy);
    }
    this.prefixes = prefixes.sort(([a], [b]) => b.length - a.length);
    this.active = global !== null || paths.length > 0;
    this.fallback = global === null ? undefined : foreignTarget('ALL', '*', global, 'global');
  }

  /**
   * The target of a route (or, `ALL`, a mount) something other than a controller registered at
   * `path`; `undefined` when neither a `paths` entry nor `global` covers it.
   */
  targetOf(method: string, path: string): RouteTarget | undefined {
    if (!this.active) return undefined;
    if (this.exact.has(path)) return foreignTarget(method, path, this.exact.get(path)!, `paths['${path}']`);
    for (const [prefix, policy] of this.prefixes) {
      if (path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)) {
        return foreignTarget(method, path, policy, `paths['${prefix}/*']`);
      }
    }
    return this.global === null ? undefined : foreignTarget(method, path, this.global, 'global');
  }
}

function foreignTarget(
  method: string,
  path: string,
  binding: PolicyBinding<CompiledPolicy | null>,
  location: string,
): RouteTarget {
  // Another module's handler may write the Node response itself: headers go there (Fastify).
  return Object.freeze({ method, path, binding, location, guarded: false, respondsDirectly: true, passesOn: false });
}

/**
 * How a route of several methods is listed: its methods, or `ALL` for one that takes every
 * method (`app.all()`, a mount, Fastify's `all()` expanded into each supported method).
 */
export function methodLabel(methods: readonly string[]): string {
  return methods.length === 0 || methods.length > 8 || methods.includes('ALL') ? 'ALL' : methods.join(',');
}
