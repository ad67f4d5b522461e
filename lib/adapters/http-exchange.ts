import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORS_RESPONSE_HEADERS, type HeaderSink } from '../policy/response-headers.js';
import type { RouteHandling } from '../routing/route-target.js';

/**
 * The little that differs between Express and Fastify: where the Node request and response
 * are, where a response's CORS headers go, and how to end a response from a request hook.
 */
export interface HttpExchange {
  rawRequest(request: unknown): IncomingMessage;
  rawResponse(response: unknown): ServerResponse;
  /**
   * Where to write the CORS headers of a response to a request for `route`. The Node response
   * keeps them for whatever writes the body later (an exception filter, `@Res()`, a stream,
   * server-sent events, a middleware that ends the response on its own); see
   * {@link createFastifyExchange} for when Fastify's reply is as good, and cheaper.
   */
  sinkOf(response: unknown, preflight: boolean, route: RouteHandling): HeaderSink;
  /** Removes headers from wherever {@link sinkOf} may have put them. */
  removeHeaders(response: unknown, names: readonly string[]): void;
  /**
   * Copies the CORS headers {@link sinkOf} put in the framework's reply to the Node response,
   * before the adapter's own `end()` writes that response around the reply. Absent where
   * headers always go on the Node response.
   */
  readonly keepHeadersOnNodeResponse?: (response: unknown) => void;
  /** Ends the response from the request hook with an empty body. */
  end(response: unknown, status: number): void;
}

/** What of a Fastify instance the exchange reads (its root, where Nest registers routes). */
export interface FastifyLikeInstance {
  hasDecorator?(name: string): boolean;
}

interface FastifyLikeRequest {
  readonly raw: IncomingMessage;
}
interface FastifyLikeReply {
  readonly raw: ServerResponse;
  readonly sent: boolean;
  code(status: number): FastifyLikeReply;
  send(): unknown;
  header(name: string, value: string): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  removeHeader(name: string): unknown;
}

/** A Fastify reply's own headers, as a {@link HeaderSink}. */
class ReplyHeaders implements HeaderSink {
  constructor(private readonly reply: FastifyLikeReply) {}
  setHeader(name: string, value: string): void {
    this.reply.header(name, value);
  }
  getHeader(name: string): number | string | string[] | undefined {
    return this.reply.getHeader(name);
  }
  removeHeader(name: string): void {
    this.reply.removeHeader(name);
  }
  get headersSent(): boolean {
    return this.reply.sent;
  }
}

const expressExchange: HttpExchange = {
  rawRequest: (request) => request as IncomingMessage,
  rawResponse: (response) => response as ServerResponse,
  sinkOf: (response) => response as ServerResponse,
  removeHeaders(response, names) {
    for (const name of names) (response as ServerResponse).removeHeader(name);
  },
  end(response, status) {
    const res = response as ServerResponse;
    res.statusCode = status;
    res.setHeader('content-length', '0');
    res.end();
  },
};

/**
 * Fastify hands a reply's own headers to Node in one `writeHead()`, which is cheaper than Node
 * validating and storing each header set on its response; but a response written on the Node
 * response around the reply does not carry them. So the reply gets the headers only where
 * nothing can write around it: preflights, and handlers without `@Res()`/`@Next()` in an app
 * without middleware (`@fastify/middie` flags an instance that has some; without its flag, any
 * `use` decorator counts). The adapter's own `end()` is covered by
 * {@link HttpExchange.keepHeadersOnNodeResponse}; code that writes `reply.raw` itself is not
 * (README, "How requests are handled").
 */
export function createFastifyExchange(instance: FastifyLikeInstance): HttpExchange {
  const middleware = new MiddlewareProbe(instance);
  return {
    rawRequest: (request) => (request as FastifyLikeRequest).raw,
    rawResponse: (response) => (response as FastifyLikeReply).raw,
    sinkOf(response, preflight, route) {
      const reply = response as FastifyLikeReply;
      if (preflight) return new ReplyHeaders(reply);
      return route.respondsDirectly || middleware.mayRun() ? reply.raw : new ReplyHeaders(reply);
    },
    removeHeaders(response, names) {
      const reply = response as FastifyLikeReply;
      for (const name of names) {
        reply.removeHeader(name);
        reply.raw.removeHeader(name); // Fastify 5.12's removeHeader() does it too, 5.11's (Nest 11) not
      }
    },
    keepHeadersOnNodeResponse(response) {
      const reply = response as Partial<FastifyLikeReply>;
      // The adapter's end() also takes a Node response (from a middleware).
      if (typeof reply.getHeader !== 'function' || reply.raw === undefined || reply.raw.headersSent) return;
      for (const name of CORS_RESPONSE_HEADER_NAMES) {
        const value = reply.getHeader(name);
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
    },
    // Through the reply, so that Fastify's own lifecycle (onSend, onResponse, logging) completes.
    end: (response, status) => void (response as FastifyLikeReply).code(status).send(),
  };
}

/** What an actual response's CORS headers may be, `Vary` included. */
const CORS_RESPONSE_HEADER_NAMES = ['vary', ...CORS_RESPONSE_HEADERS] as const;

/** The flag `@fastify/middie` sets on an instance once a middleware is added to it. */
const MIDDIE_HAS_MIDDLEWARES = 'fastify-middie-has-middlewares';

/** Whether middleware may run on requests to a Fastify instance's routes, asked per request. */
class MiddlewareProbe {
  /** Middie's flag, once looked for: `null` when the instance has none. */
  private flag: symbol | null | undefined;

  constructor(private readonly instance: FastifyLikeInstance) {}

  mayRun(): boolean {
    // Looked for once, at the first request, by when Nest has registered middie (app.init()).
    if (this.flag === undefined) {
      this.flag =
        Object.getOwnPropertySymbols(this.instance).find((symbol) => symbol.description === MIDDIE_HAS_MIDDLEWARES) ??
        null;
    }
    if (this.flag !== null) return (this.instance as Record<symbol, unknown>)[this.flag] !== false;
    // No middie flag: no middleware, unless something else decorated `use` (an unknown middie).
    return this.instance.hasDecorator?.('use') !== false;
  }
}

export function exchangeFor(adapterType: string, instance: unknown): HttpExchange | undefined {
  if (adapterType === 'express') return expressExchange;
  if (adapterType === 'fastify') return createFastifyExchange(instance as FastifyLikeInstance);
  return undefined;
}
