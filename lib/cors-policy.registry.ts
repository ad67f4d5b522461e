import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS, CORS_POLICY_METADATA } from './cors.constants.js';
import type { CorsModuleOptions, CorsPolicy, CorsPolicyReference } from './cors-module-options.js';
import {
  findGateways,
  HOST_METADATA,
  PATH_METADATA,
  respondsDirectly,
  takesNext,
  type Constructor,
  type Handler,
} from './nest-metadata.js';
import { PolicyCompiler, type CompiledPolicy } from './policy/compile.js';
import { PolicyBinding } from './policy/policy-binding.js';
import { snapshotPolicies } from './policy/policy-change.js';
import { CorsConfigurationError, formatProblem, type CorsConfigurationProblem } from './policy/configuration-error.js';
import { resolveRoutePolicy, type PolicyDeclarations } from './policy/resolve.js';
import { PolicyValidator } from './policy/validate.js';
import { validateModuleOptions } from './policy/validate-module-options.js';
import { ForeignRoutePolicies } from './routing/foreign-route-policies.js';
import { AmbiguousRoutePolicy, type RoutePolicy, type RouteStamp } from './routing/route-target.js';

/** One route's or gateway's policy, as declared: what is resolved again on every update. */
interface PolicyRecipe {
  readonly declarations: PolicyDeclarations;
  readonly location: string;
  readonly binding: PolicyBinding<CompiledPolicy | null>;
}

/** Every policy of the application compiled from one set of options, or what is wrong with it. */
interface CompiledOptions {
  readonly problems: CorsConfigurationProblem[];
  readonly global: CompiledPolicy | null;
  readonly paths: readonly (readonly [string, CompiledPolicy | null])[];
  /** In the order of the recipes they were compiled from. */
  readonly recipes: readonly (CompiledPolicy | null)[];
}

/**
 * Which policy each handler has. Built once, in the module's `configure()` (before Nest
 * registers routes): every controller's routes are resolved, validated (all problems reported
 * in one {@link CorsConfigurationError}) and compiled; each handler function is then stamped
 * under a key of this application's own, which Nest copies onto the callback it hands the HTTP
 * adapter, so the route's target can be read off it as the adapter registers it.
 *
 * Routes reach their compiled policy through a {@link PolicyBinding}, so that a named policy
 * changed at runtime ({@link replacePolicy}) is resolved, validated and compiled for every
 * route exactly as at bootstrap, then swapped in for all of them in one synchronous step.
 */
@Injectable()
export class CorsPolicyRegistry {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);
  /** The options as they are now: the module's, with the named policies updated since. */
  private options: CorsModuleOptions;
  private compiler = new PolicyCompiler();
  private readonly recipes: PolicyRecipe[] = [];
  /** Each controller's own binding of each handler (`null` policy: no CORS). */
  private readonly byController = new Map<Constructor, Map<Handler, PolicyBinding<CompiledPolicy | null>>>();
  /** Gateways (`@WebSocketGateway` classes) and their bindings. */
  private readonly gateways = new Map<Constructor, PolicyBinding<CompiledPolicy | null>>();
  /** Handlers shared by controllers of different declarations: derived from their parts on each swap. */
  private readonly shared: { readonly binding: PolicyBinding<RoutePolicy>; readonly parts: PolicyRecipe[] }[] = [];
  private globalBinding: PolicyBinding<CompiledPolicy | null> | null = null;
  private pathBindings: (readonly [string, PolicyBinding<CompiledPolicy | null>])[] = [];
  private readonly stamped = new Set<Handler>();
  private readonly guarded = new Set<Handler>();
  private foreign = new ForeignRoutePolicies(null, []);
  /** Each controller's own stamp of a handler, by `Controller.handler`; `null` when two share the name. */
  private readonly byLocation = new Map<string, RouteStamp | null>();
  /** Per application, so that two apps sharing controller classes never read each other's stamps. */
  private readonly stampKey = Symbol('nest-cors:route-policy');

  constructor(
    @Inject(CORS_MODULE_OPTIONS) options: CorsModuleOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {
    // Named policies as the registry's own frozen copies: what a runtime update compares with
    // and replaces, safe from the caller changing its own arrays later.
    const { policies } = options;
    this.options =
      typeof policies === 'object' && policies !== null && !Array.isArray(policies)
        ? { ...options, policies: snapshotPolicies(policies) }
        : options;
  }

  /**
   * @param adapterType the HTTP adapter's `getType()`.
   * @throws CorsConfigurationError listing every problem of every route.
   */
  build(adapterType: string): void {
    // One more metadata read per handler, for the one adapter that uses it.
    const readsDirectResponses = adapterType === 'fastify';
    // Only Express passes a request a handler declines on to the next matching route.
    const passesOn = adapterType === 'express';
    const handlers: { controller: Constructor; handler: Handler; methodName: string; recipe: PolicyRecipe }[] = [];

    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Constructor | null;
      if (!controller || this.byController.has(controller)) continue;
      const bindings = new Map<Handler, PolicyBinding<CompiledPolicy | null>>();
      this.byController.set(controller, bindings);
      const controllerRef = Reflect.getMetadata(CORS_POLICY_METADATA, controller) as CorsPolicyReference | undefined;
      const prototype = controller.prototype as Record<string, Handler>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName];
        // Own metadata: route decorators write on the function itself (inherited ones too).
        if (Reflect.getOwnMetadata(PATH_METADATA, handler) === undefined) continue;
        const handlerRef = Reflect.getOwnMetadata(CORS_POLICY_METADATA, handler) as CorsPolicyReference | undefined;
        const recipe = this.addRecipe(
          { controller: controllerRef, handler: handlerRef },
          `${controller.name}.${methodName}`,
        );
        bindings.set(handler, recipe.binding);
        handlers.push({ controller, handler, methodName, recipe });
      }
    }
    for (const gateway of findGateways(this.discovery)) {
      const ref = Reflect.getMetadata(CORS_POLICY_METADATA, gateway) as CorsPolicyReference | undefined;
      this.gateways.set(gateway, this.addRecipe({ controller: ref, handler: undefined }, gateway.name).binding);
    }

    const compiled = this.compileAll(this.options, this.compiler);
    if (compiled.problems.length > 0) throw new CorsConfigurationError(groupProblems(compiled.problems));
    this.recipes.forEach((recipe, i) => recipe.binding.rebind(compiled.recipes[i]));
    this.globalBinding = this.options.global ? new PolicyBinding(compiled.global) : null;
    this.pathBindings = compiled.paths.map(([path, policy]) => [path, new PolicyBinding(policy)] as const);
    this.foreign = new ForeignRoutePolicies(this.globalBinding, this.pathBindings);
    this.warnOfNonControllers();

    const stamps = new Map<Handler, { parts: PolicyRecipe[]; respondsDirectly: boolean; passesOn: boolean }>();
    for (const { controller, handler, methodName, recipe } of handlers) {
      const hasPolicy = recipe.binding.current !== null;
      if (hasPolicy && this.options.enforce === true) this.guarded.add(handler);
      const direct = hasPolicy && readsDirectResponses && respondsDirectly(controller, methodName);
      // Express runs the next matching route when a host filter or a `@Next()` handler declines.
      const hostFiltered = Reflect.getMetadata(HOST_METADATA, controller) !== undefined;
      const declines = passesOn && (hostFiltered || takesNext(controller, methodName));
      const own = Object.freeze({
        binding: recipe.binding,
        location: recipe.location,
        respondsDirectly: direct,
        passesOn: declines,
        guarded: this.guarded.has(handler),
      });
      this.byLocation.set(recipe.location, this.byLocation.has(recipe.location) ? null : own);
      // An inherited method shared by controllers of different policies stays ambiguous on its
      // function; Nest 12 names each route's callback after its controller (`byLocation`).
      const previous = stamps.get(handler);
      stamps.set(
        handler,
        previous === undefined
          ? { parts: [recipe], respondsDirectly: direct, passesOn: declines }
          : {
              parts: [...previous.parts, recipe],
              respondsDirectly: previous.respondsDirectly || direct,
              passesOn: previous.passesOn || declines,
            },
      );
    }
    for (const [handler, { parts, ...handling }] of stamps) {
      const binding = this.bindingOfParts(parts);
      // Parts declared differently may differ after any update: the guard tells them apart.
      if (parts.length > 1 && binding !== parts[0].binding) this.guarded.add(handler);
      const location = parts.map((part) => part.location).join(' | ');
      const stamp = Object.freeze({ ...handling, binding, location, guarded: this.guarded.has(handler) });
      Reflect.defineMetadata(this.stampKey, stamp, handler);
      this.stamped.add(handler);
    }
  }

  /**
   * Replaces the named policy `name` with `policy` for every route, gateway, `paths` entry and
   * `global` that uses it: resolved, validated and compiled as at bootstrap, then swapped in
   * all at once. Requests already started finish under the policy they read.
   *
   * @throws CorsConfigurationError when the result has any problem; nothing changes then.
   */
  replacePolicy(name: string, policy: CorsPolicy): void {
    const next: CorsModuleOptions = { ...this.options, policies: { ...this.options.policies, [name]: policy } };
    const compiler = new PolicyCompiler(this.compiler);
    // Warnings of the routes the update concerns; the others' were logged when they were set.
    const concerned = this.locationsUsing(name);
    const compiled = this.compileAll(next, compiler, (location) => concerned.has(location));
    if (compiled.problems.length > 0) throw new CorsConfigurationError(groupProblems(compiled.problems));
    // From here on nothing throws, and nothing yields: no request sees half of the swap.
    this.recipes.forEach((recipe, i) => recipe.binding.rebind(compiled.recipes[i]));
    this.globalBinding?.rebind(compiled.global);
    this.pathBindings.forEach(([, binding], i) => binding.rebind(compiled.paths[i][1]));
    for (const { binding, parts } of this.shared) binding.rebind(derivedPolicy(parts));
    this.options = next;
    this.compiler = compiler;
  }

  /** The named policies as they are now (declared form, before merging with `defaults`). */
  namedPolicies(): Readonly<Record<string, CorsPolicy>> {
    return this.options.policies ?? {};
  }

  /**
   * The compiled policies now in force wherever the named policy `name` is used, to reach
   * their origin-verdict caches.
   */
  policiesUsing(name: string): readonly CompiledPolicy[] {
    const found = new Set<CompiledPolicy>();
    for (const binding of this.bindingsUsing(name).values()) if (binding.current !== null) found.add(binding.current);
    return [...found];
  }

  /**
   * The policies of what no controller declares: routes other modules or the app register on
   * the adapter, and requests no route serves. Set by {@link build}.
   */
  foreignPolicies(): ForeignRoutePolicies {
    return this.foreign;
  }

  /** Each `@WebSocketGateway` class with its policy (`null`: none), set by {@link build}. */
  gatewayPolicies(): ReadonlyMap<Constructor, PolicyBinding<CompiledPolicy | null>> {
    return this.gateways;
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
   * A handler's own binding under `controller`, or `undefined` for a handler not explored:
   * what the guard decides with where the route's stamp is ambiguous.
   */
  bindingOf(controller: Constructor, handler: Handler): PolicyBinding<CompiledPolicy | null> | undefined {
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
    if (stamp === undefined || !this.shared.some(({ binding }) => binding === stamp.binding)) return stamp;
    return this.byLocation.get(routeCallback.name) ?? stamp;
  }

  /** Removes the stamps once Nest has copied them onto its route callbacks. */
  releaseStamps(): void {
    for (const handler of this.stamped) Reflect.deleteMetadata(this.stampKey, handler);
    this.stamped.clear();
  }

  /** Where the named policy `name` is used now, by location, with the binding there. */
  private bindingsUsing(name: string): Map<string, PolicyBinding<CompiledPolicy | null>> {
    const { global, paths } = this.options;
    const found = new Map<string, PolicyBinding<CompiledPolicy | null>>();
    for (const { declarations, location, binding } of this.recipes) {
      if ((declarations.controller ?? global) === name || declarations.handler === name) found.set(location, binding);
    }
    if (global === name && this.globalBinding !== null) found.set('global', this.globalBinding);
    for (const [path, binding] of this.pathBindings) if (paths?.[path] === name) found.set(`paths['${path}']`, binding);
    return found;
  }

  /** The locations whose policy an update of `name` concerns, its own check included. */
  private locationsUsing(name: string): Set<string> {
    return new Set([`policies.${name}`, ...this.bindingsUsing(name).keys()]);
  }

  private addRecipe(declarations: PolicyDeclarations, location: string): PolicyRecipe {
    const recipe = { declarations, location, binding: new PolicyBinding<CompiledPolicy | null>(null) };
    this.recipes.push(recipe);
    return recipe;
  }

  /**
   * The binding of a handler several controllers share: the first one's when they declare the
   * same policy (then they always compile to the same one), else one derived from all of them.
   */
  private bindingOfParts(parts: PolicyRecipe[]): PolicyBinding<RoutePolicy> {
    const [first] = parts;
    const same = parts.every(
      ({ declarations }) =>
        declarations.controller === first.declarations.controller &&
        declarations.handler === first.declarations.handler,
    );
    if (same) return first.binding;
    const binding = new PolicyBinding<RoutePolicy>(derivedPolicy(parts));
    this.shared.push({ binding, parts });
    return binding;
  }

  /** Resolves, validates and compiles every policy of the application under `options`. */
  private compileAll(
    options: CorsModuleOptions,
    compiler: PolicyCompiler,
    warnsAbout: (location: string) => boolean = () => true,
  ): CompiledOptions {
    const validator = new PolicyValidator();
    const problems: CorsConfigurationProblem[] = validateModuleOptions(options);
    const warnings: CorsConfigurationProblem[] = [];
    const compile = (declarations: PolicyDeclarations, location: string, requireOrigins = true) => {
      const resolved = resolveRoutePolicy(options, declarations, location);
      if (resolved.kind === 'error') problems.push(resolved.problem);
      if (resolved.kind !== 'policy') return null;
      const result = validator.validate(resolved.policy, location, { requireOrigins });
      if (warnsAbout(location)) warnings.push(...result.warnings);
      problems.push(...result.problems);
      return result.problems.length === 0 && requireOrigins ? compiler.compile(resolved.policy) : null;
    };
    // Named policies are checked on their own too, so that a mistake in one that no route uses
    // yet is caught; their origins may still come from a handler, so not required.
    for (const name of Object.keys(options.policies ?? {}))
      compile({ controller: name, handler: undefined }, `policies.${name}`, false);
    // `global` and `paths` apply as they are to routes no controller declares: origins required.
    const global = options.global ? compile({ controller: undefined, handler: undefined }, 'global') : null;
    const paths = Object.entries(options.paths ?? {}).map(
      ([path, ref]) => [path, compile({ controller: false, handler: ref }, `paths['${path}']`)] as const,
    );
    const recipes = this.recipes.map(({ declarations, location }) => compile(declarations, location));
    // Once per warning, with every route it concerns: a named policy reaches many routes.
    for (const warning of groupProblems(warnings)) this.logger.warn(formatProblem(warning));
    return { problems, global, paths, recipes };
  }

  /**
   * `@Cors()` only reaches the routes of controllers: on a resolver, a gateway or any other
   * provider it would be silently ignored, so say so once at bootstrap, with what to use instead.
   */
  private warnOfNonControllers(): void {
    const seen = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Constructor | null | undefined;
      if (typeof type !== 'function' || seen.has(type) || this.byController.has(type) || this.gateways.has(type))
        continue;
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
}

/** What a handler shared by controllers of different policies has: one policy, or ambiguity. */
function derivedPolicy(parts: readonly PolicyRecipe[]): RoutePolicy {
  const [first, ...others] = parts.map((part) => part.binding.current);
  return others.every((other) => other === first) ? first : new AmbiguousRoutePolicy([first, ...others]);
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
