import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS, CORS_POLICY_METADATA } from './cors.constants.js';
import type { CorsModuleOptions, CorsPolicy, CorsPolicyReference } from './cors-module-options.js';
import {
  HOST_METADATA,
  PATH_METADATA,
  respondsDirectly,
  takesNext,
  type Constructor,
  type Handler,
} from './nest-metadata.js';
import { PolicyCompiler, type CompiledPolicy } from './policy/compile.js';
import { CorsConfigurationError, formatProblem, type CorsConfigurationProblem } from './policy/configuration-error.js';
import { resolveRoutePolicy, type PolicyDeclarations } from './policy/resolve.js';
import { PolicyValidator, validateModuleOptions } from './policy/validate.js';
import { ForeignRoutePolicies } from './routing/foreign-route-policies.js';
import { AmbiguousRoutePolicy, type RouteStamp } from './routing/route-target.js';

/**
 * Which compiled policy each handler has. Built once, in the module's `configure()` (before
 * Nest registers routes): every controller's routes are resolved, validated (all problems
 * reported in one {@link CorsConfigurationError}) and compiled; each handler function is then
 * stamped under a key of this application's own, which Nest copies onto the callback it hands
 * the HTTP adapter, so the route's target can be read off it as the adapter registers it.
 */
@Injectable()
export class CorsPolicyRegistry {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);
  private readonly byController = new Map<Constructor, Map<Handler, CompiledPolicy | null>>();
  private readonly stamped = new Set<Handler>();
  private readonly guarded = new Set<Handler>();
  private foreign = new ForeignRoutePolicies(null, []);
  /** Each controller's own stamp of a handler, by `Controller.handler`; `null` when two share the name. */
  private readonly byLocation = new Map<string, RouteStamp | null>();
  /** Per application, so that two apps sharing controller classes never read each other's stamps. */
  private readonly stampKey = Symbol('nest-cors:route-policy');

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /**
   * @param adapterType the HTTP adapter's `getType()`.
   * @throws CorsConfigurationError listing every problem of every route.
   */
  build(adapterType: string): void {
    // One more metadata read per handler, for the one adapter that uses it.
    const readsDirectResponses = adapterType === 'fastify';
    // Only Express passes a request a handler declines on to the next matching route.
    const passesOn = adapterType === 'express';
    const compiler = new PolicyCompiler();
    const validator = new PolicyValidator();
    const problems: CorsConfigurationProblem[] = validateModuleOptions(this.options);
    const stamps = new Map<Handler, Omit<RouteStamp, 'guarded'>>();

    // Named and global policies are checked on their own too, so that a mistake in one that no
    // route uses yet is caught; their origins may still come from a handler, so not required.
    const standalone: { controller: string | undefined; location: string }[] = Object.keys(
      this.options.policies ?? {},
    ).map((name) => ({ controller: name, location: `policies.${name}` }));
    for (const { controller, location } of standalone) {
      const resolved = resolveRoutePolicy(this.options, { controller, handler: undefined }, location);
      if (resolved.kind === 'policy') this.check(validator, resolved.policy, location, problems, false);
      else if (resolved.kind === 'error') problems.push(resolved.problem);
    }
    // `global` and `paths` apply as they are to routes no controller declares: origins required.
    const compileStandalone = (declarations: PolicyDeclarations, location: string): CompiledPolicy | null => {
      const resolved = resolveRoutePolicy(this.options, declarations, location);
      if (resolved.kind === 'error') problems.push(resolved.problem);
      if (resolved.kind !== 'policy' || !this.check(validator, resolved.policy, location, problems)) return null;
      return compiler.compile(resolved.policy);
    };
    const globalPolicy = this.options.global
      ? compileStandalone({ controller: undefined, handler: undefined }, 'global')
      : null;
    const pathPolicies = Object.entries(this.options.paths ?? {}).map(
      ([path, ref]) => [path, compileStandalone({ controller: false, handler: ref }, `paths['${path}']`)] as const,
    );

    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Constructor | null;
      if (!controller || this.byController.has(controller)) continue;
      const hostFiltered = Reflect.getMetadata(HOST_METADATA, controller) !== undefined;
      const policies = new Map<Handler, CompiledPolicy | null>();
      this.byController.set(controller, policies);
      const controllerRef = Reflect.getMetadata(CORS_POLICY_METADATA, controller) as CorsPolicyReference | undefined;
      const prototype = controller.prototype as Record<string, Handler>;

      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName];
        // Own metadata: route decorators write on the function itself (inherited ones too).
        const routePath: unknown = Reflect.getOwnMetadata(PATH_METADATA, handler);
        if (routePath === undefined) continue;
        const location = `${controller.name}.${methodName}`;
        const handlerRef = Reflect.getOwnMetadata(CORS_POLICY_METADATA, handler) as CorsPolicyReference | undefined;
        const resolved = resolveRoutePolicy(this.options, { controller: controllerRef, handler: handlerRef }, location);
        let compiled: CompiledPolicy | null = null;
        if (resolved.kind === 'error') problems.push(resolved.problem);
        else if (resolved.kind === 'policy' && this.check(validator, resolved.policy, location, problems)) {
          compiled = compiler.compile(resolved.policy);
        }
        policies.set(handler, compiled);
        if (compiled !== null && this.options.enforce === true) this.guarded.add(handler);
        const direct = compiled !== null && readsDirectResponses && respondsDirectly(controller, methodName);
        // Express runs the next matching route when a host filter or a `@Next()` handler declines.
        const declines = passesOn && (hostFiltered || takesNext(controller, methodName));
        const own = Object.freeze({
          policy: compiled,
          location,
          respondsDirectly: direct,
          passesOn: declines,
          guarded: this.guarded.has(handler),
        });
        this.byLocation.set(location, this.byLocation.has(location) ? null : own);
        // An inherited method shared by controllers with different policies stays ambiguous on
        // its function; Nest 12 names each route's callback after its controller (`byLocation`).
        const previous = stamps.get(handler);
        stamps.set(
          handler,
          previous === undefined
            ? { policy: compiled, location, respondsDirectly: direct, passesOn: declines }
            : {
                policy: previous.policy === compiled ? compiled : new AmbiguousRoutePolicy([previous.policy, compiled]),
                location: `${previous.location} | ${location}`,
                respondsDirectly: previous.respondsDirectly || direct,
                passesOn: previous.passesOn || declines,
              },
        );
      }
    }

    if (problems.length > 0) throw new CorsConfigurationError(groupProblems(problems));
    this.warnOfNonControllers();
    this.foreign = new ForeignRoutePolicies(globalPolicy, pathPolicies);
    for (const [handler, stamp] of stamps) {
      if (stamp.policy instanceof AmbiguousRoutePolicy) this.guarded.add(handler);
      const guarded = this.guarded.has(handler);
      Reflect.defineMetadata(this.stampKey, Object.freeze({ ...stamp, guarded }), handler);
      this.stamped.add(handler);
    }
  }

  /**
   * The policies of what no controller declares: routes other modules or the app register on
   * the adapter, and requests no route serves. Set by {@link build}.
   */
  foreignPolicies(): ForeignRoutePolicies {
    return this.foreign;
  }

  /**
   * The handlers whose requests need the guard: with `enforce: true` every handler with a
   * policy; otherwise only an inherited method shared by controllers with different policies
   * on Nest 11, whose route callbacks cannot be told apart. Everything else is fully handled by
   * the request hook, and pays nothing for Nest's guard pipeline.
   */
  guardedHandlers(): ReadonlySet<Handler> {
    return this.guarded;
  }

  /**
   * A handler's own policy under `controller` (`null`: no CORS), or `undefined` for a handler not
   * explored: what the guard decides with where the route's stamp is ambiguous.
   */
  policyOf(controller: Constructor, handler: Handler): CompiledPolicy | null | undefined {
    return this.byController.get(controller)?.get(handler);
  }

  /**
   * What {@link build} stamped on a handler, read off the route callback Nest copied it to.
   * Nest 12 names that callback `Controller.handler`, which tells apart the controllers an
   * inherited handler serves.
   */
  routeOf(routeCallback: unknown): RouteStamp | undefined {
    if (typeof routeCallback !== 'function') return undefined;
    const stamp = Reflect.getOwnMetadata(this.stampKey, routeCallback) as RouteStamp | undefined;
    if (stamp === undefined || !(stamp.policy instanceof AmbiguousRoutePolicy)) return stamp;
    return this.byLocation.get(routeCallback.name) ?? stamp;
  }

  /** Removes the stamps once Nest has copied them onto its route callbacks. */
  releaseStamps(): void {
    for (const handler of this.stamped) Reflect.deleteMetadata(this.stampKey, handler);
    this.stamped.clear();
  }

  /**
   * `@Cors()` only reaches the routes of controllers: on a resolver, a gateway or any other
   * provider it would be silently ignored, so say so once at bootstrap, with what to use instead.
   */
  private warnOfNonControllers(): void {
    const seen = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Constructor | null | undefined;
      if (typeof type !== 'function' || seen.has(type) || this.byController.has(type)) continue;
      seen.add(type);
      const prototype = type.prototype as Record<string, unknown> | undefined;
      const onMethod =
        prototype !== undefined &&
        this.scanner
          .getAllMethodNames(prototype)
          .some((name) => Reflect.getOwnMetadata(CORS_POLICY_METADATA, prototype[name] as object) !== undefined);
      if (Reflect.getOwnMetadata(CORS_POLICY_METADATA, type) === undefined && !onMethod) continue;
      this.logger.warn(
        `@Cors() on ${type.name}, which is not a controller, has no effect: only controllers' routes read it. ` +
          "For a GraphQL resolver, a gateway or another module's routes, give their path a policy (`paths: { '/graphql': … }`) or set `global`.",
      );
    }
  }

  private check(
    validator: PolicyValidator,
    policy: CorsPolicy,
    location: string,
    problems: CorsConfigurationProblem[],
    requireOrigins = true,
  ): boolean {
    const result = validator.validate(policy, location, { requireOrigins });
    for (const warning of result.warnings) this.logger.warn(formatProblem(warning));
    if (result.problems.length === 0) return true;
    problems.push(...result.problems);
    return false;
  }
}

/**
 * One problem per field and message (and so code): a mistake in a named policy shows once, with
 * every route that inherits it, rather than once per route.
 */
function groupProblems(problems: readonly CorsConfigurationProblem[]): CorsConfigurationProblem[] {
  const groups = new Map<string, { problem: CorsConfigurationProblem; locations: Set<string> }>();
  for (const problem of problems) {
    const key = `${problem.field}\n${problem.message}`;
    const group = groups.get(key) ?? { problem, locations: new Set<string>() };
    group.locations.add(problem.location);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ problem, locations }) => ({ ...problem, location: [...locations].join(', ') }));
}
