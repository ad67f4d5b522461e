import { Module, type DynamicModule } from '@nestjs/common';
import { CorsPolicyAdminController } from './cors-policy-admin.controller.js';
import { CORS_FLEET_OPTIONS, CorsPolicySync, type CorsFleetOptions } from './cors-policy-sync.js';

/**
 * Keeps the app's named CORS policies in step across instances, over Redis (docs/fleets.md).
 * Import it beside `CorsModule.forRoot(...)`, whose `CorsPolicyService` it drives.
 *
 * @example
 * ```ts
 * imports: [CorsModule.forRoot({ policies: { partners: {...} } }), CorsFleetModule.forRoot({ url: process.env.REDIS_URL! })]
 * ```
 */
@Module({})
export class CorsFleetModule {
  static forRoot(options: CorsFleetOptions): DynamicModule {
    return {
      module: CorsFleetModule,
      providers: [{ provide: CORS_FLEET_OPTIONS, useValue: options }, CorsPolicySync],
      controllers: [CorsPolicyAdminController],
      exports: [CorsPolicySync],
    };
  }
}
