import type { CorsModuleOptions, CorsPolicy, CorsPolicyReference } from '../cors-module-options.js';
import type { CorsConfigurationProblem } from './configuration-error.js';

/** Where a route's policy comes from: its controller's and its handler's `@Cors()`, if any. */
export interface PolicyDeclarations {
  readonly controller: CorsPolicyReference | undefined;
  readonly handler: CorsPolicyReference | undefined;
}

export type ResolvedPolicy =
  | { readonly kind: 'policy'; readonly policy: CorsPolicy }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly problem: CorsConfigurationProblem };

/**
 * The effective policy of one route: `defaults`, then the controller's `@Cors()` (or, without
 * one, the module's `global`), then the handler's `@Cors()`, merged field by field. `false` at
 * the handler switches CORS off; `false` at the controller leaves only the handler's own policy.
 */
export function resolveRoutePolicy(
  options: CorsModuleOptions,
  declarations: PolicyDeclarations,
  location: string,
): ResolvedPolicy {
  const controllerRef = declarations.controller ?? options.global ?? false;
  const { handler: handlerRef } = declarations;
  if (handlerRef === false) return { kind: 'none' };
  if (handlerRef === undefined && controllerRef === false) return { kind: 'none' };

  const controllerField = declarations.controller === undefined ? 'global' : 'controller @Cors';
  const controllerLayer =
    controllerRef === false ? undefined : layerOf(options, controllerRef, controllerField, location);
  if (controllerLayer?.kind === 'error') return controllerLayer;
  const handlerLayer = handlerRef === undefined ? undefined : layerOf(options, handlerRef, '@Cors', location);
  if (handlerLayer?.kind === 'error') return handlerLayer;
  return { kind: 'policy', policy: mergePolicies(options.defaults, controllerLayer?.policy, handlerLayer?.policy) };
}

/** The policy a reference stands for: itself, or the named policy it names. */
function layerOf(
  options: CorsModuleOptions,
  ref: string | CorsPolicy,
  field: string,
  location: string,
):
  | { readonly kind: 'policy'; readonly policy: CorsPolicy }
  | { readonly kind: 'error'; readonly problem: CorsConfigurationProblem } {
  if (typeof ref !== 'string') return { kind: 'policy', policy: ref };
  const named = options.policies?.[ref];
  if (named === undefined || !Object.prototype.hasOwnProperty.call(options.policies, ref)) {
    const known = Object.keys(options.policies ?? {});
    return {
      kind: 'error',
      problem: {
        location,
        field,
        code: 'policy_unknown',
        message: `unknown policy name '${ref}' (registered: ${known.length ? known.map((k) => `'${k}'`).join(', ') : 'none'})`,
      },
    };
  }
  return { kind: 'policy', policy: named };
}

/**
 * Layers policies field by field: a field set (not `undefined`) in a later layer replaces the
 * same field of the earlier ones. Lists are replaced, never concatenated, so a handler can
 * narrow its controller's origins.
 */
export function mergePolicies(...layers: readonly (CorsPolicy | undefined)[]): CorsPolicy {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const field of Object.keys(layer)) {
      const value: unknown = (layer as Record<string, unknown>)[field];
      if (value === undefined) continue;
      // Defined, not assigned: a `__proto__` key (options read from JSON) stays an own, unknown
      // field that validation refuses, instead of becoming the prototype: hidden defaults.
      if (field === '__proto__')
        Object.defineProperty(merged, field, { value, enumerable: true, writable: true, configurable: true });
      else merged[field] = value;
    }
  }
  return merged;
}
