import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledPolicy } from '../policy/compile.js';
import { decidePreflight, decideRequest } from '../policy/decide.js';
import { ORIGIN_ALLOWED, type OriginVerdict, type PreflightDecision } from '../policy/verdict.js';
import { isPreflight } from '../policy/preflight.js';
import type { PolicyBinding } from '../policy/policy-binding.js';
import { appendVary } from '../policy/response-headers.js';
import { checkConnectionOrigin, combine } from './connection-origin.js';
import type { EngineMiddleware } from './gateway-transport.js';
import type { HandshakeContext } from './handshake-context.js';
import { isSameOriginHandshake } from './same-origin.js';

/** What engine.io's long-polling transport serves: the handshake and reads (`GET`), writes (`POST`). */
const POLLING_METHODS: ReadonlySet<string> = new Set(['GET', 'POST']);

const REFUSED_METHOD: PreflightDecision = Object.freeze({ allowed: false, reason: 'method_not_allowed' });

/**
 * CORS for an engine.io server (socket.io's transport layer), as an engine middleware: engine.io
 * runs it for every long-polling request and every WebSocket upgrade on its path, before its
 * own handling. The engine is shared by every gateway on its socket.io server (one port and
 * path, any namespaces), and which namespace a client wants is only said later, inside the
 * connection: so the transport admits an origin that **some** gateway on it allows, and each
 * gateway checks its own policy again when the client connects to its namespace
 * ({@link namespaceOriginMiddleware}).
 *
 * - Long polling is plain HTTP from the page's `XMLHttpRequest`/`fetch()`, so it gets CORS as
 *   routes do: preflights (sent when the client sets `extraHeaders`) answered 204/403 under the
 *   first policy that allows them, actual responses decorated under the first policy that allows
 *   the origin (`Access-Control-Allow-Credentials` for clients with `withCredentials`), `Vary`.
 *   Unlike a route, a request from an origin no policy allows is refused (403): it would open a
 *   connection even though its page cannot read the response.
 * - WebSocket upgrades get no CORS from browsers at all: the origin is checked, and a refused
 *   one gets 403 before the connection opens.
 *
 * A gateway without a policy (no `@Cors()`, no `global`) is left as Nest has it: while one is on
 * the engine, origins no policy allows still reach the transport, without CORS headers, and the
 * namespaces with a policy refuse them.
 */
export function engineCorsMiddleware(
  gateways: readonly PolicyBinding<CompiledPolicy | null>[],
  context: HandshakeContext,
): EngineMiddleware {
  return (request, response, next) => {
    // Read once per request: a policy updated meanwhile applies from the next one.
    const policies: CompiledPolicy[] = [];
    let unpoliced = false;
    for (const binding of gateways) {
      const policy = binding.current;
      if (policy === null) unpoliced = true;
      else if (!policies.includes(policy)) policies.push(policy);
    }
    if (policies.length === 0) return next();
    const fail = (error: unknown): void => {
      context.failed(request, error);
      refuse(request, response);
    };
    try {
      const handled = isUpgrade(response)
        ? admitUpgrade(policies, unpoliced, request, response, next, context)
        : isPreflight(request)
          ? answerPreflight(policies, request, response as ServerResponse, context)
          : admitPolling(policies, unpoliced, request, response as ServerResponse, next, context);
      if (handled instanceof Promise) handled.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

function admitUpgrade(
  policies: readonly CompiledPolicy[],
  unpoliced: boolean,
  request: IncomingMessage,
  response: object,
  next: () => void,
  context: HandshakeContext,
): void | Promise<void> {
  const settle = admitting('connection', unpoliced, request, response, next, context);
  const verdict = checkConnectionOrigin(policies, 'some', request, context.timeoutMs);
  return verdict instanceof Promise ? verdict.then(settle) : settle(verdict);
}

function answerPreflight(
  policies: readonly CompiledPolicy[],
  request: IncomingMessage,
  response: ServerResponse,
  context: HandshakeContext,
): void | Promise<void> {
  const origin = request.headers.origin as string;
  const method = request.headers['access-control-request-method'] as string;
  const settle = (decision: PreflightDecision): void => {
    if (!decision.allowed) context.refused('preflight', method, request, decision);
    if (response.headersSent) return;
    response.statusCode = decision.allowed ? 204 : 403;
    response.end();
  };
  if (!POLLING_METHODS.has(method)) {
    appendVary(response, policies[0].preflightVary);
    return settle(REFUSED_METHOD);
  }
  const decision = combine(policies, 'some', (policy) =>
    decidePreflight([policy], request, origin, method, response, context.timeoutMs),
  );
  return decision instanceof Promise ? decision.then(settle) : settle(decision);
}

function admitPolling(
  policies: readonly CompiledPolicy[],
  unpoliced: boolean,
  request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
  context: HandshakeContext,
): void | Promise<void> {
  const { origin } = request.headers;
  if (typeof origin !== 'string' || isSameOriginHandshake(request)) {
    // Cache safety, as for routes (`decideRequest`): the answer to others depends on Origin.
    if (policies.some((policy) => policy.variesByOrigin)) appendVary(response, 'Origin');
    return next();
  }
  const settle = admitting('request', unpoliced, request, response, next, context);
  // Each refusal writes only `Vary`; the first allowance writes its policy's headers.
  const verdict = combine(
    policies,
    'some',
    (policy) => decideRequest(policy, request, response, context.timeoutMs) ?? ORIGIN_ALLOWED,
  );
  return verdict instanceof Promise ? verdict.then(settle) : settle(verdict);
}

/**
 * Settles a transport request on its verdict: on it goes when allowed (or when a gateway without
 * a policy shares the engine, whose namespaces then decide), else 403 and a log line.
 */
function admitting(
  kind: 'connection' | 'request',
  unpoliced: boolean,
  request: IncomingMessage,
  response: object,
  next: () => void,
  context: HandshakeContext,
): (verdict: OriginVerdict) => void {
  return (verdict) => {
    if (verdict.allowed || unpoliced) return next();
    context.refused(kind, request.method ?? 'GET', request, verdict);
    refuse(request, response);
  };
}

/** engine.io hands middlewares a stand-in without `statusCode` for the response of an upgrade. */
function isUpgrade(response: object): boolean {
  return typeof (response as { statusCode?: unknown }).statusCode !== 'number';
}

/**
 * 403, and the request goes no further: engine.io is never handed it (its middleware chain
 * waits for a `next()` that never comes), so no session is created and no socket opened.
 */
function refuse(request: IncomingMessage, response: object): void {
  if (!isUpgrade(response)) {
    const http = response as ServerResponse;
    if (http.headersSent) return void http.end();
    for (const name of http.getHeaderNames()) if (name.startsWith('access-control-')) http.removeHeader(name);
    http.statusCode = 403;
    http.end();
    return;
  }
  const socket = request.socket;
  if (!socket.writable) return void socket.destroy();
  socket.once('error', () => socket.destroy());
  socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
}
