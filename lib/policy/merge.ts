import type { CorsPolicy } from '../cors-module-options.js';

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
