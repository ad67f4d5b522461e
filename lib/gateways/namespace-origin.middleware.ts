import type { CompiledPolicy } from '../policy/compile.js';
import type { OriginVerdict } from '../policy/verdict.js';
import type { PolicyBinding } from '../policy/policy-binding.js';
import { checkConnectionOrigin } from './connection-origin.js';
import type { HandshakeRequest } from './same-origin.js';
import type { NamespaceMiddleware } from './gateway-transport.js';
import type { HandshakeContext } from './handshake-context.js';

/**
 * A gateway's own check, as a socket.io namespace middleware: it runs when a client connects
 * to the gateway's namespace, before Nest's `handleConnection` and any message handler, with
 * the headers of the connection's handshake. The transport below admits an origin that any
 * gateway on the server allows ({@link engineCorsMiddleware}); here a gateway refuses every
 * origin its own policy does not, so it never accepts one: the client gets `connect_error`.
 * Gateways sharing one namespace each add theirs, so all of them must allow.
 */
export function namespaceOriginMiddleware(
  gateway: PolicyBinding<CompiledPolicy | null>,
  namespace: string,
  context: HandshakeContext,
): NamespaceMiddleware {
  return (socket, next) => {
    const policy = gateway.current;
    if (policy === null) return next();
    const request: HandshakeRequest = socket.request ?? {
      url: socket.handshake.url,
      headers: socket.handshake.headers,
    };
    const settle = (verdict: OriginVerdict): void => {
      if (verdict.allowed) return next();
      // Logged under the namespace: the URL is the transport's, shared by every namespace.
      context.refused('connection', 'CONNECT', { headers: request.headers, url: namespace }, verdict);
      next(new Error('Forbidden'));
    };
    try {
      const verdict = checkConnectionOrigin([policy], 'every', request, context.timeoutMs);
      if (!(verdict instanceof Promise)) return settle(verdict);
      verdict.then(settle, refuseOnFailure);
    } catch (error) {
      refuseOnFailure(error);
    }
    function refuseOnFailure(error: unknown): void {
      context.failed({ headers: request.headers, url: namespace }, error);
      next(new Error('Forbidden'));
    }
  };
}
