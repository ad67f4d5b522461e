import { Global, Inject, Logger, Module, type DynamicModule, type NestModule, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { CorsAuditService } from './cors-audit.service.js';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS } from './cors.constants.js';

// Where `@UseGuards()` keeps a handler's guards (Nest's `GUARDS_METADATA`), spelled out so that
// one build serves Nest 11 (CommonJS) and Nest 12 (ESM).
const GUARDS_METADATA = '__guards__';
import { CorsGuard } from './cors.guard.js';
import type { CorsModuleAsyncOptions, CorsModuleOptions } from './cors-module-options.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsRequestHook } from './cors-request.hook.js';

/**
 * Per-route CORS for Nest. Import it once, in the root module:
 *
 * ```ts
 * @Module({ imports: [CorsModule.forRoot({ policies: { partners: { origins: ['https://app.example.com'] } } })] })
 * export class AppModule {}
 * ```
 *
 * At bootstrap (`configure()`, which Nest runs before it registers routes) every route's policy
 * is resolved, validated and compiled, and the request hook is installed on the HTTP adapter;
 * once routes are registered (`onApplicationBootstrap`) the route table is sealed.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [CorsPolicyRegistry, CorsRequestHook, CorsAuditService, CorsGuard],
  exports: [CorsAuditService],
})
export class CorsModule implements NestModule, OnApplicationBootstrap {
  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly registry: CorsPolicyRegistry,
    private readonly hook: CorsRequestHook,
    private readonly audit: CorsAuditService,
    private readonly guard: CorsGuard,
    private readonly discovery: DiscoveryService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Guard metadata as it was before the module attached its guard, to put back. */
  private readonly originalGuards = new Map<object, unknown[] | undefined>();

  /** Configures the module with static options. */
  static forRoot(options: CorsModuleOptions = {}): DynamicModule {
    return { module: CorsModule, providers: [{ provide: CORS_MODULE_OPTIONS, useValue: options }] };
  }

  /**
   * Configures the module with options built by a factory, e.g. from `ConfigService`:
   *
   * ```ts
   * CorsModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ policies: { app: { origins: config.getOrThrow('APP_ORIGIN') } } }),
   * })
   * ```
   */
  static forRootAsync(options: CorsModuleAsyncOptions): DynamicModule {
    return {
      module: CorsModule,
      imports: [...(options.imports ?? [])],
      providers: [{ provide: CORS_MODULE_OPTIONS, useFactory: options.useFactory, inject: [...(options.inject ?? [])] }],
    };
  }

  /** Runs before Nest registers routes: the only moment the route table can be built. */
  configure(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter === undefined || adapter === null) return; // not an HTTP application
    this.registry.build(adapter.getType());
    this.attachGuard();
    this.hook.install(adapter);
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
        .flatMap((wrapper) => Object.values(Object.getOwnPropertyDescriptors((wrapper.metatype as { prototype?: object } | null)?.prototype ?? {})).map((d) => d.value as unknown)),
    );
    for (const [handler, guards] of this.originalGuards) {
      if (requestScoped.has(handler)) continue;
      if (guards === undefined) Reflect.deleteMetadata(GUARDS_METADATA, handler);
      else Reflect.defineMetadata(GUARDS_METADATA, guards, handler);
    }
    this.originalGuards.clear();
  }

  onApplicationBootstrap(): void {
    this.hook.seal();
    this.registry.releaseStamps();
    this.detachGuard();
    if (!this.hook.isInstalled()) return;
    const logger = new Logger(CORS_LOGGER_CONTEXT);
    if (this.options.logRoutes === true) logger.log(`CORS routes:\n${this.audit.formatTable()}`);
    if (this.options.csrfTrustedOrigins !== undefined) {
      for (const finding of this.audit.checkCsrfProtection(this.options.csrfTrustedOrigins)) logger.warn(`CSRF protection: ${finding}`);
    }
  }
}
