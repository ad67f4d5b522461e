import { SetMetadata } from '@nestjs/common';
import { CORS_POLICY_METADATA } from './cors.constants.js';
import type { CorsPolicyReference } from './cors-module-options.js';

/**
 * Declares the CORS policy of a controller or a handler: a policy, the name of one registered
 * in `CorsModule.forRoot({ policies })`, or `false` for no CORS at all. A handler's policy
 * overrides its controller's field by field. Checked at bootstrap, with every other policy.
 *
 * @example
 * ```ts
 * @Cors('partners')
 * @Controller('partners/orders')
 * export class OrdersController {
 *   @Delete(':id')
 *   @Cors({ origins: ['https://admin.example.com'] }) // other fields from 'partners'
 *   remove(@Param('id') id: string) {}
 * }
 * ```
 */
export function Cors(policy: CorsPolicyReference): ClassDecorator & MethodDecorator {
  return SetMetadata(CORS_POLICY_METADATA, policy);
}
