import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderSink } from '../policy/response-headers.js';

/**
 * The little that differs between Express and Fastify: where the Node request and response
 * are, and how to end a response from a request hook. Headers are written on the Node response
 * itself, so they survive whatever writes the body later: an exception filter, `@Res()`, a
 * stream, server-sent events, or a middleware that ends the response on its own.
 */
export interface HttpExchange {
  rawRequest(request: unknown): IncomingMessage;
  rawResponse(response: unknown): ServerResponse;
  /**
   * Where to write a response's CORS headers: the Node response, except for preflights on
   * Fastify, which the hook itself ends through the reply, so nothing can bypass Fastify's own
   * header object, and writing there spares Node's per-header validation and merging.
   */
  sinkOf(response: unknown, preflight: boolean): HeaderSink;
  /** Ends the response from the request hook with an empty body. */
  end(response: unknown, status: number): void;
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
  end(response, status) {
    const res = response as ServerResponse;
    res.statusCode = status;
    res.setHeader('Content-Length', '0');
    res.end();
  },
};

export const fastifyExchange: HttpExchange = {
  rawRequest: (request) => (request as FastifyLikeRequest).raw,
  rawResponse: (response) => (response as FastifyLikeReply).raw,
  sinkOf: (response, preflight) => (preflight ? new ReplyHeaders(response as FastifyLikeReply) : (response as FastifyLikeReply).raw),
  // Through the reply, so that Fastify's own lifecycle (onSend, onResponse, logging) completes.
  end: (response, status) => void (response as FastifyLikeReply).code(status).send(),
};

export function exchangeFor(adapterType: string): HttpExchange | undefined {
  if (adapterType === 'express') return expressExchange;
  if (adapterType === 'fastify') return fastifyExchange;
  return undefined;
}
