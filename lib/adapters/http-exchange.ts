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

export const expressExchange: HttpExchange = {
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
 * Fastify keeps a reply's headers in an object of its own and hands them to Node in one
 * `writeHead()`. Headers set on the Node response instead cost three times as much: Node
 * validates and stores each one, and then merges every header of the reply into them one by
 * one (`bench/tools/header-costs.mjs`). But only a response Fastify sends itself carries the
 * reply's headers; one written on the Node response around it does not. So the reply gets them only where nothing can write around it:
 *
 * - preflights, which the hook itself ends through the reply;
 * - routes whose handlers take neither `@Res()` nor `@Next()`, in an application where no
 *   middleware can run: middleware gets the Node objects and may end the response.
 *   `@fastify/middie`, which runs all of Nest's middleware on Fastify (`app.use()` too), flags
 *   an instance once it has any, under a symbol of its own: not public API, so without that
 *   flag any `use` decorator counts as middleware, and headers go on the Node response.
 *
 * Nest's own way around the reply, the adapter's `end()` (an exception filter written against
 * `HttpAdapterHost`), is covered by {@link HttpExchange.keepHeadersOnNodeResponse}. What stays
 * out of sight is other code that writes `reply.raw` itself (an interceptor or exception filter
 * that hijacks the reply, a Fastify hook of the app's own): see the README.
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
