import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The little that differs between Express and Fastify: where the Node request and response
 * are, and how to end a response from a request hook. Headers are written on the Node response
 * itself, so they survive whatever writes the body later: an exception filter, `@Res()`, a
 * stream, server-sent events, or a middleware that ends the response on its own.
 */
export interface HttpExchange {
  rawRequest(request: unknown): IncomingMessage;
  rawResponse(response: unknown): ServerResponse;
  /** Ends the response from the request hook with an empty body. */
  end(response: unknown, status: number): void;
}

interface FastifyLikeRequest {
  readonly raw: IncomingMessage;
}
interface FastifyLikeReply {
  readonly raw: ServerResponse;
  code(status: number): FastifyLikeReply;
  send(): unknown;
}

export const expressExchange: HttpExchange = {
  rawRequest: (request) => request as IncomingMessage,
  rawResponse: (response) => response as ServerResponse,
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
  // Through the reply, so that Fastify's own lifecycle (onSend, onResponse, logging) completes.
  end: (response, status) => void (response as FastifyLikeReply).code(status).send(),
};

export function exchangeFor(adapterType: string): HttpExchange | undefined {
  if (adapterType === 'express') return expressExchange;
  if (adapterType === 'fastify') return fastifyExchange;
  return undefined;
}
