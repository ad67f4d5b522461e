import type { CompiledPolicy } from '../policy/compile.js';
import type { OriginVerdict } from '../policy/verdict.js';
import type { PolicyBinding } from '../policy/policy-binding.js';
import { checkConnectionOrigin } from './connection-origin.js';
import type { VerifyClientInfo, WsServerLike } from './gateway-transport.js';
import type { HandshakeContext } from './handshake-context.js';

/**
 * Checks the origin of every upgrade to a `ws` server (Nest's `WsAdapter`) through ws's own
 * `verifyClient` hook, which ws reads from the server's options at each upgrade: a refused origin
 * gets `403 Forbidden` and no connection. Nest's `WsAdapter` dispatches upgrades by path, one
 * server per path, so this is per gateway; gateways declared on one path share the server and
 * every connection, so all of their policies must allow it. A `verifyClient` the application set
 * runs after this one, on what this one admits.
 */
export function verifyClientOrigin(
  server: WsServerLike,
  gateways: readonly PolicyBinding<CompiledPolicy | null>[],
  context: HandshakeContext,
): void {
  const previous = server.options.verifyClient ?? undefined;
  const verify = (info: VerifyClientInfo, callback: (verified: boolean, code?: number) => void): void => {
    const request = info.req;
    const admitted = (): void => {
      if (previous === undefined) return callback(true);
      if (previous.length < 2) return callback((previous as (info: VerifyClientInfo) => boolean)(info));
      previous(info, callback);
    };
    const settle = (verdict: OriginVerdict): void => {
      if (verdict.allowed) return admitted();
      context.refused('connection', request.method ?? 'GET', request, verdict);
      callback(false, 403);
    };
    const failed = (error: unknown): void => {
      context.failed(request, error);
      callback(false, 403);
    };
    try {
      // Read once per upgrade: a policy updated meanwhile applies from the next one.
      const policies = gateways.map((binding) => binding.current).filter((policy) => policy !== null);
      const verdict = checkConnectionOrigin(policies, 'every', request, context.timeoutMs);
      if (verdict instanceof Promise) verdict.then(settle, failed);
      else settle(verdict);
    } catch (error) {
      failed(error);
    }
  };
  server.options.verifyClient = verify;
}
