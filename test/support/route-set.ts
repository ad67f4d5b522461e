import 'reflect-metadata';
import {
  All,
  Controller,
  Delete,
  Get,
  Head,
  Header,
  Module,
  Patch,
  Post,
  Put,
  Version,
  VersioningType,
  type INestApplication,
  type ModuleMetadata,
  type NestApplicationOptions,
  type Type,
} from '@nestjs/common';
import { RouterModule, type AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Cors, CorsModule, type CorsPolicy } from '../../lib/index.js';
import { header, headerValues, rawRequest, sendOne, type RawResponse } from './raw-http.js';
import type { AdapterName, RunningApp } from './test-app.js';

/**
 * Route sets described as data, built into real Nest controllers, and the differential check
 * of test/e2e/router-differential.e2e-spec.ts: every handler `n` sets `x-ran: n` and carries a
 * policy that names it (`Access-Control-Expose-Headers: X-Route-n`, `Access-Control-Max-Age:
 * n + 1`), so one exchange shows both which handler the adapter ran and whose policy nest-cors
 * applied, from the HTTP response alone.
 */

// ---------------------------------------------------------------------------------------------
// Router configurations: every matching option the adapters offer, one app configuration each.

/** Fastify's router options that change which route a path reaches. */
export interface FastifyRouterOptions {
  readonly caseSensitive?: boolean;
  readonly ignoreTrailingSlash?: boolean;
  readonly ignoreDuplicateSlashes?: boolean;
  readonly maxParamLength?: number;
  readonly useSemicolonDelimiter?: boolean;
}

/** Express application settings that change which route a path reaches. */
export interface ExpressRouterSettings {
  readonly 'case sensitive routing'?: boolean;
  readonly 'strict routing'?: boolean;
}

export type RouterConfig =
  | { readonly name: string; readonly adapter: 'express'; readonly settings: ExpressRouterSettings }
  | { readonly name: string; readonly adapter: 'fastify'; readonly routerOptions: FastifyRouterOptions };

/** Every matching option of the adapters, one app configuration each. */
export const CONFIGS = {
  express: { name: 'express (defaults)', adapter: 'express', settings: {} },
  expressCaseSensitive: {
    name: "express ('case sensitive routing')",
    adapter: 'express',
    settings: { 'case sensitive routing': true },
  },
  expressStrict: { name: "express ('strict routing')", adapter: 'express', settings: { 'strict routing': true } },
  fastify: { name: 'fastify (defaults)', adapter: 'fastify', routerOptions: {} },
  fastifyCaseInsensitive: {
    name: 'fastify (caseSensitive: false)',
    adapter: 'fastify',
    routerOptions: { caseSensitive: false },
  },
  fastifyTrailingSlash: {
    name: 'fastify (ignoreTrailingSlash)',
    adapter: 'fastify',
    routerOptions: { ignoreTrailingSlash: true },
  },
  fastifyDuplicateSlashes: {
    name: 'fastify (ignoreDuplicateSlashes)',
    adapter: 'fastify',
    routerOptions: { ignoreDuplicateSlashes: true },
  },
  fastifyMaxParamLength: {
    name: 'fastify (maxParamLength: 120)',
    adapter: 'fastify',
    routerOptions: { maxParamLength: 120 },
  },
  fastifySemicolon: {
    name: 'fastify (useSemicolonDelimiter)',
    adapter: 'fastify',
    routerOptions: { useSemicolonDelimiter: true },
  },
} as const satisfies Record<string, RouterConfig>;

/** In a fixed order: a configuration's index picks its fast-check seed. */
export const ROUTER_CONFIGS: readonly RouterConfig[] = Object.values(CONFIGS);

/**
 * A fresh HTTP adapter for `config`. Express builds its router, with the settings in effect
 * then, on first use, which is after this; Fastify 5 takes router options under `routerOptions`
 * (the top-level spelling is deprecated, FSTDEP022).
 */
export function createHttpAdapter(config: RouterConfig): AbstractHttpAdapter {
  if (config.adapter === 'fastify') return new FastifyAdapter({ routerOptions: { ...config.routerOptions } });
  const adapter = new ExpressAdapter();
  const express = adapter.getInstance<{ set(name: string, value: unknown): unknown }>();
  for (const [name, value] of Object.entries(config.settings)) express.set(name, value);
  return adapter;
}

export interface RunningRawApp extends RunningApp {
  readonly port: number;
}

/** Like `startApp()` of test-app.ts, on an adapter built from a {@link RouterConfig}. */
export async function startAppOn(
  config: RouterConfig,
  metadata: ModuleMetadata,
  configure: (app: INestApplication) => void = () => undefined,
  options: NestApplicationOptions = {},
): Promise<RunningRawApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication(createHttpAdapter(config), { logger: false, ...options });
  try {
    configure(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, port: Number(new URL(url).port), close: () => app.close() };
}

// ---------------------------------------------------------------------------------------------
// Route sets as data.

export type Verb = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'ALL';

/** Methods an actual request or a preflight asks for. */
export const REQUEST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

export interface HandlerSpec {
  readonly verb: Verb;
  /**
   * The handler's path in a neutral syntax: `/`-separated static segments, `:name` segments,
   * and a final `*` for a wildcard (written `*path` on Express 5, `*` on Fastify).
   */
  readonly path: string;
  /** `@Version()` of the handler (URI versioning). */
  readonly version?: string;
  /** `false`: `@Cors(false)`, a handler that must never get CORS headers. */
  readonly cors?: boolean;
}

export interface ControllerSpec {
  readonly path: string;
  readonly version?: string;
  /** A `RouterModule` path the controller's module is registered under. */
  readonly module?: string;
  readonly handlers: readonly HandlerSpec[];
}

export interface RouteSetSpec {
  readonly controllers: readonly ControllerSpec[];
  /** `app.setGlobalPrefix(path, { exclude })`; `exclude` as handler paths under the prefix. */
  readonly prefix?: { readonly path: string; readonly exclude: readonly string[] };
  /** `app.enableVersioning({ type: VersioningType.URI, defaultVersion })`. */
  readonly versioning?: { readonly defaultVersion?: string };
}

/** One handler of a built route set: its number `n` is its tag. */
export interface HandlerInfo {
  readonly n: number;
  readonly verb: Verb;
  readonly cors: boolean;
  /** The path the handler is expected at (a model of Nest's path building, for targets only). */
  readonly path: string;
}

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];

/** The policy of handler `n`: every field that a response shows names `n`. */
export function taggedPolicy(n: number): CorsPolicy {
  return { origins: '*', methods: ALL_METHODS, exposedHeaders: [`X-Route-${n}`], maxAge: n + 1 };
}

const VERB_DECORATORS: Record<Verb, (path: string) => MethodDecorator> = {
  GET: Get,
  POST: Post,
  PUT: Put,
  DELETE: Delete,
  PATCH: Patch,
  HEAD: Head,
  ALL: All,
};

/** The neutral path in the adapter's own syntax. */
export function adapterPath(path: string, adapter: AdapterName): string {
  return adapter === 'express' ? path.replace(/(^|\/)\*$/, '$1*path') : path;
}

function joinPath(...parts: (string | undefined)[]): string {
  const segments = parts.flatMap((part) => (part === undefined ? [] : part.split('/').filter((s) => s !== '')));
  return `/${segments.join('/')}`;
}

/** Every handler of `spec`, numbered in declaration order, with the path it is expected at. */
export function handlersOf(spec: RouteSetSpec): HandlerInfo[] {
  const handlers: HandlerInfo[] = [];
  for (const controller of spec.controllers) {
    for (const handler of controller.handlers) {
      const version = handler.version ?? controller.version ?? spec.versioning?.defaultVersion;
      const versionSegment = spec.versioning !== undefined && version !== undefined ? `v${version}` : undefined;
      const underPrefix = joinPath(controller.module, controller.path, handler.path);
      const unprefixed = joinPath(versionSegment, controller.module, controller.path, handler.path);
      const prefixed = spec.prefix !== undefined && !spec.prefix.exclude.includes(underPrefix.slice(1));
      handlers.push({
        n: handlers.length,
        verb: handler.verb,
        cors: handler.cors !== false,
        path: prefixed ? joinPath(spec.prefix?.path, unprefixed) : unprefixed,
      });
    }
  }
  return handlers;
}

/**
 * Drops the handlers Fastify would refuse as duplicates (`Method 'GET' already declared for
 * route`): one method and path shape twice, `@All()` beside any method, an explicit `@Head()`
 * beside a `GET` (whose automatic HEAD route it collides with). Express takes them all.
 */
export function dedupeForFastify(spec: RouteSetSpec, caseSensitive = true): RouteSetSpec {
  const taken = new Set<string>();
  const infos = handlersOf(spec);
  let index = 0;
  const controllers = spec.controllers.map((controller) => ({
    ...controller,
    handlers: controller.handlers.filter(() => {
      const info = infos[index++];
      const shape = info.path
        .split('/')
        .map((segment) => (segment.startsWith(':') ? ':' : caseSensitive ? segment : segment.toLowerCase()))
        .join('/');
      const occupied = info.verb === 'ALL' ? ALL_METHODS : info.verb === 'GET' ? ['GET', 'HEAD'] : [info.verb];
      if (occupied.some((method) => taken.has(`${method} ${shape}`))) return false;
      for (const method of occupied) taken.add(`${method} ${shape}`);
      return true;
    }),
  }));
  return { ...spec, controllers: controllers.filter((c) => c.handlers.length > 0) };
}

export interface BuiltRouteSet {
  readonly metadata: ModuleMetadata;
  readonly configure: (app: INestApplication) => void;
  readonly handlers: readonly HandlerInfo[];
}

let classCounter = 0;

/** Real controllers (and `RouterModule` modules) for `spec`, on `adapter`'s path syntax. */
export function buildRouteSet(spec: RouteSetSpec, adapter: AdapterName): BuiltRouteSet {
  const handlers = handlersOf(spec);
  const rootControllers: Type[] = [];
  const modules = new Map<string, Type[]>();
  let n = 0;
  for (const controllerSpec of spec.controllers) {
    const id = ++classCounter;
    const controller = { [`RouteSet${id}Controller`]: class {} }[`RouteSet${id}Controller`] as Type;
    for (const handlerSpec of controllerSpec.handlers) {
      const tag = n++;
      const key = `h${tag}`;
      Object.defineProperty(controller.prototype, key, {
        value: { [key]: () => `ran ${tag}` }[key],
        writable: true,
        configurable: true,
        enumerable: false,
      });
      const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, key)!;
      const decorators: MethodDecorator[] = [
        Header('x-ran', String(tag)),
        Cors(handlerSpec.cors === false ? false : taggedPolicy(tag)),
        ...(handlerSpec.version !== undefined ? [Version(handlerSpec.version)] : []),
        VERB_DECORATORS[handlerSpec.verb](adapterPath(handlerSpec.path, adapter)),
      ];
      for (const decorator of decorators) decorator(controller.prototype, key, descriptor);
    }
    const path = adapterPath(controllerSpec.path, adapter);
    const decorate =
      controllerSpec.version !== undefined ? Controller({ path, version: controllerSpec.version }) : Controller(path);
    decorate(controller);
    if (controllerSpec.module === undefined) rootControllers.push(controller);
    else modules.set(controllerSpec.module, [...(modules.get(controllerSpec.module) ?? []), controller]);
  }
  const routes = [...modules].map(([path, controllers]) => {
    const id = ++classCounter;
    const module = { [`RouteSet${id}Module`]: class {} }[`RouteSet${id}Module`] as Type;
    Module({ controllers })(module);
    return { path, module };
  });
  return {
    handlers,
    metadata: {
      imports: [
        CorsModule.forRoot(),
        ...routes.map((r) => r.module),
        ...(routes.length > 0 ? [RouterModule.register(routes)] : []),
      ],
      controllers: rootControllers,
    },
    configure: (app) => {
      if (spec.prefix !== undefined) app.setGlobalPrefix(spec.prefix.path, { exclude: [...spec.prefix.exclude] });
      if (spec.versioning !== undefined) {
        app.enableVersioning(
          spec.versioning.defaultVersion !== undefined
            ? { type: VersioningType.URI, defaultVersion: spec.versioning.defaultVersion }
            : { type: VersioningType.URI },
        );
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Exchanges, sent raw: the request target goes on the wire exactly as given.

export const TEST_ORIGIN = 'https://o.test';

/** Sends `method target` with `headers`, on a fresh connection, and returns the one response. */
export function exchange(
  port: number,
  method: string,
  target: string,
  headers: readonly string[] = [],
): Promise<RawResponse> {
  return sendOne(
    port,
    rawRequest([`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers, 'Connection: close']),
    { methods: [method] },
  );
}

export function actualRequest(
  port: number,
  method: string,
  target: string,
  headers: readonly string[] = [`Origin: ${TEST_ORIGIN}`],
): Promise<RawResponse> {
  return exchange(port, method, target, headers);
}

export function preflightRequest(
  port: number,
  target: string,
  method: string,
  origin = TEST_ORIGIN,
  extra: readonly string[] = [],
): Promise<RawResponse> {
  return exchange(port, 'OPTIONS', target, [`Origin: ${origin}`, `Access-Control-Request-Method: ${method}`, ...extra]);
}

/** The handler that wrote a response (`x-ran`), if one did. */
export function ranHandler(response: RawResponse): number | undefined {
  const value = header(response, 'x-ran');
  return value === undefined ? undefined : Number(value);
}

/** The handler whose policy nest-cors applied to an actual response (`X-Route-n`), if any. */
export function appliedPolicy(response: RawResponse): number | undefined {
  const match = /X-Route-(\d+)/i.exec(headerValues(response, 'Access-Control-Expose-Headers').join(','));
  return match === null ? undefined : Number(match[1]);
}

/** The handler whose policy answered a preflight (`Access-Control-Max-Age: n + 1`), if any. */
export function answeringPolicy(response: RawResponse): number | undefined {
  const value = header(response, 'Access-Control-Max-Age');
  return value === undefined ? undefined : Number(value) - 1;
}

/** Every `Access-Control-*` response header, as `name: value`. */
export function corsHeaders(response: RawResponse): string[] {
  return response.headers
    .filter(([name]) => /^access-control-/i.test(name))
    .map(([name, value]) => `${name}: ${value}`);
}

export function describeHandler(handlers: readonly HandlerInfo[], n: number | undefined): string {
  if (n === undefined) return 'no handler';
  const info = handlers[n];
  return info === undefined
    ? `unknown #${n}`
    : `#${n} @${info.verb === 'ALL' ? 'All' : info.verb}(${info.path})${info.cors ? '' : ' @Cors(false)'}`;
}

/**
 * The differential check for one method and target: sends the actual request and the
 * preflight, and returns every disagreement between the handler the adapter ran and the
 * policy nest-cors applied (empty when they agree).
 */
export async function disagreements(
  port: number,
  handlers: readonly HandlerInfo[],
  method: RequestMethod,
  target: string,
): Promise<string[]> {
  const problems: string[] = [];
  const actual = await actualRequest(port, method, target);
  const ran = ranHandler(actual);
  const tagged = ran !== undefined && handlers[ran]?.cors === true;
  const applied = appliedPolicy(actual);
  const actualCors = corsHeaders(actual);
  const where = `${method} ${JSON.stringify(target)}`;
  if (tagged) {
    if (applied !== ran || header(actual, 'Access-Control-Allow-Origin') !== '*') {
      problems.push(
        `${where} ran ${describeHandler(handlers, ran)} (${actual.status}) but got the policy of ${describeHandler(handlers, applied)} [${actualCors.join('; ')}]`,
      );
    }
  } else if (actualCors.length > 0) {
    problems.push(
      `${where} ran ${describeHandler(handlers, ran)} (${actual.status}) but got CORS headers of ${describeHandler(handlers, applied)} [${actualCors.join('; ')}]`,
    );
  }

  const preflight = await preflightRequest(port, target, method);
  const answered = answeringPolicy(preflight);
  const preflightCors = corsHeaders(preflight);
  if (tagged) {
    if (preflight.status !== 204 || answered !== ran || header(preflight, 'Access-Control-Allow-Origin') !== '*') {
      problems.push(
        `preflight for ${where}: a ${method} runs ${describeHandler(handlers, ran)}, but the preflight got ${preflight.status} from ${describeHandler(handlers, answered)} [${preflightCors.join('; ')}]`,
      );
    }
  } else if (preflightCors.some((h) => /^access-control-(allow|max-age|expose)/i.test(h))) {
    problems.push(
      `preflight for ${where}: a ${method} runs ${describeHandler(handlers, ran)}, but the preflight got ${preflight.status} from ${describeHandler(handlers, answered)} [${preflightCors.join('; ')}]`,
    );
  }
  return problems;
}

/** Runs `tasks` with at most `limit` at a time, in order of start. */
export async function pooled<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Starts the app of `spec` on `config`, or returns `undefined` when Nest or the adapter refuse the route set. */
export async function startRouteSet(
  config: RouterConfig,
  spec: RouteSetSpec,
): Promise<{ running: RunningRawApp; handlers: readonly HandlerInfo[] } | undefined> {
  const built = buildRouteSet(spec, config.adapter);
  try {
    return { running: await startAppOn(config, built.metadata, built.configure), handlers: built.handlers };
  } catch (error) {
    if (/already declared|duplicate/i.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** Every disagreement for `targets` × `methods` in the app of `spec` on `config`. */
export async function routeSetDisagreements(
  config: RouterConfig,
  spec: RouteSetSpec,
  requests: readonly (readonly [RequestMethod, string])[],
): Promise<{ problems: string[]; handlers: readonly HandlerInfo[] } | undefined> {
  const started = await startRouteSet(config, spec);
  if (started === undefined) return undefined;
  const { running, handlers } = started;
  try {
    const results = await pooled(
      4,
      requests.map(
        ([method, target]) =>
          () =>
            disagreements(running.port, handlers, method, target),
      ),
    );
    return { problems: results.flat(), handlers };
  } finally {
    await running.close();
  }
}
