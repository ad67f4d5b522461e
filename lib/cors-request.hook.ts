import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { exchangeFor, type HttpExchange } from './adapters/http-exchange.js';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS, DEFAULT_ORIGIN_CALLBACK_TIMEOUT } from './cors.constants.js';
import { CorsEvaluator, type CorsEvaluation, type RequestEvaluation } from './cors-evaluator.js';
import type { CorsModuleOptions, CorsRequest } from './cors-module-options.js';
import type { CorsRefusalReason } from './policy/refusal.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsRefusalLogger } from './cors-refusal.logger.js';
import { expressPathToRoutePaths } from './routing/express-path.js';
import type { RouteMatchingOptions } from './routing/path-router.js';
import { RouteTable } from './routing/route-table.js';
import type { RouteRecord } from './routing/route-record.js';

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
  /** Whether the adapter serves the first registered match (Nest 12; Express, not Fastify). */
  isRouteOrderSensitive?(): boolean;
  /** The adapter's current hook (a private field of Nest's adapters in 11 and 12). */
  onRequestHook?: RequestHook;
  /** Set by `app.enableCors()` on Fastify (Nest 11 and 12). */
  corsHook?: unknown;
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
 * in a {@link RouteTable}; the decision itself is the {@link CorsEvaluator}'s.
 */
@Injectable()
export class CorsRequestHook {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);
  private readonly refusals: CorsRefusalLogger;
  private readonly timeoutMs: number;
  private adapter: HookableAdapter | undefined;
  private exchange: HttpExchange | undefined;
  private evaluator: CorsEvaluator | undefined;
  private previousHook: RequestHook | undefined;
  /** The adapter's route methods this hook wrapped to record routes, until `seal()`. */
  private readonly wrappedVerbs: { verb: string; original: Verb; wrapper: Verb }[] = [];
  private recording = false;
  private readonly records: RouteRecord[] = [];
  /**
   * What the hook decided for each actual request still in flight, for the guard. A WeakMap
   * rather than properties on the request: Express gives every request object its own hidden
   * class, and adding properties to it costs microseconds per request.
   */
  private readonly decisions = new WeakMap<object, RequestEvaluation>();
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
    const exchange = exchangeFor(adapter.getType(), adapter.getInstance());
    if (exchange === undefined) {
      this.logger.error(`HTTP adapter '${adapter.getType()}' is not supported (Express and Fastify are): no CORS headers will be sent`);
      return;
    }
    this.adapter = adapter;
    this.exchange = exchange;
    const matching = routeMatchingOptions(adapter);
    const routes = new RouteTable(matching);
    this.evaluator = new CorsEvaluator(routes, this.timeoutMs, matching.useSemicolonDelimiter === true);
    this.recordRoutes(adapter, routes);
    this.keepHeadersOnEnd(adapter, exchange);
    this.previousHook = adapter.onRequestHook;
    adapter.setOnRequestHook(this.hook);
  }

  /**
   * After Nest registered its routes: stop recording, and check that nothing replaced the hook
   * or answers CORS beside it.
   */
  seal(): void {
    const adapter = this.adapter;
    if (adapter === undefined) return;
    this.recording = false;
    // Put back by assignment, never `delete`: deleting a property turns the adapter into a
    // dictionary-mode object in V8, and Nest calls its methods on every request (the request
    // hook, `reply()`, `status()`), each call then a hash lookup (bench/ANALYSIS.md, session 7).
    // A wrapper someone else put over this one stays; this one only passes calls through now.
    const target = adapter as unknown as Record<string, Verb>;
    for (const { verb, original, wrapper } of this.wrappedVerbs) if (target[verb] === wrapper) target[verb] = original;
    this.wrappedVerbs.length = 0;
    if (adapter.onRequestHook !== this.hook) {
      this.logger.error('setOnRequestHook() was called after CorsModule installed its hook, replacing it: preflights are no longer answered');
    }
    if (hasGlobalCors(adapter)) {
      this.logger.warn(
        'app.enableCors() is active beside CorsModule: it answers every preflight the module leaves alone and adds its own headers with one global policy. Remove it.',
      );
    }
  }

  /** How this application's adapter exchanges headers, once installed. */
  getExchange(): HttpExchange | undefined {
    return this.exchange;
  }

  /** The evaluator of this application's routes, once installed. */
  getEvaluator(): CorsEvaluator | undefined {
    return this.evaluator;
  }

  /**
   * The hook's decision on an actual request (the object the adapter hands guards), if it found
   * a route with a policy whose handler is guarded.
   */
  decisionOf(request: object): RequestEvaluation | undefined {
    return this.decisions.get(request);
  }

  /** Every route Nest registered, in order, with its policy. */
  getRoutes(): readonly RouteRecord[] {
    return this.records;
  }

  private recordRoutes(adapter: HookableAdapter, routes: RouteTable): void {
    const target = adapter as unknown as Record<string, Verb>;
    const isExpress = adapter.getType() === 'express';
    this.recording = true;
    for (const verb of ROUTE_VERBS) {
      const original = target[verb];
      if (typeof original !== 'function') continue;
      const method = verb.toUpperCase();
      const wrapper = (...args: unknown[]) => {
        if (this.recording) this.record(routes, method, args[0], args[args.length - 1], isExpress);
        return original.apply(adapter, args);
      };
      target[verb] = wrapper;
      this.wrappedVerbs.push({ verb, original, wrapper });
    }
  }

  /**
   * The adapter's `end()` writes the Node response around the framework's reply (Fastify's
   * `reply.raw.end()`): an exception filter written against `HttpAdapterHost` uses it. Headers
   * the hook put in the reply are copied over first. For the application's lifetime: `end()` is
   * off the hot path.
   */
  private keepHeadersOnEnd(adapter: HookableAdapter, exchange: HttpExchange): void {
    const keep = exchange.keepHeadersOnNodeResponse;
    const target = adapter as unknown as { end?: Verb };
    const end = target.end;
    if (keep === undefined || typeof end !== 'function') return;
    target.end = (response: unknown, ...rest: unknown[]) => {
      keep(response);
      return end.call(adapter, response, ...rest);
    };
  }

  private record(routes: RouteTable, method: string, path: unknown, callback: unknown, isExpress: boolean): void {
    const stamp = this.registry.routeOf(callback);
    if (typeof path !== 'string' || stamp === undefined) return;
    const { policy, location } = stamp;
    let resolvable = true;
    try {
      const paths = isExpress ? expressPathToRoutePaths(path) : [path];
      if (paths === undefined) throw new Error('path syntax the route table cannot hold');
      for (const routePath of paths) routes.add(method, routePath, policy, location, stamp);
    } catch (error) {
      resolvable = false;
      if (policy !== null) {
        this.logger.warn(
          `${method} ${path} (${location}): route cannot be looked up by path (${(error as Error).message}); ` +
            'its actual responses get CORS headers from the guard, and its preflights are not answered',
        );
      }
    }
    this.records.push(Object.freeze({ method, path, location, policy, resolvable }));
  }

  private handle(request: unknown, response: unknown, done: Done): void {
    const raw = this.exchange!.rawRequest(request);
    try {
      const evaluation = this.evaluator!.evaluate(raw, response, this.exchange!.sinkOf);
      if (!(evaluation instanceof Promise)) return this.finish(request, response, done, evaluation);
      evaluation.then(
        (settled) => this.finish(request, response, done, settled),
        (error: unknown) => this.fail(request, response, done, error),
      );
    } catch (error) {
      this.fail(request, response, done, error);
    }
  }

  private finish(request: unknown, response: unknown, done: Done, evaluation: CorsEvaluation): void {
    switch (evaluation.kind) {
      case 'not-applicable':
        return this.next(request, response, done);
      case 'preflight': {
        if (!evaluation.allowed) {
          const raw = this.exchange!.rawRequest(request);
          const method = String(raw.headers['access-control-request-method']);
          this.logRefusal('preflight', raw, method, evaluation.reason ?? 'origin_not_allowed', evaluation.error);
        }
        if (this.exchange!.rawResponse(response).headersSent) return;
        return this.exchange!.end(response, evaluation.allowed ? 204 : 403);
      }
      case 'request': {
        // Only the guard reads it, and only guarded handlers have one.
        if (evaluation.route.guarded) this.decisions.set(request as object, evaluation);
        const { verdict } = evaluation;
        if (verdict !== undefined && !verdict.allowed) {
          const raw = this.exchange!.rawRequest(request);
          this.logRefusal('request', raw, raw.method ?? '', verdict.reason, verdict.error);
        }
        return this.next(request, response, done);
      }
    }
  }

  private logRefusal(kind: 'preflight' | 'request', raw: CorsRequest, method: string, reason: CorsRefusalReason, error: unknown): void {
    const origin = String(raw.headers.origin ?? '');
    if (reason === 'origin_callback_failed') this.refusals.callbackFailed(raw.url ?? '', origin, error);
    this.refusals.refused(kind, method, raw.url ?? '', origin, reason);
  }

  /** Fail closed: whatever went wrong, the request goes on without CORS headers. */
  private fail(request: unknown, response: unknown, done: Done, error: unknown): void {
    this.refusals.failed(this.exchange!.rawRequest(request).url ?? '', error);
    this.decisions.delete(request as object);
    this.next(request, response, done);
  }

  private next(request: unknown, response: unknown, done: Done): void {
    if (this.previousHook !== undefined) return void this.previousHook.call(this.adapter, request, response, done);
    done();
  }
}

/** Whether `app.enableCors()` (or `NestFactory.create(…, { cors })`) is active. */
function hasGlobalCors(adapter: HookableAdapter): boolean {
  if (adapter.getType() === 'fastify') return adapter.corsHook !== undefined;
  const stack = (adapter.getInstance() as { router?: { stack?: { name?: string }[] } }).router?.stack ?? [];
  return stack.some((layer) => layer.name === 'corsMiddleware');
}

function routeMatchingOptions(adapter: HookableAdapter): RouteMatchingOptions & { useSemicolonDelimiter?: boolean } {
  const firstRegisteredWins = adapter.isRouteOrderSensitive?.() ?? adapter.getType() === 'express';
  return { ...matchingOf(adapter), firstRegisteredWins };
}

function matchingOf(adapter: HookableAdapter): RouteMatchingOptions & { useSemicolonDelimiter?: boolean } {
  const declared = adapter.getRouteMatchingOptions?.();
  if (declared !== undefined) {
    return {
      caseSensitive: declared.caseSensitive ?? true,
      ignoreTrailingSlash: declared.ignoreTrailingSlash ?? false,
      maxParamLength: declared.maxParamLength,
      useSemicolonDelimiter: declared.useSemicolonDelimiter,
    };
  }
  // Older adapters do not declare their matching options: read them off the instance.
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
