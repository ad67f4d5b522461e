// The Nest applications under test, written in plain JavaScript: decorators are applied by
// hand (`Controller('x')(Cls)`, `Get()(proto, name, descriptor)`), so that no build step is
// needed beyond the library's own.
//
// Every variant of one application has the same controllers and routes; only CORS differs:
//   none       no CORS at all
//   enableCors app.enableCors(options): `cors` on Express, `@fastify/cors` on Fastify
//   nest-cors  CorsModule.forRoot + @Cors()
//   floor      none, plus a bare hook writing nest-cors's headers of S1, S2 and S6c (see installVariantHook)
import 'reflect-metadata';
import { Controller, Get, Module, Post, Put, Delete } from '@nestjs/common';
import { COMMON_POLICY, DYN_ORIGIN, MANY_CONTROLLERS, NEST_CORS_POLICIES, ROUTES_PER_CONTROLLER } from './config.mjs';

/**
 * A response's `Vary` and `Access-Control-*` headers (Node's lowercase names), as one string
 * that compares equal only for the same CORS answer: what the floor is checked against.
 */
export function corsHeadersOf(headers) {
  const names = Object.keys(headers)
    .filter((name) => name === 'vary' || name.startsWith('access-control-'))
    .sort();
  return JSON.stringify(names.map((name) => [name, headers[name]]));
}

function method(decorator, proto, name) {
  const descriptor = Object.getOwnPropertyDescriptor(proto, name);
  const result = decorator(proto, name, descriptor);
  Object.defineProperty(proto, name, result ?? descriptor);
}

const ITEM = Object.freeze({ id: 1, name: 'widget', price: 12.5 });

/**
 * The application of S1–S4, S6 and S6c: `/items` (GET, PUT) under the small allow-list, `/big`
 * under the 10,050-entry one, `/dyn` under the async origin callback, `/cached` under the
 * same callback with `originsCache`. For `enableCors` the allow-list is global, so each list
 * gets its own process; nest-cors serves all four from one. `/cached` is as short as `/items`
 * on purpose: S6c is compared with S1, and nest-cors's Express route cache keys on
 * `METHOD path`, which V8 builds as a cons string from 13 characters on and flattens at every
 * lookup (`GET /dyn-cached` cost about 60 ns more than `GET /items` per request).
 * @param cors `{ Cors }` from nest-cors, or undefined for none/enableCors
 */
export function mainControllers(cors) {
  class ItemsController {
    list() {
      return ITEM;
    }
    update() {
      return ITEM;
    }
  }
  class BigController {
    get() {
      return ITEM;
    }
  }
  class DynController {
    get() {
      return ITEM;
    }
  }
  class CachedDynController {
    get() {
      return ITEM;
    }
  }
  method(Get(), ItemsController.prototype, 'list');
  method(Put(), ItemsController.prototype, 'update');
  method(Get(), BigController.prototype, 'get');
  method(Get(), DynController.prototype, 'get');
  method(Get(), CachedDynController.prototype, 'get');
  Controller('items')(ItemsController);
  Controller('big')(BigController);
  Controller('dyn')(DynController);
  Controller('cached')(CachedDynController);
  if (cors !== undefined) {
    cors.Cors('small')(ItemsController);
    cors.Cors('big')(BigController);
    cors.Cors('async')(DynController);
    cors.Cors('async-cached')(CachedDynController);
  }
  return [ItemsController, BigController, DynController, CachedDynController];
}

const VERBS = [Get, Get, Get, Get, Get, Get, Post, Post, Put, Delete];

/**
 * The application of S5: 100 controllers of 10 routes each (`/c{i}/r{j}/:id`), every route with
 * a policy of its own under nest-cors (origins from its controller's @Cors, headers and max age
 * from its handler's), so that 1,000 distinct policies are resolved, validated and compiled.
 */
export function manyControllers(cors) {
  const controllers = [];
  for (let i = 0; i < MANY_CONTROLLERS; i++) {
    const name = `C${i}Controller`;
    const Cls = { [name]: class {} }[name];
    for (let j = 0; j < ROUTES_PER_CONTROLLER; j++) {
      const handler = `r${j}`;
      // A distinct function per route: Nest keeps route metadata on the function.
      Object.defineProperty(Cls.prototype, handler, {
        value: {
          [handler]() {
            return { c: i, r: j };
          },
        }[handler],
        writable: true,
        configurable: true,
        enumerable: false,
      });
      method(VERBS[j % VERBS.length](`r${j}/:id`), Cls.prototype, handler);
      if (cors !== undefined) {
        method(cors.Cors({ allowedHeaders: ['Content-Type', `X-Route-${j}`], maxAge: 60 + j }), Cls.prototype, handler);
      }
    }
    Controller(`c${i}`)(Cls);
    if (cors !== undefined) {
      cors.Cors({ origins: ['https://app.example.com', `https://c${i}.example.com`], credentials: true })(Cls);
    }
    controllers.push(Cls);
  }
  return controllers;
}

/** Whether the application of `spec` is built with nest-cors (and so must be given it). */
export function usesNestCors(spec) {
  return spec.variant === 'nest-cors' || spec.variant === 'diag-nest-cors-floor-hook';
}

/**
 * The root module of one application.
 * @param spec `{ app: 'main' | 'many', variant: 'none' | 'enableCors' | 'nest-cors' | 'floor' | 'diag-…' }`
 *   (`floor` and `diag-…` build `none`'s module, but for `diag-nest-cors-floor-hook`, which
 *   builds nest-cors's: their hooks are installed on the application)
 * @param cors the nest-cors module namespace, when {@link usesNestCors}
 */
export function rootModule(spec, cors, { APP_GUARD } = {}) {
  const useNestCors = usesNestCors(spec);
  const controllers =
    spec.app === 'many'
      ? manyControllers(useNestCors ? cors : undefined)
      : mainControllers(useNestCors ? cors : undefined);
  const imports = useNestCors
    ? [cors.CorsModule.forRoot({ policies: spec.app === 'many' ? {} : NEST_CORS_POLICIES })]
    : [];
  // Diagnostic variant (BENCH_ONLY=D): the cost of one global guard that always lets through,
  // as CorsModule registered one (APP_GUARD) for every route until session 4.
  const providers =
    spec.variant === 'diag-guard' ? [{ provide: APP_GUARD, useValue: { canActivate: () => true } }] : [];
  class BenchModule {}
  Module({ imports, controllers, providers })(BenchModule);
  return BenchModule;
}

/**
 * Variants that are the `none` application plus a request hook of their own. `floor`, measured
 * in every full run on S1 and S2, writes nest-cors's headers with no logic at all (see below).
 * Diagnostic variants (BENCH_ONLY=D), to split nest-cors's per-request cost into its parts, each
 * doing one thing nest-cors does: `diag-hook-noop`, an adapter request hook that only calls
 * `done()` (the hook mechanism); `diag-hook-headers`, a request hook writing the four headers
 * nest-cors writes on S1 on the Node response (the cost of the headers themselves, whatever
 * computes them); `diag-hook-reply-headers`, the same through Fastify's reply; and
 * `diag-handler-reply-headers`, the same from a wrapper around each route handler, with no
 * request hook. `diag-hook-reply-vary` writes `Vary: Origin` alone, as nest-cors does on S2
 * (BENCH_ONLY=D2, a request without `Origin`). `diag-guard` (in rootModule) is a global guard
 * alone. (Earlier runs also
 * measured state left on the request object: see docs/performance.md.)
 */
export function installVariantHook(spec, app, origin) {
  const adapter = app.getHttpAdapter();
  const fastify = spec.adapter === 'fastify';
  if (spec.variant === 'diag-hook-noop') adapter.setOnRequestHook((_request, _response, done) => done());
  // Lowercase names, as nest-cors writes them: Node and Fastify lowercase every name they are
  // given, and an already lowercase one spares that copy.
  if (spec.variant === 'diag-hook-headers') {
    adapter.setOnRequestHook((_request, response, done) => {
      const raw = fastify ? response.raw : response;
      raw.setHeader('vary', 'Origin');
      raw.setHeader('access-control-allow-origin', origin);
      raw.setHeader('access-control-allow-credentials', 'true');
      raw.setHeader('access-control-expose-headers', 'X-Total-Count');
      done();
    });
  }
  if (spec.variant === 'diag-hook-reply-headers') {
    // The same headers in Fastify's own header object (as @fastify/cors writes them); on
    // Express, where there is no such object, the same as diag-hook-headers.
    adapter.setOnRequestHook((_request, response, done) => {
      const write = fastify ? 'header' : 'setHeader';
      response[write]('vary', 'Origin');
      response[write]('access-control-allow-origin', origin);
      response[write]('access-control-allow-credentials', 'true');
      response[write]('access-control-expose-headers', 'X-Total-Count');
      done();
    });
  }
  if (spec.variant === 'floor') adapter.setOnRequestHook(floorHook(fastify, origin));
  if (spec.variant === 'diag-nest-cors-floor-hook') {
    // nest-cors's application (CorsModule, @Cors() on every controller) whose request hook is
    // the floor's: what nest-cors costs outside its hook. CorsModule installs its hook from
    // app.init(), after this runs; the floor's is installed in its stead. The own property this
    // adds to the adapter keeps it in fast mode (only `delete` would not: docs/performance.md).
    const setOnRequestHook = adapter.setOnRequestHook;
    adapter.setOnRequestHook = () => setOnRequestHook.call(adapter, floorHook(fastify, origin));
  }
  if (spec.variant === 'diag-hook-reply-vary') {
    adapter.setOnRequestHook((_request, response, done) => {
      response[fastify ? 'header' : 'setHeader']('vary', 'Origin');
      done();
    });
  }
  if (spec.variant === 'diag-handler-reply-headers') {
    // The same headers written by a wrapper around each route handler Nest registers, with no
    // request hook: what writing them costs when the route is known without a lookup.
    // Nest reads route options (version, Fastify config) off the callback's metadata: the
    // wrapper carries them over.
    const write = fastify ? 'header' : 'setHeader';
    const get = adapter.get;
    adapter.get = (...args) => {
      const handler = args.pop();
      const wrapped = (request, response, next) => {
        response[write]('vary', 'Origin');
        response[write]('access-control-allow-origin', origin);
        response[write]('access-control-allow-credentials', 'true');
        response[write]('access-control-expose-headers', 'X-Total-Count');
        return handler(request, response, next);
      };
      for (const key of Reflect.getMetadataKeys(handler))
        Reflect.defineMetadata(key, Reflect.getMetadata(key, handler), wrapped);
      return get.call(adapter, ...args, wrapped);
    };
  }
}

/**
 * The floor's request hook: the least any CORS layer can do for S1, S2 and S6c. It writes what
 * nest-cors writes (`Vary` always, the three allow headers for an allowed origin), where
 * nest-cors writes it in this application (Fastify's reply, as there is no middleware and no
 * handler taking `@Res()`; Express's response), knowing the answer in advance: one string
 * comparison for S1's origin (`origin`), a second for S6c's tenant (DYN_ORIGIN), whatever the
 * path; no route lookup, no policy. bench/run.mjs and bench/server-costs.mjs check that its
 * headers are nest-cors's. COMMON_POLICY, which both policies share, is credentialed; a floor that
 * disagreed with it would fail that check.
 */
function floorHook(fastify, origin) {
  const exposed = COMMON_POLICY.exposedHeaders.join(', ');
  const tenant = DYN_ORIGIN;
  return fastify
    ? (request, reply, done) => {
        reply.header('vary', 'Origin');
        const requested = request.raw.headers.origin;
        if (requested === origin || requested === tenant) {
          reply.header('access-control-allow-origin', requested);
          reply.header('access-control-allow-credentials', 'true');
          reply.header('access-control-expose-headers', exposed);
        }
        done();
      }
    : (request, response, done) => {
        response.setHeader('vary', 'Origin');
        const requested = request.headers.origin;
        if (requested === origin || requested === tenant) {
          response.setHeader('access-control-allow-origin', requested);
          response.setHeader('access-control-allow-credentials', 'true');
          response.setHeader('access-control-expose-headers', exposed);
        }
        done();
      };
}
