import type { AbstractHttpAdapter } from '@nestjs/core';
import type { ForeignCorsLayer } from '../cors-setup-error.js';

/**
 * Finds the CORS layers that run beside the module on an HTTP adapter. Any of them bypasses the
 * per-route policies: it answers the preflights the module leaves alone and writes its own
 * `Access-Control-Allow-Origin` (with the defaults, any origin, reflected with credentials) on
 * the responses of `@Cors()` routes.
 *
 * - Express: the `cors` middleware (`corsMiddleware`) anywhere in the app's router, mounted
 *   routers and sub-apps included: `app.enableCors()`, `NestFactory.create(…, { cors })` and
 *   `app.use(cors())` all add it.
 * - Fastify: Nest's request hook of `app.enableCors()` / `{ cors }` (`corsHook`, the plugin
 *   `nestjs-cors`), and `@fastify/cors` registered on the instance (`@fastify/cors`, or its
 *   `corsPreflightEnabled` request decorator). Nest registers these as plugins that Fastify only
 *   loads when something awaits it: with `NestFactory.create()`, not before `ready()`, which is
 *   why {@link watchLateCorsLayers} checks again from an `onReady` hook.
 *
 * Not seen: `consumer.apply(cors())` (Nest wraps the function, nameless), and `@fastify/cors`
 * inside an encapsulated plugin (it only covers that plugin's own routes).
 */
export function findForeignCorsLayers(adapter: AbstractHttpAdapter): ForeignCorsLayer[] {
  const type = adapter.getType();
  if (type === 'express') return expressLayers(adapter.getInstance());
  if (type === 'fastify') return fastifyLayers(adapter as unknown as { corsHook?: unknown }, adapter.getInstance());
  return [];
}

/**
 * Runs `check` once more at the last moment before the server accepts requests, for layers added
 * or loaded after bootstrap: Fastify's `onReady` (after every plugin is loaded, Nest's
 * `app.enableCors()` one included, and before `listen()` or the first `inject()` goes on; its
 * error fails them); Express's `listen()` (`app.enableCors()` or `app.use(cors())` after
 * `app.init()`).
 */
export function watchLateCorsLayers(adapter: AbstractHttpAdapter, check: () => void): void {
  const type = adapter.getType();
  if (type === 'fastify') {
    const instance = adapter.getInstance<{ addHook(name: 'onReady', hook: () => Promise<void>): unknown }>();
    try {
      // A promise that rejects when the check throws: Fastify then fails `ready()` and `listen()`.
      instance.addHook('onReady', () => new Promise<void>((resolve) => resolve(check())));
    } catch (error) {
      // Already started (`ready()` before `app.init()`): every plugin is loaded, so the check
      // at bootstrap sees them all.
      if (!String((error as { code?: unknown }).code).startsWith('FST_ERR_INSTANCE_ALREADY')) throw error;
    }
    return;
  }
  if (type === 'express') {
    // Put over the adapter's own method by assignment, as the request hook does for `end()`;
    // kept for the application's lifetime (`listen()` runs once).
    const target = adapter as unknown as { listen: (...args: unknown[]) => unknown };
    const listen = target.listen;
    target.listen = (...args: unknown[]) => {
      check();
      return listen.apply(adapter, args);
    };
  }
}

// --- Express -------------------------------------------------------------------------------

interface ExpressLayer {
  name?: string;
  handle?: unknown;
}

/** Express 5 keeps the router in `router` (created on first use), Express 4 in `_router`. */
function routerStack(app: unknown): ExpressLayer[] | undefined {
  const holder = app as { _router?: { stack?: unknown }; router?: { stack?: unknown } };
  const stack = holder._router?.stack ?? holder.router?.stack;
  return Array.isArray(stack) ? (stack as ExpressLayer[]) : undefined;
}

function expressLayers(app: unknown): ForeignCorsLayer[] {
  let count = 0;
  const seen = new Set<unknown>();
  const visit = (stack: ExpressLayer[] | undefined, depth: number): void => {
    if (stack === undefined || seen.has(stack) || depth > 8) return;
    seen.add(stack);
    for (const layer of stack) {
      if (layer.name === 'corsMiddleware') count++;
      if (typeof layer.handle !== 'function') continue;
      const handle = layer.handle as { stack?: unknown; _router?: unknown; handle?: unknown };
      // A mounted `express.Router()` has its own stack; a mounted sub-app its own router.
      if (Array.isArray(handle.stack)) visit(handle.stack as ExpressLayer[], depth + 1);
      else if (typeof handle.handle === 'function' && (handle._router !== undefined || 'router' in handle))
        visit(routerStack(handle), depth + 1);
    }
  };
  visit(routerStack(app), 0);
  if (count === 0) return [];
  return [
    {
      kind: 'cors_middleware',
      description:
        `${count === 1 ? 'the `cors` middleware' : `${count} \`cors\` middleware layers`} in Express's router ` +
        '(added by app.enableCors(), NestFactory.create(…, { cors }) or app.use(cors()))',
    },
  ];
}

// --- Fastify -------------------------------------------------------------------------------

interface FastifyLike {
  hasPlugin?(name: string): boolean;
  hasRequestDecorator?(name: string): boolean;
}

function fastifyLayers(adapter: { corsHook?: unknown }, instance: unknown): ForeignCorsLayer[] {
  const fastify = instance as FastifyLike;
  const hasPlugin = (name: string): boolean => fastify.hasPlugin?.(name) === true;
  const layers: ForeignCorsLayer[] = [];
  // Nest 11 and 12 run `@fastify/cors` from a plugin named `nestjs-cors`, keeping its hook.
  const nestCors = adapter.corsHook !== undefined || hasPlugin('nestjs-cors');
  if (nestCors) {
    layers.push({
      kind: 'nest_enable_cors',
      description: "app.enableCors() or NestFactory.create(…, { cors }) (Nest's @fastify/cors hook)",
    });
  }
  if (hasPlugin('@fastify/cors')) {
    layers.push({
      kind: 'fastify_cors',
      description:
        '@fastify/cors registered on the Fastify instance (app.register(fastifyCors), fastify.register(fastifyCors) or app.enableCors({ hook }))',
    });
  } else if (!nestCors && fastify.hasRequestDecorator?.('corsPreflightEnabled') === true) {
    layers.push({
      kind: 'fastify_cors',
      description: "@fastify/cors on the Fastify instance (its 'corsPreflightEnabled' request decorator is there)",
    });
  }
  return layers;
}
