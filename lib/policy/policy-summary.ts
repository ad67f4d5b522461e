import type { CorsPolicy } from '../cors-module-options.js';

/** A policy as plain JSON: what the audit and `explain()` show. */
export interface CorsPolicySummary {
  /** Origin entries as written (RegExps as `/source/flags`), `'*'`, or `'callback'`. */
  readonly origins: readonly string[] | '*' | 'callback';
  readonly credentials: boolean;
  /** `'served'`: whatever methods the route serves. */
  readonly methods: readonly string[] | 'served';
  readonly allowedHeaders: readonly string[] | '*';
  readonly exposedHeaders: readonly string[] | '*';
  readonly maxAge: number | null;
  readonly allowPrivateNetwork: boolean;
}

export function summarizePolicy(policy: CorsPolicy): CorsPolicySummary {
  const { origins } = policy;
  return {
    origins:
      origins === '*'
        ? '*'
        : typeof origins === 'function'
          ? 'callback'
          : (Array.isArray(origins) ? origins : [origins]).map((o: string | RegExp) => String(o)),
    credentials: policy.credentials === true,
    methods: policy.methods === undefined ? 'served' : [...policy.methods],
    allowedHeaders: policy.allowedHeaders === '*' ? '*' : [...(policy.allowedHeaders ?? [])],
    exposedHeaders: policy.exposedHeaders === '*' ? '*' : [...(policy.exposedHeaders ?? [])],
    maxAge: policy.maxAge ?? null,
    allowPrivateNetwork: policy.allowPrivateNetwork === true,
  };
}
