import { randomUUID } from 'node:crypto';
import { IncomingMessage, METHODS, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { exchangeFor, type HttpExchange } from './adapters/http-exchange.js';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS, DEFAULT_ORIGIN_CALLBACK_TIMEOUT } from './cors.constants.js';
import type { CorsModuleOptions, CorsRequest } from './cors-module-options.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { RefusalLogger } from './module/refusal-logger.js';
import type { CompiledPolicy } from './policy/compile.js';
import { decidePreflight, decideRequest } from './policy/decide.js';
import type { CorsRefusalReason, OriginVerdict, PreflightDecision } from './policy/verdict.js';
import { isPreflight } from './policy/preflight.js';
import { appendVary, CORS_RESPONSE_HEADERS } from './policy/response-headers.js';
import { ExpressRouteResolver } from './routing/express-route-resolver.js';
import { FastifyRouteResolver, type FastifyRouterHost } from './routing/fastify-route-resolver.js';
import { RouteRegistration } from './routing/route-registration.js';
import type { RouteResolver } from './routing/route-resolver.js';
import { AmbiguousRoutePolicy, type RoutePolicy, type RouteTarget } from './routing/route-target.js';

type Done = (error?: unknown) => void;
type RequestHook = (request: unknown, response: unknown, done: Done) => void;
type Verb = (...args: unknown[]) => unknown;

interface HookableAdapter {
  getType(): string;
  getInstance(): unknown;
  setOnRequestHook(hook: RequestHook): void;
  /**
   * Whether Nest routes a request target at all (Nest 12's Fastify adapter hands others, such as
   * `http://h?x/`, to its not-found handler right after this hook).
   */
  isRoutableRequestTarget?(url: string | undefined): boolean;
  /** The adapter's current hook (a private field of Nest's adapters in 11 and 12). */
  onRequestHook?: RequestHook;
}

/** What the hook decided for an actual request, for the guard. */
export interface RequestDecision {
  readonly target: RouteTarget;
  /** The route's policy as the hook read it: the request keeps it, whatever is updated meanwhile. */
  readonly policy: RoutePolicy;
  /** `undefined` without `Origin`, and for an ambiguous route, whose handler decides. */
  readonly verdict: OriginVerdict | undefined;
}

/** Where a described request (`CorsAuditService.explain()`) leads, as the router sees it. */
export interface DescribedRoute {
  readonly preflight: boolean;
  readonly targets: readonly RouteTarget[] | undefined;
}

/**
 * Answers preflights and writes the CORS headers of actual responses from the HTTP adapter's
 * request hook, which runs first for every request: before middleware, before the app's own
 * guards, and for paths Nest answers with 404. That is the only place where a preflight for a
 * route without an `OPTIONS` handler can be seen at all, and where headers written still end
 * up on every response that follows (401s from guards, 500s, filters, `@Res()`, streams).
 *
 * Per request it reads top-down: the adapter's own router says which route the request (or the
 * preflight's requested method) reaches ({@link RouteResolver}); the route's policy decides
 * (`policy/decide.ts`); the adapter's exchange writes and ends.
 */
@Injectable()
export class CorsRequestHook {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);
  private readonly refusals: RefusalLogger;
  private readonly timeoutMs: number;
  private adapter: HookableAdapter | undefined;
  private exchange: HttpExchange | undefined;
  private resolver: RouteResolver | undefined;
  private previousHook: RequestHook | undefined;
  private registration: RouteRegistration | undefined;
  /**
   * What the hook decided for each guarded request still in flight. A WeakMap rather than
   * properties on the request: Express gives every request object its own hidden class.
   */
  private readonly decisions = new WeakMap<object, RequestDecision>();
  /** Described requests being routed by Fastify itself (`explain()`), by their token. */
  private readonly describing = new Map<string, DescribedRoute | undefined>();
  private readonly describeHeader = `x-nest-cors-describe-${randomUUID()}`;
  private readonly hook: RequestHook = (request, response, done) => this.handle(request, response, done);

  constructor(
    @Inject(CORS_MODULE_OPTIONS) options: CorsModuleOptions,
    private readonly registry: CorsPolicyRegistry,
  ) {
    this.refusals = new RefusalLogger(options.debug === true);
    this.timeoutMs = options.originCallbackTimeout ?? DEFAULT_ORIGIN_CALLBACK_TIMEOUT;
  }

  /** Must run before Nest registers routes: from the module's `configure()`. */
  install(httpAdapter: AbstractHttpAdapter): void {
    const adapter = httpAdapter as unknown as HookableAdapter;
    const instance = adapter.getInstance();
    const exchange = exchangeFor(adapter.getType(), instance);
    if (exchange === undefined) {
      this.logger.error(
        `HTTP adapter '${adapter.getType()}' is not supported (Express and Fastify are): no CORS headers will be sent`,
      );
      return;
    }
    this.adapter = adapter;
    this.exchange = exchange;
    const foreign = this.registry.foreignPolicies();
    const note = (target: RouteTarget): void => this.registration?.note(target);
    const resolver =
      adapter.getType() === 'express'
        ? new ExpressRouteResolver(instance as ConstructorParameters<typeof ExpressRouteResolver>[0], foreign, note)
        : new FastifyRouteResolver(instance as FastifyRouterHost, foreign, note);
    this.resolver = resolver;
    this.registration = new RouteRegistration(adapter, resolver, (callback) => this.registry.routeOf(callback));
    this.registration.watch({
      declining: (callback) => this.redecidingOnDecline(callback),
      notFound: (handler) => this.redecidingNotFound(handler),
    });
    this.keepHeadersOnEnd(adapter, exchange);
    this.previousHook = adapter.onRequestHook;
    adapter.setOnRequestHook(this.hook);
  }

  /**
   * After Nest registered its routes: stop watching, and check that nothing replaced the hook.
   */
  seal(): void {
    const adapter = this.adapter;
    if (adapter === undefined) return;
    this.resolver!.seal();
    this.registration!.release();
    if (adapter.onRequestHook !== this.hook) {
      this.logger.error(
        'setOnRequestHook() was called after CorsModule installed its hook, replacing it: preflights are no longer answered',
      );
    }
  }

  /** How this application's adapter exchanges headers, once installed. */
  getExchange(): HttpExchange | undefined {
    return this.exchange;
  }

  /** Whether the hook is installed on a supported HTTP adapter. */
  isInstalled(): boolean {
    return this.resolver !== undefined;
  }

  /** The origin-callback timeout every decision uses. */
  getTimeout(): number {
    return this.timeoutMs;
  }

  /** The hook's decision on a guarded actual request (the object the adapter hands guards). */
  decisionOf(request: object): RequestDecision | undefined {
    return this.decisions.get(request);
  }

  /** Every route Nest registered, in order, with its policy. */
  getRoutes(): readonly RouteTarget[] {
    return this.registration?.routes ?? [];
  }

  /**
   * Where a described request leads, decided by the adapter's own router: Express's layers are
   * asked directly; Fastify routes an injected copy, which this hook stops before anything runs.
   */
  async describe(request: CorsRequest): Promise<DescribedRoute> {
    const resolver = this.resolver;
    if (resolver === undefined) throw new Error('CorsModule is not installed on a supported HTTP adapter');
    if (resolver instanceof ExpressRouteResolver) return this.resolve(request, request as IncomingMessage);
    const token = this.routeDetached(request);
    try {
      // Routing is synchronous unless the app has an asynchronous route constraint.
      if (this.describing.get(token) === undefined) await new Promise((resolve) => setImmediate(resolve));
      return this.describing.get(token) ?? { preflight: isPreflight(request), targets: undefined };
    } finally {
      this.describing.delete(token);
    }
  }

  /**
   * Has Fastify's own entry point (`fastify.routing`, its `rewriteUrl` included) route a
   * detached copy of `request`, which this hook notes under the returned token and ends before
   * anything else runs.
   */
  private routeDetached(request: CorsRequest): string {
    const token = randomUUID();
    const raw = new IncomingMessage(new Socket());
    Object.assign(raw, {
      method: request.method,
      url: request.url,
      headers: { ...request.headers, [this.describeHeader]: token },
    });
    this.describing.set(token, undefined);
    (this.adapter!.getInstance() as { routing(req: IncomingMessage, res: ServerResponse): void }).routing(
      raw,
      new ServerResponse(raw),
    );
    return token;
  }

  /**
   * The route a preflight's requested method reaches where Fastify has no preflight route for
   * it (a route registered before nest-cors was installed): Fastify routes a detached request
   * of that method.
   */
  private unseenPreflightTargets(raw: IncomingMessage, method: string): readonly RouteTarget[] | undefined {
    const { 'access-control-request-method': _method, origin: _origin, ...headers } = raw.headers;
    const token = this.routeDetached({ method, url: raw.url, headers });
    const routed = this.describing.get(token);
    this.describing.delete(token);
    const fallback = this.registry.foreignPolicies().fallback;
    return routed?.targets ?? (fallback === undefined ? undefined : [fallback]);
  }

  /**
   * Express hands a request a route's handler declines (`next()`) to the next matching route:
   * the headers written for the declining route are taken back and that route's written.
   */
  private redecidingOnDecline(callback: Verb): Verb {
    return (request: unknown, response: unknown, next: unknown) => {
      if (typeof next !== 'function') return callback(request, response, next);
      const onDecline = (error?: unknown): void => {
        if (error !== undefined && error !== null && error !== 'route') return void (next as Done)(error);
        this.exchange!.removeHeaders(response, CORS_RESPONSE_HEADERS);
        const raw = this.exchange!.rawRequest(request);
        const after = this.resolver!.targetAfter!(raw);
        const decided = after === undefined ? undefined : this.decideActual(request, response, raw, after);
        if (decided instanceof Promise)
          void decided.then(
            () => (next as Done)(error),
            () => (next as Done)(error),
          );
        else (next as Done)(error);
      };
      return callback(request, response, onDecline);
    };
  }

  /**
   * A route that declines a request it matched hands it to Nest's not-found handler (Fastify,
   * where Nest's route wrapper refuses empty parameters; Express, after every route declined):
   * no handler of that route runs, so its headers are taken back; the 404 gets `global`'s.
   */
  private redecidingNotFound(handler: Verb): Verb {
    const redecide = (request: unknown, response: unknown) => this.redecideNotFound(request, response);
    return function (this: unknown, request: unknown, response: unknown, ...more: unknown[]) {
      const notFound = (): unknown => handler.call(this, request, response, ...more);
      const redecided = redecide(request, response);
      return redecided instanceof Promise ? redecided.then(notFound, notFound) : notFound();
    };
  }

  /** Takes back what a declining route's policy wrote; a 404 gets `global`'s headers, if set. */
  private redecideNotFound(request: unknown, response: unknown): Outcome | Promise<Outcome> | undefined {
    const exchange = this.exchange!;
    if (exchange.rawResponse(response).headersSent) return undefined;
    exchange.removeHeaders(response, CORS_RESPONSE_HEADERS);
    const raw = exchange.rawRequest(request);
    // A preflight left to the app is not CORS's: its 404 gets no actual response's headers.
    const fallback = isPreflight(raw) ? undefined : this.registry.foreignPolicies().fallback;
    return fallback === undefined ? undefined : this.decideActual(request, response, raw, fallback);
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

  // --- The request path, top-down ---------------------------------------------------------

  private handle(request: unknown, response: unknown, done: Done): void {
    const raw = this.exchange!.rawRequest(request);
    if (this.describing.size !== 0 && this.captureDescribed(request, response, raw)) return;
    try {
      const decided = isPreflight(raw)
        ? this.answerPreflight(request, response, raw)
        : this.decideActual(request, response, raw, this.resolver!.requestTarget(request, raw));
      if (!(decided instanceof Promise)) return decided === ENDED ? undefined : this.next(request, response, done);
      decided.then(
        (settled) => (settled === ENDED ? undefined : this.next(request, response, done)),
        (error: unknown) => this.fail(request, response, done, error),
      );
    } catch (error) {
      this.fail(request, response, done, error);
    }
  }

  /** Answers a preflight for a route with a policy (204 or 403); else lets it go on. */
  private answerPreflight(request: unknown, response: unknown, raw: IncomingMessage): Outcome | Promise<Outcome> {
    const method = raw.headers['access-control-request-method'] as string;
    // A method Node would refuse to parse reaches no route (routers may fold its case), and a
    // target Nest does not route reaches its 404: so would the real request.
    if (!NODE_METHODS.has(method) || this.adapter!.isRoutableRequestTarget?.(raw.url) === false) return GOES_ON;
    const targets = this.preflightTargetsOf(request, raw, method);
    const candidates = targets === undefined ? undefined : policiesOf(targets);
    if (candidates === undefined) return GOES_ON;
    const sink = this.exchange!.sinkOf(response, true, targets![0]);
    const decision =
      candidates.length === 0
        ? UNDECIDABLE
        : decidePreflight(candidates, raw, raw.headers.origin as string, method, sink, this.timeoutMs);
    if (decision instanceof Promise)
      return decision.then((settled) => this.endPreflight(response, raw, method, settled));
    return this.endPreflight(response, raw, method, decision);
  }

  private endPreflight(response: unknown, raw: IncomingMessage, method: string, decision: PreflightDecision): Outcome {
    if (!decision.allowed)
      this.logRefusal('preflight', raw, method, decision.reason ?? 'origin_not_allowed', decision.error);
    if (!this.exchange!.rawResponse(response).headersSent) this.exchange!.end(response, decision.allowed ? 204 : 403);
    return ENDED;
  }

  /** Writes an actual response's CORS headers under the policy of the route it reaches. */
  private decideActual(
    request: unknown,
    response: unknown,
    raw: IncomingMessage,
    target: RouteTarget | undefined,
  ): Outcome | Promise<Outcome> {
    // Read once: a policy updated while this request is out does not reach it halfway.
    const policy = target?.binding.current ?? null;
    if (policy === null) return GOES_ON;
    const sink = this.exchange!.sinkOf(response, false, target!);
    if (policy instanceof AmbiguousRoutePolicy) {
      appendVary(sink, 'Origin'); // the guard decides the rest
      return this.noteDecision(request, target!, policy, undefined);
    }
    const verdict = decideRequest(policy, raw, sink, this.timeoutMs);
    if (verdict instanceof Promise)
      return verdict.then((settled) => this.noteDecision(request, target!, policy, settled));
    return this.noteDecision(request, target!, policy, verdict);
  }

  private noteDecision(
    request: unknown,
    target: RouteTarget,
    policy: RoutePolicy,
    verdict: OriginVerdict | undefined,
  ): Outcome {
    // Only the guard reads it, and only guarded handlers have one.
    if (target.guarded) this.decisions.set(request as object, { target, policy, verdict });
    if (verdict !== undefined && !verdict.allowed) {
      const raw = this.exchange!.rawRequest(request);
      this.logRefusal('request', raw, raw.method ?? '', verdict.reason, verdict.error);
    }
    return GOES_ON;
  }

  private logRefusal(
    kind: 'preflight' | 'request',
    raw: CorsRequest,
    method: string,
    reason: CorsRefusalReason,
    error: unknown,
  ): void {
    const origin = String(raw.headers.origin ?? '');
    if (reason === 'origin_callback_failed') this.refusals.callbackFailed(raw.url ?? '', origin, error);
    this.refusals.refused(kind, method, raw.url ?? '', origin, reason);
  }

  /** Fail closed: whatever went wrong, the request goes on without CORS headers. */
  private fail(request: unknown, response: unknown, done: Done, error: unknown): void {
    this.refusals.failed(this.exchange!.rawRequest(request).url ?? '', error);
    this.decisions.delete(request as object);
    this.exchange!.removeHeaders(response, CORS_RESPONSE_HEADERS);
    this.next(request, response, done);
  }

  private next(request: unknown, response: unknown, done: Done): void {
    if (this.previousHook !== undefined) return void this.previousHook.call(this.adapter, request, response, done);
    done();
  }

  /** A described request routed by Fastify (`describe()`): noted and ended before anything runs. */
  private captureDescribed(request: unknown, response: unknown, raw: IncomingMessage): boolean {
    const token = raw.headers[this.describeHeader];
    if (typeof token !== 'string' || !this.describing.has(token)) return false;
    this.describing.set(token, this.resolve(request, raw));
    this.exchange!.end(response, 204);
    return true;
  }

  private resolve(request: unknown, raw: IncomingMessage): DescribedRoute {
    const resolver = this.resolver!;
    if (!isPreflight(raw)) {
      const target = resolver.requestTarget(request, raw);
      return { preflight: false, targets: target === undefined ? undefined : [target] };
    }
    const method = raw.headers['access-control-request-method'] as string;
    return { preflight: true, targets: this.preflightTargetsOf(request, raw, method) };
  }

  /** The routes a preflight's requested method reaches, as the adapter's router says. */
  private preflightTargetsOf(
    request: unknown,
    raw: IncomingMessage,
    method: string,
  ): readonly RouteTarget[] | undefined {
    const resolver = this.resolver!;
    const targets = resolver.preflightTargets(request, raw, method);
    if (targets !== undefined || resolver.routesUnseen?.(request) !== true) return targets;
    return this.unseenPreflightTargets(raw, method);
  }
}

/** The methods Node's HTTP parser accepts: exactly these, in upper case. */
const NODE_METHODS: ReadonlySet<string> = new Set(METHODS);

/** What the hook did with a request: ended it (a preflight), or let it go on. */
type Outcome = typeof ENDED | typeof GOES_ON;
const ENDED = 'ended';
const GOES_ON = 'goes-on';

/** A preflight whose candidates include a handler of no policy: nothing can tell, so refused. */
const UNDECIDABLE: PreflightDecision = Object.freeze({ allowed: false, reason: 'origin_not_allowed' });

/**
 * The policies a preflight's candidates must all satisfy: `undefined` when none has a policy
 * (the preflight is not CORS's to answer), empty when some have and some have not.
 */
function policiesOf(targets: readonly RouteTarget[]): readonly CompiledPolicy[] | undefined {
  const policies: CompiledPolicy[] = [];
  let withoutPolicy = 0;
  for (const { binding } of targets) {
    const policy = binding.current;
    if (policy === null) withoutPolicy++;
    else if (policy instanceof AmbiguousRoutePolicy) policies.push(...policy.candidates);
    else policies.push(policy);
  }
  if (policies.length === 0) return undefined;
  return withoutPolicy === 0 ? policies : [];
}
