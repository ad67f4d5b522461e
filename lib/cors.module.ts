import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type FactoryProvider,
  type InjectionToken,
  type NestModule,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import {
  DiscoveryModule,
  DiscoveryService,
  HttpAdapterHost,
  ModulesContainer,
  type AbstractHttpAdapter,
} from '@nestjs/core';
import { CorsAuditService } from './cors-audit.service.js';
import { CorsPolicyService } from './cors-policy.service.js';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS } from './cors.constants.js';
import { CorsGuard } from './cors.guard.js';
import { CorsGatewayHooks } from './gateways/cors-gateway.hooks.js';
import type { CorsModuleAsyncOptions, CorsModuleOptions, CorsOptionsFactory } from './cors-module-options.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsRequestHook } from './cors-request.hook.js';
import { CorsForeignLayerError, CorsMultipleImportsError, type ForeignCorsLayerKind } from './cors-setup-error.js';
import { findForeignCorsLayers, watchLateCorsLayers } from './module/foreign-cors-layers.js';
import {
  CORS_MODULE_IMPORT,
  CorsModuleImport,
  DynamicModuleCache,
  firstDifference,
  importersOf,
} from './module/module-imports.js';
import { GUARDS_METADATA } from './nest-metadata.js';
import { CorsConfigurationError, type CorsConfigurationProblem } from './policy/configuration-error.js';
import {
  validateAsyncModuleOptions,
  validateAsyncResult,
  validateOptionsFactory,
} from './policy/validate-module-options.js';

/** On the module class, so that a CommonJS and an ES-module copy of it recognise each other. */
const CORS_MODULE_MARK: unique symbol = Symbol.for('nest-cors:module');

/**
 * Per-route CORS for Nest. Import it once, in the root module:
 *
 * ```ts
 * @Module({ imports: [CorsModule.forRoot({ policies: { partners: { origins: ['https://app.example.com'] } } })] })
 * export class AppModule {}
 * ```
 *
 * It is global: feature modules use `@Cors('partners')` without importing it. Importing it again
 * with equal options is the same import; with other options, bootstrap fails
 * ({@link CorsMultipleImportsError}).
 *
 * At bootstrap (`configure()`, which Nest runs before it registers routes) every route's policy
 * is resolved, validated and compiled, and the request hook is installed on the HTTP adapter;
 * once routes are registered (`onApplicationBootstrap`) the hook stops watching the adapter's
 * registrations and seals what it learned of them. The module is the application's only CORS
 * layer: another one (`app.enableCors()`, `{ cors }`, the `cors` middleware, `@fastify/cors`)
 * fails bootstrap ({@link CorsForeignLayerError}), or `listen()` when it is added or loaded later.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [CorsPolicyRegistry, CorsRequestHook, CorsAuditService, CorsPolicyService, CorsGuard, CorsGatewayHooks],
  exports: [CorsAuditService, CorsPolicyService],
})
export class CorsModule implements NestModule, OnApplicationBootstrap {
  static readonly [CORS_MODULE_MARK] = true;
  private static readonly roots = new DynamicModuleCache();
  private static readonly asyncRoots = new DynamicModuleCache();

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly registry: CorsPolicyRegistry,
    private readonly hook: CorsRequestHook,
    private readonly audit: CorsAuditService,
    private readonly guard: CorsGuard,
    private readonly discovery: DiscoveryService,
    private readonly adapterHost: HttpAdapterHost,
    private readonly modules: ModulesContainer,
    private readonly gateways: CorsGatewayHooks,
  ) {}

  /** The other CORS layers `allowOtherCorsLayers` let through, each logged once. */
  private readonly allowedLayers = new Set<ForeignCorsLayerKind>();

  /** Guard metadata as it was before the module attached its guard, to put back. */
  private readonly originalGuards = new Map<object, unknown[] | undefined>();

  /**
   * Configures the module with static options. Equal options (the same object, or equal values;
   * functions by identity) give the same dynamic module, which Nest imports once however many
   * modules import it.
   */
  static forRoot(options: CorsModuleOptions = {}): DynamicModule {
    return CorsModule.roots.get(options, () => ({
      module: CorsModule,
      providers: [
        { provide: CORS_MODULE_OPTIONS, useValue: options },
        { provide: CORS_MODULE_IMPORT, useValue: new CorsModuleImport('forRoot') },
      ],
    }));
  }

  /**
   * Configures the module with options built at bootstrap from other providers, in any of
   * Nest's three forms. With `useFactory`, a function of the providers in `inject`:
   *
   * ```ts
   * CorsModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ policies: { app: { origins: config.getOrThrow('APP_ORIGIN') } } }),
   * })
   * ```
   *
   * With `useClass`, a {@link CorsOptionsFactory} the module instantiates (its constructor's
   * dependencies come from `imports`, `extraProviders` or global modules):
   *
   * ```ts
   * CorsModule.forRootAsync({ imports: [ConfigModule], useClass: CorsConfig })
   * ```
   *
   * With `useExisting`, a {@link CorsOptionsFactory} provider that exists already, exported by a
   * module in `imports` (or by a global one), which is reused rather than instantiated again:
   *
   * ```ts
   * CorsModule.forRootAsync({ imports: [SettingsModule], useExisting: SettingsService })
   * ```
   *
   * The same factory, class or existing token with equal `imports`, `inject` and
   * `extraProviders` gives the same dynamic module, as {@link forRoot} does for equal options.
   *
   * @throws CorsConfigurationError when the options do not give exactly one of `useFactory`,
   *   `useClass` and `useExisting` (`code: 'option_invalid'`), or name unknown fields
   *   (`'option_unknown'`); at bootstrap, when what the factory gives is not an options object,
   *   or the options have problems.
   */
  static forRootAsync(options: CorsModuleAsyncOptions): DynamicModule {
    return CorsModule.asyncRoots.get(options, () => {
      throwIfAny(validateAsyncModuleOptions(options));
      return {
        module: CorsModule,
        imports: [...(options.imports ?? [])],
        providers: [
          ...CorsModule.createAsyncProviders(options),
          ...(options.extraProviders ?? []),
          { provide: CORS_MODULE_IMPORT, useValue: new CorsModuleImport('forRootAsync') },
        ],
      };
    });
  }

  /** The options provider and, for `useClass`, the class it instantiates. */
  private static createAsyncProviders(options: CorsModuleAsyncOptions): Provider[] {
    const optionsProvider = CorsModule.createAsyncOptionsProvider(options);
    if (options.useClass === undefined) return [optionsProvider];
    return [optionsProvider, { provide: options.useClass, useClass: options.useClass }];
  }

  /** Provides `CORS_MODULE_OPTIONS` from the factory, or from the options factory's provider. */
  private static createAsyncOptionsProvider(options: CorsModuleAsyncOptions): FactoryProvider<CorsModuleOptions> {
    if (options.useFactory !== undefined) {
      const { useFactory } = options;
      return {
        provide: CORS_MODULE_OPTIONS,
        useFactory: async (...dependencies: unknown[]) =>
          checked(await useFactory(...(dependencies as never[])), 'useFactory', 'the useFactory function'),
        inject: [...(options.inject ?? [])],
      };
    }
    const form = options.useClass === undefined ? 'useExisting' : 'useClass';
    const token: InjectionToken<CorsOptionsFactory> = options.useClass ?? options.useExisting;
    const name = tokenName(token);
    return {
      provide: CORS_MODULE_OPTIONS,
      useFactory: async (factory: CorsOptionsFactory) => {
        throwIfAny(validateOptionsFactory(factory, form, name));
        return checked(await factory.createCorsOptions(), form, `${name}.createCorsOptions()`);
      },
      inject: [token],
    };
  }

  /**
   * Runs before Nest registers routes: the only moment to see each route as it is registered and
   * tie it to its handler's policy in the adapter's own router. Nest calls it once per module
   * instance: with a second import, the first instance to get here refuses, before either builds
   * anything.
   */
  configure(): void {
    this.refuseMultipleImports();
    // Nest has connected the gateways by now (`app.init()` does it first).
    this.gateways.collectServers();
    const adapter = this.adapterHost.httpAdapter;
    if (adapter === undefined || adapter === null) return; // not an HTTP application
    this.registry.build(adapter.getType());
    this.gateways.attach();
    this.attachGuard();
    this.hook.install(adapter);
    if (this.hook.isInstalled()) watchLateCorsLayers(adapter, () => this.refuseForeignLayers(adapter));
  }

  /**
   * Two imports the caches of {@link forRoot} and {@link forRootAsync} could not merge are two
   * module instances to Nest, each with every provider of its own: its own policies, request
   * hook (the second chained behind the first) and guard; controllers of the importing module,
   * other modules and `app.get()` each get a different `CorsAuditService`. Refused.
   */
  private refuseMultipleImports(): void {
    const modules = [...this.modules.values()];
    const instances = modules.filter((module) => isCorsModule(module.metatype));
    if (instances.length <= 1) return;
    const options = instances.map((module) => module.providers.get(CORS_MODULE_OPTIONS)?.instance);
    let difference: string | undefined;
    for (const other of options.slice(1)) {
      difference = firstDifference(options[0], other);
      if (difference !== undefined) break;
    }
    const markers = new Set(
      instances
        .map((module) => module.providers.get(CORS_MODULE_IMPORT)?.instance)
        .filter((marker) => marker instanceof CorsModuleImport),
    );
    const importedBy = importersOf(
      modules.map((module) => module.metatype).filter((metatype) => typeof metatype === 'function'),
      markers,
    );
    throw new CorsMultipleImportsError(
      instances.length,
      importedBy,
      difference === '' ? 'the options themselves' : difference,
    );
  }

  /**
   * Another CORS layer beside the module bypasses every policy: refused, at bootstrap and again
   * just before the server accepts requests; logged once per layer with `allowOtherCorsLayers`.
   */
  private refuseForeignLayers(adapter: AbstractHttpAdapter): void {
    const layers = findForeignCorsLayers(adapter).filter((layer) => !this.allowedLayers.has(layer.kind));
    if (layers.length === 0) return;
    if (this.options.allowOtherCorsLayers !== true) throw new CorsForeignLayerError(layers);
    for (const layer of layers) this.allowedLayers.add(layer.kind);
    new Logger(CORS_LOGGER_CONTEXT).log(
      `Another CORS layer answers beside CorsModule (allowOtherCorsLayers: true): ${layers.map((l) => l.description).join('; ')}`,
    );
  }

  /**
   * Puts the guard on the handlers that need it, through the metadata `@UseGuards()` writes,
   * which Nest reads when it registers each route, right after this. Not a global guard: every
   * other route is fully handled by the request hook and pays nothing for a guard pipeline.
   */
  private attachGuard(): void {
    for (const handler of this.registry.guardedHandlers()) {
      const guards = Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined;
      this.originalGuards.set(handler, guards);
      Reflect.defineMetadata(GUARDS_METADATA, [...(guards ?? []), this.guard], handler);
    }
  }

  /**
   * Nest has read the guards by now (for static controllers, once); put the metadata back, so a
   * later application built from the same classes starts clean. Request-scoped controllers read
   * guards per request, so theirs stay.
   */
  private detachGuard(): void {
    const requestScoped = new Set(
      this.discovery
        .getControllers()
        .filter((wrapper) => !wrapper.isDependencyTreeStatic())
        .flatMap((wrapper) =>
          Object.values(
            Object.getOwnPropertyDescriptors((wrapper.metatype as { prototype?: object } | null)?.prototype ?? {}),
          ).map((d) => d.value as unknown),
        ),
    );
    for (const [handler, guards] of this.originalGuards) {
      if (requestScoped.has(handler)) continue;
      if (guards === undefined) Reflect.deleteMetadata(GUARDS_METADATA, handler);
      else Reflect.defineMetadata(GUARDS_METADATA, guards, handler);
    }
    this.originalGuards.clear();
  }

  onApplicationBootstrap(): void {
    if (this.hook.isInstalled()) {
      try {
        this.refuseForeignLayers(this.adapterHost.httpAdapter);
      } catch (error) {
        // The application will not start; handler metadata is shared with the next one.
        this.registry.releaseStamps();
        this.detachGuard();
        throw error;
      }
    }
    this.hook.seal();
    this.registry.releaseStamps();
    this.detachGuard();
    if (!this.hook.isInstalled()) return;
    const logger = new Logger(CORS_LOGGER_CONTEXT);
    if (this.options.logRoutes === true) logger.log(`CORS routes:\n${this.audit.formatTable()}`);
    if (this.options.csrfTrustedOrigins !== undefined) {
      for (const finding of this.audit.checkCsrfProtection(this.options.csrfTrustedOrigins))
        logger.warn(`CSRF protection: ${finding}`);
    }
  }
}

function throwIfAny(problems: readonly CorsConfigurationProblem[]): void {
  if (problems.length > 0) throw new CorsConfigurationError(problems);
}

/** What a `forRootAsync()` factory gave, once it is known to be an options object. */
function checked(options: unknown, form: 'useFactory' | 'useClass' | 'useExisting', source: string): CorsModuleOptions {
  throwIfAny(validateAsyncResult(options, form, source));
  return options as CorsModuleOptions;
}

function tokenName(token: InjectionToken): string {
  if (typeof token === 'function') return token.name;
  return typeof token === 'string' ? `'${token}'` : String(token);
}

function isCorsModule(metatype: unknown): boolean {
  return (
    metatype === CorsModule ||
    (typeof metatype === 'function' && (metatype as { [CORS_MODULE_MARK]?: unknown })[CORS_MODULE_MARK] === true)
  );
}
