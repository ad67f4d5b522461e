import type { CorsPolicy } from '../../lib/index.js';

/**
 * A policy as JSON carries it. `JSON.stringify` turns a RegExp into `{}` and drops a function,
 * so what crosses the bus names origins as strings: exact origins and wildcard patterns
 * (`'https://*.partner.example.com'`). Callbacks stay in code; their instances are told to
 * forget cached verdicts with `invalidate` (docs/fleets.md).
 */
export type JsonCorsPolicy = Omit<CorsPolicy, 'origins'> & { readonly origins?: string | readonly string[] };

/** What one instance's admin asks the fleet for (`CorsPolicySync.publish`). */
export type CorsPolicyCommand =
  | { readonly name: string; readonly op: 'update' | 'replace'; readonly policy: JsonCorsPolicy }
  | { readonly name: string; readonly op: 'invalidate'; readonly origin?: string };

/**
 * The state of one named policy as the fleet agreed on it: what the Redis hash keeps per name
 * and what the channel carries. Not the admin's patch but everything changed since bootstrap,
 * so that one message brings an instance up to date whatever it missed:
 * - `update`: the policy the code configures with these fields changed (callbacks and RegExps
 *   of the configured policy stay);
 * - `replace`: this policy as a whole.
 *
 * `rev` counts the policy's changes: an instance applies a state only if it is newer than the
 * one it applied last, so a message and the snapshot read at startup or after a reconnect can
 * arrive in either order.
 */
export interface CorsPolicyState {
  readonly name: string;
  readonly op: 'update' | 'replace';
  readonly policy: JsonCorsPolicy;
  readonly rev: number;
}

/** What the channel carries: states, and `invalidate`, which has no state to keep. */
export type CorsPolicyMessage = CorsPolicyState | Extract<CorsPolicyCommand, { op: 'invalidate' }>;

/** A message (or command) that is not even the right shape; its policy is checked later, by `CorsPolicyService`. */
export class InvalidCorsPolicyMessage extends Error {
  override readonly name = 'InvalidCorsPolicyMessage';
}

/**
 * Checks the shape of a message as it came off the wire, or of a command (`withRev: false`).
 * Only the envelope: the policy itself is validated by `CorsPolicyService` as at bootstrap,
 * against every route using it.
 */
export function parseCorsPolicyMessage(value: unknown, withRev: false): CorsPolicyCommand;
export function parseCorsPolicyMessage(value: unknown, withRev?: true): CorsPolicyMessage;
export function parseCorsPolicyMessage(value: unknown, withRev = true): CorsPolicyMessage | CorsPolicyCommand {
  if (!isObject(value)) throw new InvalidCorsPolicyMessage('not a JSON object');
  const { name, op, policy, origin, rev } = value;
  if (typeof name !== 'string' || name === '') throw new InvalidCorsPolicyMessage('`name` must be a policy name');
  if (op === 'invalidate') {
    if (origin !== undefined && typeof origin !== 'string')
      throw new InvalidCorsPolicyMessage('`origin` must be a string when set');
    return origin === undefined ? { name, op } : { name, op, origin };
  }
  if (op !== 'update' && op !== 'replace')
    throw new InvalidCorsPolicyMessage("`op` must be 'update', 'replace' or 'invalidate'");
  if (!isObject(policy)) throw new InvalidCorsPolicyMessage('`policy` must be a JSON object');
  if (!withRev) return { name, op, policy };
  if (typeof rev !== 'number' || !Number.isSafeInteger(rev) || rev < 1)
    throw new InvalidCorsPolicyMessage('`rev` must be a positive integer');
  return { name, op, policy, rev };
}

/** A state as the Redis hash keeps it. */
export function parseCorsPolicyState(raw: string): CorsPolicyState {
  const message = parseCorsPolicyMessage(JSON.parse(raw));
  if (message.op === 'invalidate') throw new InvalidCorsPolicyMessage('a stored state cannot be an invalidation');
  return message;
}

/**
 * The state after `command`, given the stored one. An update over an update keeps the fields
 * both set (the newer value wins); an update over a replacement stays a replacement; a
 * replacement starts over.
 */
export function nextCorsPolicyState(
  previous: CorsPolicyState | undefined,
  command: Extract<CorsPolicyCommand, { op: 'update' | 'replace' }>,
): CorsPolicyState {
  const rev = (previous?.rev ?? 0) + 1;
  if (command.op === 'update' && previous !== undefined)
    return { name: command.name, op: previous.op, policy: { ...previous.policy, ...command.policy }, rev };
  return { name: command.name, op: command.op, policy: command.policy, rev };
}

/** The policy a state stands for on an instance whose code configures `configured` under its name. */
export function policyOfState(state: CorsPolicyState, configured: CorsPolicy | undefined): CorsPolicy {
  return state.op === 'update' ? { ...configured, ...state.policy } : state.policy;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
