import { Global, Inject, Logger, Module, type DynamicModule, type NestModule, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { CorsAuditService } from './cors-audit.service.js';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS } from './cors.constants.js';
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
  providers: [CorsPolicyRegistry, CorsRequestHook, CorsAuditService, { provide: APP_GUARD, useClass: CorsGuard }],
  exports: [CorsAuditService],
})
export class CorsModule implements NestModule, OnApplicationBootstrap {
  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly registry: CorsPolicyRegistry,
    private readonly hook: CorsRequestHook,
    private readonly audit: CorsAuditService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

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
    this.registry.build();
    this.hook.install(adapter);
  }

  onApplicationBootstrap(): void {
    this.hook.seal();
    this.registry.releaseStamps();
    if (this.options.logRoutes === true && this.hook.getEvaluator() !== undefined) {
      new Logger(CORS_LOGGER_CONTEXT).log(`CORS routes:\n${this.audit.formatTable()}`);
    }
  }
}
