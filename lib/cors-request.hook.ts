import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { exchangeFor, type HttpExchange } from './adapters/http-exchange.js';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS, DEFAULT_ORIGIN_CALLBACK_TIMEOUT } from './cors.constants.js';
import type { CorsModuleOptions } from './cors-module-options.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsRefusalLogger } from './cors-refusal.logger.js';
import { APPLIED_POLICY, ORIGIN_VERDICT, type CorsRequestState } from './cors-request-state.js';
import type { CompiledPolicy } from './policy/compiled-policy.js';
import { checkOrigin, type OriginVerdict } from './policy/origin-check.js';
import { checkPreflightRequest, type PreflightRequest } from './policy/preflight.js';
import type { CorsRefusalReason } from './policy/refusal.js';
import { appendVary, writeAllowedPreflight, writeAllowedResponse } from './policy/response-headers.js';
import { expressPathToRoutePaths } from './routing/express-path.js';
import { AmbiguousRoutePolicy, RouteTable, type RouteEntry, type RouteMatchingOptions } from './routing/route-table.js';

type Done = (error?: Error) => void;
type RequestHook = (request: unknown, response: unknown, done: Done) => void;
type Verb = (...args: unknown[]) => unknown;

/** Adapter methods through which Nest registers routes (`RouterMethodFactory`). */
const ROUTE_VERBS = [
  'get', 'post', 'put', 'delete', 'patch', 'options', 'head', 'all',
  'search', 'propfind', 'proppatch', 'mkcol', 'copy', 'move', 'lock', 'unlock',
] as const;

interface HookableAdapter {
  getType(): string;
  getInstance(): unknown;
  setOnRequestHook(hook: RequestHook): void;
  getRouteMatchingOptions?(): Partial<RouteMatchingOptions> & { useSemicolonDelimiter?: boolean };
  /** The adapter's current hook (a private field of Nest's adapters in 11 and 12). */
  onRequestHook?: RequestHook;
}

/**
 * Answers preflights and writes the CORS headers of actual responses from the HTTP adapter's
 * request hook, which runs first for every request: before middleware, before the app's own
 * guards, and for paths Nest answers with 404. That is the only place where a preflight for a
 * route without an `OPTIONS` handler can be seen at all, and where headers written still end
 * up on every response that follows (401s from guards, 500s, filters, `@Res()`, streams).
 *
 * To know the route a request or preflight is for, it records the routes Nest registers on the
 * adapter (method, final path with prefix and version, and the policy stamped on the handler)
 * in a {@link RouteTable}.
 */
@Injectable()
export class CorsRequestHook {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);
  private readonly refusals: CorsRefusalLogger;
  private readonly timeoutMs: number;
  private adapter: HookableAdapter | undefined;
  private exchange: HttpExchange | undefined;
  private routes: RouteTable | undefined;
  private previousHook: RequestHook | undefined;
  private readonly wrappedVerbs: string[] = [];
  private stopAtSemicolon = false;
  private readonly hook: RequestHook = (request, response, done) => this.handle(request, response, done);

  constructor(
    @Inject(CORS_MODULE_OPTIONS) options: CorsModuleOptions,
    private readonly registry: CorsPolicyRegistry,
  ) {
    this.refusals = new CorsRefusalLogger(options.debug === true);
    this.timeoutMs = options.originCallbackTimeout ?? DEFAULT_ORIGIN_CALLBACK_TIMEOUT;
  }

  /** Must run before Nest registers routes: from the module's `configure()`. */
  install(httpAdapter: AbstractHttpAdapter): void {
    const adapter = httpAdapter as unknown as HookableAdapter;
    const exchange = exchangeFor(adapter.getType());
    if (exchange === undefined) {
      this.logger.error(`HTTP adapter '${adapter.getType()}' is not supported (Express and Fastify are): no CORS headers will be sent`);
      return;
    }
    this.adapter = adapter;
    this.exchange = exchange;
    const matching = routeMatchingOptions(adapter);
    this.stopAtSemicolon = matching.useSemicolonDelimiter === true;
    this.routes = new RouteTable(matching);
    this.recordRoutes(adapter);
    this.previousHook = adapter.onRequestHook;
    adapter.setOnRequestHook(this.hook);
  }

  /** After Nest registered its routes: stop recording, and check nobody replaced the hook. */
  seal(): void {
    const adapter = this.adapter;
    if (adapter === undefined) return;
    for (const verb of this.wrappedVerbs) delete (adapter as unknown as Record<string, Verb>)[verb];
    this.wrappedVerbs.length = 0;
    if (adapter.onRequestHook !== undefined && adapter.onRequestHook !== this.hook) {
      this.logger.error('setOnRequestHook() was called after CorsModule installed its hook, replacing it: preflights are no longer answered');
    }
  }

  /** The routes recorded, for diagnostics and tests. */
  routeTable(): RouteTable | undefined {
    return this.routes;
  }

  private recordRoutes(adapter: HookableAdapter): void {
    const target = adapter as unknown as Record<string, Verb>;
    const isExpress = adapter.getType() === 'express';
    for (const verb of ROUTE_VERBS) {
      const original = target[verb];
      if (typeof original !== 'function') continue;
      target[verb] = (...args: unknown[]) => {
        this.record(verb.toUpperCase(), args, isExpress);
        return original.apply(adapter, args);
      };
      this.wrappedVerbs.push(verb);
    }
  }

  private record(method: string, args: unknown[], isExpress: boolean): void {
    const [path] = args;
    const policy = this.registry.routePolicyOf(args[args.length - 1]);
    if (typeof path !== 'string' || policy === undefined) return;
    const paths = isExpress ? expressPathToRoutePaths(path) : [path];
    try {
      if (paths === undefined) throw new Error('path syntax without a find-my-way equivalent');
      for (const routePath of paths) this.routes!.add(method, routePath, policy);
    } catch (error) {
      if (policy === null) return;
      this.logger.warn(
        `${method} ${path}: route cannot be looked up by path (${(error as Error).message}); ` +
          'its actual responses get CORS headers from the guard, and its preflights are not answered',
      );
    }
  }

  private handle(request: unknown, response: unknown, done: Done): void {
    const raw = this.exchange!.rawRequest(request);
    let route: RouteEntry | undefined;
    try {
      const { origin } = raw.headers;
      const requestedMethod = raw.headers['access-control-request-method'];
      const isPreflight = raw.method === 'OPTIONS' && typeof requestedMethod === 'string' && typeof origin === 'string';
      route = this.routes!.find(isPreflight ? requestedMethod : (raw.method ?? 'GET'), this.pathOf(raw.url ?? '/'));
      if (route === undefined || route.policy === null) return this.next(request, response, done);
      (request as CorsRequestState)[APPLIED_POLICY] = route.policy;
      if (isPreflight) return this.answerPreflight(raw, response, route, origin, requestedMethod);
      return this.decorateResponse(request, raw, response, route, typeof origin === 'string' ? origin : undefined, done);
    } catch (error) {
      // Fail closed: whatever went wrong, the request goes on without CORS headers.
      this.refusals.failed(raw.url ?? '', error);
      if (route !== undefined) delete (request as CorsRequestState)[APPLIED_POLICY];
      return this.next(request, response, done);
    }
  }

  private decorateResponse(
    request: unknown,
    raw: IncomingMessage,
    response: unknown,
    route: RouteEntry,
    origin: string | undefined,
    done: Done,
  ): void {
    const policy = route.policy!;
    const out = this.exchange!.rawResponse(response);
    // Cache safety (Fetch standard, "CORS protocol and HTTP caches"): a response whose CORS
    // headers depend on Origin says so, also when this request had none, or a shared cache
    // could serve this origin-less response to a browser that sends one.
    if (policy instanceof AmbiguousRoutePolicy) {
      appendVary(out, 'Origin');
      return this.next(request, response, done);
    }
    if (policy.variesByOrigin) appendVary(out, 'Origin');
    if (origin === undefined) {
      if (policy.origins.any) writeAllowedResponse(policy, undefined, out);
      return this.next(request, response, done);
    }
    const verdict = checkOrigin(policy, origin, raw, this.timeoutMs);
    if (!(verdict instanceof Promise)) {
      this.applyVerdict(request, raw, out, policy, origin, verdict);
      return this.next(request, response, done);
    }
    verdict
      .then((settled) => this.applyVerdict(request, raw, out, policy, origin, settled))
      .catch((error: unknown) => this.refusals.failed(raw.url ?? '', error))
      .finally(() => this.next(request, response, done));
  }

  private applyVerdict(
    request: unknown,
    raw: IncomingMessage,
    out: ServerResponse,
    policy: CompiledPolicy,
    origin: string,
    verdict: OriginVerdict,
  ): void {
    (request as CorsRequestState)[ORIGIN_VERDICT] = verdict;
    if (verdict.allowed) {
      if (!out.headersSent) writeAllowedResponse(policy, origin, out);
      return;
    }
    if (verdict.reason === 'origin_callback_failed') this.refusals.callbackFailed(raw.url ?? '', origin, verdict.error);
    this.refusals.refused('request', raw.method ?? '', raw.url ?? '', origin, verdict.reason);
  }

  private answerPreflight(raw: IncomingMessage, response: unknown, route: RouteEntry, origin: string, method: string): void {
    const out = this.exchange!.rawResponse(response);
    const policy = route.policy!;
    const candidates = policy instanceof AmbiguousRoutePolicy ? policy.candidates : [policy as CompiledPolicy];
    const { headers } = raw;
    const requestHeaders = headers['access-control-request-headers'];
    const preflight: PreflightRequest = {
      method,
      requestHeaders: typeof requestHeaders === 'string' ? requestHeaders : undefined,
      privateNetwork: headers['access-control-request-private-network'] === 'true',
    };
    appendVary(out, (candidates.find((c) => c.allowPrivateNetwork) ?? candidates[0]).preflightVary);
    const settle = (allowedBy: CompiledPolicy | undefined, reason: CorsRefusalReason): void => {
      if (allowedBy !== undefined) {
        writeAllowedPreflight(allowedBy, origin, method, preflight.privateNetwork, out);
        return this.exchange!.end(response, 204);
      }
      this.refusals.refused('preflight', method, raw.url ?? '', origin, reason);
      this.exchange!.end(response, 403);
    };
    const outcome = this.firstAllowing(candidates, 0, raw, origin, preflight, 'origin_not_allowed');
    if (!(outcome instanceof Promise)) return settle(outcome.policy, outcome.reason);
    outcome.then(
      ({ policy: allowedBy, reason }) => settle(allowedBy, reason),
      (error: unknown) => {
        this.refusals.failed(raw.url ?? '', error);
        if (!out.headersSent) this.exchange!.end(response, 403);
      },
    );
  }

  /**
   * The first candidate policy that allows the preflight (one candidate unless the route is
   * ambiguous). Synchronous unless an origin callback runs.
   */
  private firstAllowing(
    candidates: readonly CompiledPolicy[],
    index: number,
    raw: IncomingMessage,
    origin: string,
    preflight: PreflightRequest,
    reason: CorsRefusalReason,
  ): PreflightOutcome | Promise<PreflightOutcome> {
    for (let i = index; i < candidates.length; i++) {
      const candidate = candidates[i];
      const refusal = checkPreflightRequest(candidate, preflight);
      if (refusal !== undefined) {
        reason = refusal;
        continue;
      }
      const verdict = checkOrigin(candidate, origin, raw, this.timeoutMs);
      if (verdict instanceof Promise) {
        return verdict.then((settled) => {
          if (settled.allowed) return { policy: candidate, reason };
          if (settled.reason === 'origin_callback_failed') this.refusals.callbackFailed(raw.url ?? '', origin, settled.error);
          return this.firstAllowing(candidates, i + 1, raw, origin, preflight, settled.reason);
        });
      }
      if (verdict.allowed) return { policy: candidate, reason };
      reason = verdict.reason;
    }
    return { policy: undefined, reason };
  }

  private next(request: unknown, response: unknown, done: Done): void {
    if (this.previousHook !== undefined) return void this.previousHook.call(this.adapter, request, response, done);
    done();
  }

  private pathOf(url: string): string {
    let end = url.indexOf('?');
    if (this.stopAtSemicolon) {
      const semicolon = url.indexOf(';');
      if (semicolon !== -1 && (end === -1 || semicolon < end)) end = semicolon;
    }
    return end === -1 ? url : url.slice(0, end);
  }
}

interface PreflightOutcome {
  readonly policy: CompiledPolicy | undefined;
  readonly reason: CorsRefusalReason;
}

function routeMatchingOptions(adapter: HookableAdapter): RouteMatchingOptions & { useSemicolonDelimiter?: boolean } {
  const declared = adapter.getRouteMatchingOptions?.();
  if (declared !== undefined) {
    return {
      caseSensitive: declared.caseSensitive ?? true,
      ignoreTrailingSlash: declared.ignoreTrailingSlash ?? false,
      maxParamLength: declared.maxParamLength,
      useSemicolonDelimiter: declared.useSemicolonDelimiter,
    };
  }
  // Nest 11 adapters do not declare their matching options: read them off the instance.
  if (adapter.getType() === 'express') {
    const app = adapter.getInstance() as { get(setting: string): unknown };
    return { caseSensitive: app.get('case sensitive routing') === true, ignoreTrailingSlash: app.get('strict routing') !== true };
  }
  const config = ((adapter.getInstance() as { initialConfig?: Record<string, unknown> }).initialConfig ?? {}) as {
    caseSensitive?: boolean;
    ignoreTrailingSlash?: boolean;
    maxParamLength?: number;
    routerOptions?: { caseSensitive?: boolean; ignoreTrailingSlash?: boolean; maxParamLength?: number };
  };
  const router = config.routerOptions ?? {};
  return {
    caseSensitive: router.caseSensitive !== false && config.caseSensitive !== false,
    ignoreTrailingSlash: router.ignoreTrailingSlash === true || config.ignoreTrailingSlash === true,
    maxParamLength: router.maxParamLength ?? config.maxParamLength,
  };
}
