import { Inject, Injectable, Logger } from '@nestjs/common';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS } from './cors.constants.js';
import { CorsAuditService } from './cors-audit.service.js';
import type { CorsModuleOptions, CorsPolicy } from './cors-module-options.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsConfigurationError, type CorsConfigurationProblemCode } from './policy/configuration-error.js';
import { describePolicyChange, snapshotPolicy } from './policy/policy-change.js';
import { mergePolicies } from './policy/resolve.js';
import { parseOrigin } from './policy/serialized-origin.js';

/**
 * Changes named policies while the application runs: tenants' origins registered in a settings
 * page, a partner added without a deploy. An update is validated exactly as the module's
 * options are at bootstrap, for every route, gateway, `paths` entry and `global` that uses the
 * policy; if anything is wrong it throws {@link CorsConfigurationError} and nothing changes.
 * Otherwise every one of them switches to the new policy in one synchronous step: no request
 * sees half of an update, and requests already started finish under the policy they started
 * with. Each update is logged once, with what changed.
 *
 * Updates are per process. To keep a fleet of instances in step, call the service from the
 * app's own message bus (README, "Fleets").
 *
 * @example
 * ```ts
 * constructor(private readonly cors: CorsPolicyService) {}
 *
 * onTenantOriginsChanged(origins: string[]) {
 *   this.cors.update('tenants', { origins });
 * }
 * ```
 * @publicApi
 */
@Injectable()
export class CorsPolicyService {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly registry: CorsPolicyRegistry,
    private readonly audit: CorsAuditService,
  ) {}

  /** The named policies' names. */
  names(): string[] {
    return Object.keys(this.registry.namedPolicies());
  }

  /** The named policy as declared now (before `defaults` are merged in), or `undefined`. */
  get(name: string): Readonly<CorsPolicy> | undefined {
    const policies = this.registry.namedPolicies();
    return Object.prototype.hasOwnProperty.call(policies, name) ? policies[name] : undefined;
  }

  /**
   * Changes the fields `patch` sets (fields left `undefined` keep their value; to remove a
   * field, {@link replace} the policy).
   *
   * @returns the changes, one line per field (empty when nothing changed).
   * @throws CorsConfigurationError when `name` is no named policy, or the result is invalid
   *   anywhere the policy is used; the policy in force stays as it was.
   */
  update(name: string, patch: CorsPolicy): string[] {
    const current = this.named(name, 'update');
    this.checkShape(name, patch, 'update');
    return this.apply(name, current, mergePolicies(current, patch));
  }

  /**
   * Replaces the named policy as a whole.
   *
   * @returns the changes, one line per field (empty when nothing changed).
   * @throws CorsConfigurationError as {@link update} does.
   */
  replace(name: string, policy: CorsPolicy): string[] {
    const current = this.named(name, 'replace');
    this.checkShape(name, policy, 'replace');
    return this.apply(name, current, policy);
  }

  /**
   * Forgets the origin verdicts cached for the named policy (`originsCache`): of one origin,
   * or all of them; the next request from it asks the origin callback again. Call it when a
   * tenant's origins change in the store the callback reads.
   *
   * @param origin as browsers send it: `https://tenant.example.com`, lowercase, no default port.
   * @throws CorsConfigurationError when `name` is no named policy, or `origin` is not a
   *   browser-serialized origin (`origin_invalid`).
   */
  invalidate(name: string, origin?: string): void {
    this.named(name, 'invalidate');
    // Verdicts are kept under the origin exactly as browsers send it: another spelling would
    // match nothing, and leave the verdict it was meant to drop in force.
    if (origin !== undefined && (typeof origin !== 'string' || parseOrigin(origin) === undefined)) {
      throw refusal(
        'invalidate',
        'origin_invalid',
        `${JSON.stringify(origin)} is not an origin as browsers send it (lowercase scheme://host[:port], no default port, no path)`,
        'origin',
      );
    }
    for (const policy of this.registry.policiesUsing(name)) policy.origins.cache?.invalidate(origin);
  }

  private apply(name: string, before: CorsPolicy, declared: CorsPolicy): string[] {
    // A copy: the caller may change its arrays later, and must not change the policy with them.
    const after = snapshotPolicy(declared);
    const changes = describePolicyChange(before, after);
    if (changes.length === 0) return changes;
    this.registry.replacePolicy(name, after);
    this.logger.log(`Policy '${name}' updated: ${changes.join('; ')}`);
    if (this.options.logRoutes === true) this.logger.log(`CORS routes:\n${this.audit.formatTable()}`);
    return changes;
  }

  private named(name: string, operation: string): CorsPolicy {
    const policy = this.get(name);
    if (policy !== undefined) return policy;
    const known = this.names().map((n) => `'${n}'`);
    throw refusal(
      operation,
      'policy_unknown',
      `unknown policy name '${String(name)}' (registered: ${known.length ? known.join(', ') : 'none'}); runtime updates change named policies only`,
    );
  }

  private checkShape(name: string, policy: unknown, operation: string): void {
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
      throw refusal(operation, 'option_invalid', `policies.${name} must be a policy object`, 'policy');
  }
}

function refusal(
  operation: string,
  code: CorsConfigurationProblemCode,
  message: string,
  field = 'name',
): CorsConfigurationError {
  return new CorsConfigurationError([{ location: `CorsPolicyService.${operation}`, field, code, message }]);
}
