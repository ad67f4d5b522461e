import type { CorsPolicy } from '../../lib/cors-module-options.js';
import { PolicyCompiler, type CompiledPolicy } from '../../lib/policy/compile.js';
import { PolicyValidator, type ValidationResult } from '../../lib/policy/validate.js';

/*
 * One policy at a time, as `CorsPolicyRegistry` handles each route's: the unit tests' way into
 * the policy core. Each call gets a fresh compiler or validator, so nothing is shared between
 * tests.
 */

/** `policy` compiled on its own. */
export function compilePolicy(policy: CorsPolicy): CompiledPolicy {
  return new PolicyCompiler().compile(policy);
}

/** `policy` validated on its own: as a route's (origins required) unless `requireOrigins` is false. */
export function validatePolicy(
  policy: CorsPolicy,
  location: string,
  { requireOrigins = true }: { readonly requireOrigins?: boolean } = {},
): ValidationResult {
  return new PolicyValidator().validate(policy, location, { requireOrigins });
}
