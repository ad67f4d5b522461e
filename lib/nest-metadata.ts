/*
 * Nest's own metadata keys, spelled out rather than deep-imported from `@nestjs/common` or
 * `@nestjs/core`, so that one build of this package serves Nest 11 (CommonJS) and Nest 12 (ES
 * modules): the keys are the same in both.
 */
import type { DiscoveryService } from '@nestjs/core';

/** Where `@UseGuards()` keeps a handler's guards (Nest's `GUARDS_METADATA`). */
export const GUARDS_METADATA = '__guards__';
/** Where Nest keeps a handler's parameter decorators, keyed `${RouteParamtypes}:${index}` (`ROUTE_ARGS_METADATA`). */
export const ROUTE_ARGS_METADATA = '__routeArguments__';
/** A route decorator's path, on the handler function (`PATH_METADATA`). */
export const PATH_METADATA = 'path';
/** `@Controller({ host })`, on the controller class (`HOST_METADATA`). */
export const HOST_METADATA = 'host';
/** `@Module({ imports })`, on the module class (`MODULE_METADATA.IMPORTS`). */
export const MODULE_IMPORTS_METADATA = 'imports';
/** `@WebSocketGateway()`, on the gateway class (`@nestjs/websockets`' `GATEWAY_METADATA`, an optional peer). */
export const GATEWAY_METADATA = 'websockets:is_gateway';
/** `@WebSocketGateway()`'s options, on the gateway class (`GATEWAY_OPTIONS`). */
export const GATEWAY_OPTIONS_METADATA = 'websockets:gateway_options';
/** `@WebSocketGateway(port)`, on the gateway class (`PORT_METADATA`); `0`: the application's own server. */
export const GATEWAY_PORT_METADATA = 'port';
/** `@WebSocketServer()`, on a gateway's property, which Nest sets to the gateway's server (`GATEWAY_SERVER_METADATA`). */
export const GATEWAY_SERVER_METADATA = 'websockets:is_socket';

/** A class Nest instantiates: a controller, a provider, a module. */
export type Constructor = abstract new (...args: never[]) => unknown;

/** A controller's handler: the method a route decorator marks. */
export type Handler = (...args: never[]) => unknown;

/** `RouteParamtypes.RESPONSE` (1) and `RouteParamtypes.NEXT` (2), as they start those keys. */
const RESPONSE_OR_NEXT_KEY = /^[12]:/;
/** `RouteParamtypes.NEXT` (2), as it starts those keys. */
const NEXT_KEY = /^2:/;

/**
 * Whether a controller's handler takes `@Res()` or `@Next()` (with `passthrough` or not), and so
 * may write its response itself, around the framework's own response object. Read through the
 * class chain: an inherited handler's parameters are declared on the class that defines it.
 */
export function respondsDirectly(controller: Constructor, methodName: string): boolean {
  return takesParameter(controller, methodName, RESPONSE_OR_NEXT_KEY);
}

/**
 * Whether a controller's handler takes `@Next()`, and so may decline a request: Express then
 * runs the next route that matches.
 */
export function takesNext(controller: Constructor, methodName: string): boolean {
  return takesParameter(controller, methodName, NEXT_KEY);
}

function takesParameter(controller: Constructor, methodName: string, key: RegExp): boolean {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) as Record<string, unknown> | undefined;
  if (args === undefined) return false;
  for (const name in args) if (key.test(name)) return true;
  return false;
}

/** `@WebSocketGateway` classes among an application's providers (`@nestjs/websockets` is optional). */
export function findGateways(discovery: DiscoveryService): Constructor[] {
  const found = new Set<Constructor>();
  for (const wrapper of discovery.getProviders()) {
    const type = wrapper.metatype as Constructor | null | undefined;
    if (typeof type === 'function' && Reflect.getMetadata(GATEWAY_METADATA, type) === true) found.add(type);
  }
  return [...found];
}
