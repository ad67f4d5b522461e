import type { CorsPolicy } from '../cors-module-options.js';
import { mergePolicies } from './resolve.js';

/** How many added or removed list entries a change names before it counts the rest. */
const LISTED = 5;

/**
 * What changed between two declarations of a policy, one line per field, for the log line of a
 * runtime update: `maxAge 600 → 60`, `origins +https://b.example.com −https://a.example.com`.
 * Lists are compared as sets, so a tenant list of thousands logs its difference, not itself.
 */
export function describePolicyChange(before: CorsPolicy, after: CorsPolicy): string[] {
  const changes: string[] = [];
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const field of fields) {
    const was: unknown = (before as Record<string, unknown>)[field];
    const is: unknown = (after as Record<string, unknown>)[field];
    if (Array.isArray(was) && Array.isArray(is)) {
      const listed = listChange(was, is);
      if (listed !== undefined) changes.push(`${field} ${listed}`);
    } else if (format(was) !== format(is) || (typeof is === 'function' && was !== is)) {
      changes.push(`${field} ${format(was)} → ${format(is)}`);
    }
  }
  return changes;
}

function listChange(before: readonly unknown[], after: readonly unknown[]): string | undefined {
  const was = new Set(before.map(format));
  const is = new Set(after.map(format));
  const added = [...is].filter((entry) => !was.has(entry));
  const removed = [...was].filter((entry) => !is.has(entry));
  if (added.length === 0 && removed.length === 0) return undefined;
  return [...named('+', added), ...named('−', removed)].join(' ');
}

function named(sign: string, entries: readonly string[]): string[] {
  const shown = entries.slice(0, LISTED).map((entry) => `${sign}${entry}`);
  if (entries.length > LISTED) shown.push(`(${sign}${entries.length - LISTED} more)`);
  return shown;
}

function format(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'function') return 'callback';
  if (value instanceof RegExp) return String(value);
  if (Array.isArray(value)) return `[${value.map(format).join(', ')}]`;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? typeof value;
}

/**
 * A declared policy copied and frozen, its lists and option objects too: the registry keeps
 * named policies this way, so that an update compares with what is in force, not with an array
 * the caller has changed in place since (which would make the change invisible).
 */
export function snapshotPolicy(policy: CorsPolicy): CorsPolicy {
  const copy = mergePolicies(policy) as Record<string, unknown>;
  for (const [field, value] of Object.entries(copy)) {
    const frozen = Array.isArray(value)
      ? Object.freeze([...(value as unknown[])])
      : isPlainObject(value)
        ? Object.freeze({ ...value })
        : value;
    // Defined, not assigned: a `__proto__` field stays a field, for validation to refuse.
    Object.defineProperty(copy, field, { value: frozen, enumerable: true });
  }
  return Object.freeze(copy);
}

/** Every named policy snapshotted ({@link snapshotPolicy}); values that are no policy left for validation. */
export function snapshotPolicies(policies: Readonly<Record<string, CorsPolicy>>): Record<string, CorsPolicy> {
  const copies: Record<string, CorsPolicy> = {};
  for (const [name, policy] of Object.entries(policies)) {
    const copy = isPlainObject(policy) ? snapshotPolicy(policy) : policy;
    Object.defineProperty(copies, name, { value: copy, enumerable: true });
  }
  return copies;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
