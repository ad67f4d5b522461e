import type { IncomingMessage } from 'node:http';

/*
 * The servers a gateway gets, recognised by shape: `@nestjs/websockets` and the socket.io and
 * `ws` packages are optional peers, never imported, and an application may run a copy of them
 * other than the one this package would resolve (Nest 11 and 12 side by side).
 */

/** An engine.io middleware: `(req, res, next)`; `res` is a stand-in without `statusCode` on upgrades. */
export type EngineMiddleware = (request: IncomingMessage, response: object, next: (error?: unknown) => void) => void;

/** What of an engine.io server (socket.io's `server.engine`, engine.io 6) CORS uses. */
export interface EngineLike {
  use(middleware: EngineMiddleware): void;
  /** engine.io's options; `cors` installs the `cors` package as its first middleware. */
  readonly opts?: { readonly cors?: unknown };
}

/** What of a socket.io socket a namespace middleware reads. */
export interface SocketLike {
  readonly request?: IncomingMessage;
  readonly handshake: { readonly headers: IncomingMessage['headers']; readonly url?: string };
}

export type NamespaceMiddleware = (socket: SocketLike, next: (error?: Error) => void) => void;

export interface NamespaceLike {
  readonly name: string;
  use(middleware: NamespaceMiddleware): unknown;
}

export interface SocketIoServerLike {
  readonly engine?: EngineLike;
  /** The main namespace, `/`. */
  readonly sockets: NamespaceLike;
  path(): string;
}

/** ws's `verifyClient`, in its asynchronous form (or the synchronous one, of one parameter). */
export type VerifyClient =
  | ((info: VerifyClientInfo) => boolean)
  | ((info: VerifyClientInfo, callback: (verified: boolean, code?: number, message?: string) => void) => void);

export interface VerifyClientInfo {
  readonly origin?: string;
  readonly secure: boolean;
  readonly req: IncomingMessage;
}

export interface WsServerLike {
  /** ws reads `options.verifyClient` at each upgrade. */
  readonly options: { verifyClient?: VerifyClient | null; path?: string | null };
  /** Set by Nest's `WsAdapter`, which dispatches upgrades by it. */
  readonly path?: string;
}

/** Where a gateway's connections arrive. */
export type GatewayTransport =
  | {
      readonly kind: 'socket.io';
      readonly server: SocketIoServerLike;
      /** The gateway's namespace (the main one, `/`, without `namespace`). */
      readonly namespace: NamespaceLike;
    }
  | { readonly kind: 'ws'; readonly server: WsServerLike };

/**
 * What a gateway's `@WebSocketServer()` value is: a socket.io `Server` (a gateway without a
 * namespace), a socket.io `Namespace` (with one), a `ws` server (Nest's `WsAdapter`); `undefined`
 * for anything else (another adapter).
 */
export function transportOf(server: unknown): GatewayTransport | undefined {
  if (typeof server !== 'object' || server === null) return undefined;
  const candidate = server as Partial<SocketIoServerLike & NamespaceLike & WsServerLike> & { server?: unknown };
  if (isSocketIoServer(candidate)) return { kind: 'socket.io', server: candidate, namespace: candidate.sockets };
  if (typeof candidate.use === 'function' && typeof candidate.name === 'string' && isSocketIoServer(candidate.server))
    return { kind: 'socket.io', server: candidate.server, namespace: candidate as NamespaceLike };
  if (typeof candidate.options === 'object' && candidate.options !== null && 'verifyClient' in candidate.options)
    return { kind: 'ws', server: candidate as WsServerLike };
  return undefined;
}

function isSocketIoServer(value: unknown): value is SocketIoServerLike {
  const candidate = value as Partial<SocketIoServerLike> | null | undefined;
  return typeof candidate?.path === 'function' && typeof candidate.sockets?.use === 'function';
}
