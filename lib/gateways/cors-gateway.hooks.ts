import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CORS_LOGGER_CONTEXT, CORS_MODULE_OPTIONS, DEFAULT_ORIGIN_CALLBACK_TIMEOUT } from '../cors.constants.js';
import type { CorsModuleOptions } from '../cors-module-options.js';
import { CorsPolicyRegistry } from '../cors-policy.registry.js';
import { CorsForeignLayerError, type ForeignCorsLayer } from '../cors-setup-error.js';
import { RefusalLogger } from '../module/refusal-logger.js';
import {
  findGateways,
  GATEWAY_OPTIONS_METADATA,
  GATEWAY_PORT_METADATA,
  GATEWAY_SERVER_METADATA,
  type Constructor,
} from '../nest-metadata.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { PolicyBinding } from '../policy/policy-binding.js';
import { engineCorsMiddleware } from './engine-cors.middleware.js';
import { transportOf, type EngineLike, type GatewayTransport, type WsServerLike } from './gateway-transport.js';
import { HandshakeContext } from './handshake-context.js';
import { namespaceOriginMiddleware } from './namespace-origin.middleware.js';
import { verifyClientOrigin } from './ws-verify-client.js';

/** A gateway as it serves connections: where, and under which policy. */
export interface GatewayEndpoint {
  readonly gateway: Constructor;
  readonly transport: GatewayTransport['kind'];
  /** `@WebSocketGateway(port)`; `0`: the application's own HTTP server. */
  readonly port: number;
  /** socket.io's path (`/socket.io`), or the `ws` server's. */
  readonly path: string;
  /** The socket.io namespace; `undefined` for `ws`. */
  readonly namespace: string | undefined;
  readonly binding: PolicyBinding<CompiledPolicy | null>;
}

interface ConnectedGateway {
  readonly type: Constructor;
  readonly server: unknown;
}

/**
 * Applies `@Cors()` (or `global`) to `@WebSocketGateway` classes, at the servers their
 * connections arrive at: socket.io's engine (long polling as CORS, WebSocket upgrades by
 * origin) and namespace, `ws`'s `verifyClient`. `@nestjs/websockets` is an optional peer: it is
 * never imported, gateways are recognised by its metadata keys.
 *
 * Nest creates gateway servers in `app.init()`, before every lifecycle hook and before
 * `configure()`, and hands a server only to the properties `@WebSocketServer()` marks. So the
 * constructor, which runs while the application is assembled, marks one more on each gateway
 * class, under a key of this application's own; {@link collectServers} reads it once Nest has
 * set it and takes the mark away. That reaches every gateway, with or without its own
 * `@WebSocketServer()`, on any adapter, without Nest's internals.
 */
@Injectable()
export class CorsGatewayHooks {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);
  private readonly context: HandshakeContext;
  /** A string: Nest assigns servers only to the keys it finds with `for…in`. */
  private readonly serverKey = `nest-cors:server:${randomUUID()}`;
  private readonly marked = new Set<object>();
  private readonly connected: ConnectedGateway[] = [];
  private readonly attached: GatewayEndpoint[] = [];

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly discovery: DiscoveryService,
    private readonly registry: CorsPolicyRegistry,
  ) {
    this.context = new HandshakeContext(
      options.originCallbackTimeout ?? DEFAULT_ORIGIN_CALLBACK_TIMEOUT,
      new RefusalLogger(options.debug === true),
    );
    for (const type of findGateways(discovery)) this.markServerProperty(type.prototype as object);
  }

  /**
   * Reads each gateway's server off the property marked for it, and removes the marks, so that
   * a later application built from the same classes starts clean. Runs once gateways are
   * connected: from the module's `configure()`.
   */
  collectServers(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Constructor | null | undefined;
      const instance = wrapper.instance as Record<string, unknown> | null | undefined;
      if (typeof type !== 'function' || !this.marked.has(type.prototype as object) || !instance) continue;
      const server = Object.prototype.hasOwnProperty.call(instance, this.serverKey) ? instance[this.serverKey] : null;
      delete instance[this.serverKey];
      if (server === null || server === undefined) continue; // not connected (preview mode)
      if (!this.connected.some((c) => c.type === type && c.server === server)) this.connected.push({ type, server });
    }
    for (const prototype of this.marked) {
      delete (prototype as Record<string, unknown>)[this.serverKey];
      Reflect.deleteMetadata(GATEWAY_SERVER_METADATA, prototype, this.serverKey);
    }
    this.marked.clear();
  }

  /**
   * Installs every gateway's checks, once the registry has its policies. A gateway without a
   * policy is left as Nest has it: whether a binding holds a policy is fixed at bootstrap
   * (updates replace named policies, never remove them).
   *
   * @throws CorsForeignLayerError when a socket.io server with a gateway under a policy has
   *   engine.io's own `cors` option (`@WebSocketGateway({ cors })`), unless `allowOtherCorsLayers`.
   */
  attach(): void {
    const bindings = this.registry.gatewayPolicies();
    const engines = new Map<EngineLike, GatewayEndpoint[]>();
    const wsServers = new Map<WsServerLike, GatewayEndpoint[]>();
    for (const { type, server } of this.connected) {
      const binding = bindings.get(type);
      if (binding === undefined) continue;
      const transport = transportOf(server);
      if (transport === undefined) {
        if (binding.current !== null)
          this.logger.warn(
            `@Cors() on ${type.name} has no effect: its server is neither socket.io's nor ws's (@nestjs/platform-socket.io, @nestjs/platform-ws)`,
          );
        continue;
      }
      const endpoint = endpointOf(type, transport, binding);
      this.attached.push(endpoint);
      if (transport.kind === 'ws') {
        wsServers.set(transport.server, [...(wsServers.get(transport.server) ?? []), endpoint]);
        continue;
      }
      const { engine } = transport.server;
      if (engine === undefined) {
        if (binding.current !== null)
          this.logger.warn(`@Cors() on ${type.name} has no effect: its socket.io server is attached to no HTTP server`);
        continue;
      }
      engines.set(engine, [...(engines.get(engine) ?? []), endpoint]);
      if (binding.current !== null)
        transport.namespace.use(namespaceOriginMiddleware(binding, transport.namespace.name, this.context));
    }
    const policed = (endpoints: readonly GatewayEndpoint[]): boolean =>
      endpoints.some((e) => e.binding.current !== null);
    this.refuseForeignLayers([...engines].filter(([, endpoints]) => policed(endpoints)));
    for (const [engine, endpoints] of engines)
      if (policed(endpoints)) engine.use(engineCorsMiddleware(uniqueBindings(endpoints), this.context));
    for (const [server, endpoints] of wsServers)
      if (policed(endpoints)) verifyClientOrigin(server, uniqueBindings(endpoints), this.context);
  }

  /** Every gateway with where it serves and its policy, for the audit. */
  endpoints(): readonly GatewayEndpoint[] {
    return this.attached;
  }

  /** What `@WebSocketServer()` does, under this application's key: a property Nest assigns the server to. */
  private markServerProperty(prototype: object): void {
    Object.defineProperty(prototype, this.serverKey, {
      value: null,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    Reflect.defineMetadata(GATEWAY_SERVER_METADATA, true, prototype, this.serverKey);
    this.marked.add(prototype);
  }

  /**
   * engine.io's `cors` option installs the `cors` package as the engine's first middleware: it
   * answers every preflight of the transport itself, with its own origins, and writes its own
   * `Access-Control-Allow-Origin` on polling responses, around the gateways' policies.
   */
  private refuseForeignLayers(engines: readonly (readonly [EngineLike, readonly GatewayEndpoint[]])[]): void {
    const layers: ForeignCorsLayer[] = [];
    for (const [engine, endpoints] of engines) {
      const declaring = endpoints.filter((e) => gatewayOptions(e.gateway)?.cors).map((e) => e.gateway.name);
      if (!engine.opts?.cors && declaring.length === 0) continue;
      layers.push({
        kind: 'socket_io_cors',
        description:
          declaring.length > 0
            ? `\`cors\` in @WebSocketGateway() of ${[...new Set(declaring)].join(', ')} (engine.io's cors middleware)`
            : `engine.io's \`cors\` option on the socket.io server of ${endpoints.map((e) => e.gateway.name).join(', ')} (set by its IoAdapter)`,
      });
    }
    if (layers.length === 0) return;
    if (this.options.allowOtherCorsLayers !== true) throw new CorsForeignLayerError(layers);
    this.logger.log(
      `Another CORS layer answers beside CorsModule (allowOtherCorsLayers: true): ${layers.map((l) => l.description).join('; ')}`,
    );
  }
}

function gatewayOptions(gateway: Constructor): { readonly namespace?: unknown; readonly cors?: unknown } | undefined {
  return Reflect.getMetadata(GATEWAY_OPTIONS_METADATA, gateway) as { namespace?: unknown; cors?: unknown } | undefined;
}

function endpointOf(
  gateway: Constructor,
  transport: GatewayTransport,
  binding: PolicyBinding<CompiledPolicy | null>,
): GatewayEndpoint {
  const port = Number(Reflect.getMetadata(GATEWAY_PORT_METADATA, gateway) ?? 0);
  if (transport.kind === 'ws') {
    const { server } = transport;
    const path = server.path ?? server.options.path ?? '/';
    return { gateway, transport: 'ws', port, path, namespace: undefined, binding };
  }
  const declared = gatewayOptions(gateway)?.namespace;
  // A RegExp or function namespace is the parent of dynamic ones, which socket.io names by a counter.
  const namespace =
    declared === undefined || typeof declared === 'string'
      ? transport.namespace.name
      : declared instanceof RegExp
        ? String(declared)
        : '(dynamic)';
  return { gateway, transport: 'socket.io', port, path: transport.server.path(), namespace, binding };
}

/** The gateways' bindings, each once: a gateway class provided by two modules has one. */
function uniqueBindings(endpoints: readonly GatewayEndpoint[]): PolicyBinding<CompiledPolicy | null>[] {
  return [...new Set(endpoints.map((endpoint) => endpoint.binding))];
}
