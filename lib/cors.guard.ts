import { ForbiddenException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { HttpExchange } from './adapters/http-exchange.js';
import { CORS_MODULE_OPTIONS } from './cors.constants.js';
import type { CorsModuleOptions, CorsRequest } from './cors-module-options.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsRequestHook } from './cors-request.hook.js';
import type { Handler } from './nest-metadata.js';
import type { CompiledPolicy } from './policy/compile.js';
import { decideRequest } from './policy/decide.js';
import type { OriginVerdict } from './policy/verdict.js';
import { checkResourceIsolation } from './policy/resource-isolation.js';
import { CORS_RESPONSE_HEADERS } from './policy/response-headers.js';

/**
 * The request hook writes every response's CORS headers before anything of the app runs; a
 * guard runs after the app's own global guards, too late for that. What only a guard can do is
 * stop a handler from running:
 *
 * 1. **`enforce: true`.** It refuses an actual cross-origin request from an origin the handler's
 *    policy does not allow with 403, before the handler runs and its side effects happen.
 * 2. **The one case the router cannot tell apart** (an inherited handler shared by controllers
 *    with different policies, on Nest 11, where both routes carry one callback): it rewrites
 *    the response's CORS headers with the controller's own policy.
 *
 * It never answers preflights: those never reach guards (see the README). The module attaches it
 * only to the handlers that need it (`CorsPolicyRegistry.guardedHandlers()`).
 */
@Injectable()
export class CorsGuard implements CanActivate {
  private readonly enforce: boolean;

  constructor(
    @Inject(CORS_MODULE_OPTIONS) options: CorsModuleOptions,
    private readonly registry: CorsPolicyRegistry,
    private readonly hook: CorsRequestHook,
  ) {
    this.enforce = options.enforce === true;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const own = this.registry.bindingOf(context.getClass(), context.getHandler() as Handler);
    if (own === undefined) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<object>();
    const decision = this.hook.decisionOf(request);
    if (decision !== undefined && decision.target.binding === own) {
      // The policy the hook decided with, even if an update has rebound the route since.
      const { policy } = decision;
      return this.enforce && policy !== null
        ? this.enforceVerdict(request, decision.verdict, policy as CompiledPolicy)
        : true;
    }
    // An ambiguous handler's decision (or none): decide again, with this controller's own policy.
    // The hook's exchange: the guard must clear headers from where the hook put them.
    const exchange = this.hook.getExchange();
    if (exchange === undefined || !this.hook.isInstalled()) return true;
    return this.correct(request, exchange, http.getResponse(), own.current);
  }

  /** Replaces what the hook wrote under another route's policy with the handler's own. */
  private correct(
    request: object,
    exchange: HttpExchange,
    response: unknown,
    own: CompiledPolicy | null,
  ): boolean | Promise<boolean> {
    const out = exchange.rawResponse(response);
    if (out.headersSent) return true;
    // The hook may have written another route's headers through the framework's reply.
    exchange.removeHeaders(response, CORS_RESPONSE_HEADERS);
    if (own === null) return true;
    const raw = exchange.rawRequest(request);
    const policy = own;
    const apply = (verdict: OriginVerdict | undefined): boolean =>
      this.enforce ? this.enforceVerdict(request, verdict, policy) : true;
    const verdict = decideRequest(own, raw, out, this.hook.getTimeout());
    return verdict instanceof Promise ? verdict.then(apply) : apply(verdict);
  }

  private enforceVerdict(request: object, verdict: OriginVerdict | undefined, policy: CompiledPolicy): boolean {
    if (verdict === undefined) {
      // No Origin to check: Fetch Metadata says where the request came from (resource isolation).
      if (checkResourceIsolation(policy, request as CorsRequest).allowed) return true;
      throw new ForbiddenException('Cross-site request refused by resource isolation policy');
    }
    if (verdict.allowed) return true;
    // Same-origin requests carry Origin too (for POST and the like); they need no CORS permission.
    const site = (request as { headers?: Record<string, unknown> }).headers?.['sec-fetch-site'];
    if (site === 'same-origin' || site === 'none') return true;
    throw new ForbiddenException('Cross-origin request refused by CORS policy');
  }
}
