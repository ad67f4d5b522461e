import type { CorsDangerouslyAllow, CorsPolicy } from '../cors-module-options.js';
import { CHROMIUM_MAX_AGE_CAP } from './validate.js';

/*
 * What the audit (`CorsAuditService`, `logRoutes`) shows of a policy: its summary as plain JSON,
 * and the legal configurations a security review should look at twice.
 */

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

/** Legal configurations a security review should look at twice. */
export type CorsRiskCode =
  | 'credentials_with_pattern'
  | 'credentials_with_regexp'
  | 'credentials_with_callback'
  | 'credentials_with_null_origin'
  | 'port_wildcard_on_any_host'
  | 'credentials_over_plain_http'
  | 'wildcard_under_public_suffix'
  | 'private_network_access'
  | 'long_max_age'
  | 'no_policy_under_global'
  | 'ambiguous_route'
  | 'graphql_headers_missing';

export interface CorsRisk {
  readonly code: CorsRiskCode;
  readonly message: string;
}

/**
 * What each `dangerouslyAllow` hatch set exposes: listed whenever it is set, needed or not, as
 * the check it switches off no longer guards the origins added later.
 */
const HATCH_RISKS: readonly (readonly [keyof CorsDangerouslyAllow, CorsRisk])[] = [
  [
    'portWildcardOnAnyHost',
    {
      code: 'port_wildcard_on_any_host',
      message:
        'port wildcards allowed on any host (dangerouslyAllow.portWildcardOnAnyHost): every service of such a host reads responses',
    },
  ],
  [
    'credentialsOverPlainHttp',
    {
      code: 'credentials_over_plain_http',
      message:
        'credentials allowed over plain http (dangerouslyAllow.credentialsOverPlainHttp): anyone on the network path can impersonate the origin',
    },
  ],
  [
    'wildcardUnderPublicSuffix',
    {
      code: 'wildcard_under_public_suffix',
      message:
        'wildcards allowed under a public suffix (dangerouslyAllow.wildcardUnderPublicSuffix): any site registered there reads responses',
    },
  ],
];

/** The risks of one effective policy. */
export function policyRisks(policy: CorsPolicy): CorsRisk[] {
  const risks: CorsRisk[] = [];
  const { origins } = policy;
  const entries =
    typeof origins === 'function' || origins === undefined ? [] : Array.isArray(origins) ? origins : [origins];
  if (policy.credentials === true) {
    if (typeof origins === 'function') {
      risks.push({ code: 'credentials_with_callback', message: 'credentialed access decided by code at request time' });
    }
    if (entries.some((e: string | RegExp) => typeof e === 'string' && e.includes('*'))) {
      risks.push({
        code: 'credentials_with_pattern',
        message:
          'credentialed access for every subdomain or port of a pattern: one compromised subdomain or local server reads user data',
      });
    }
    if (entries.some((e: string | RegExp) => e instanceof RegExp)) {
      risks.push({
        code: 'credentials_with_regexp',
        message: 'credentialed access decided by a RegExp: review it for look-alikes',
      });
    }
    if (entries.includes('null')) {
      risks.push({
        code: 'credentials_with_null_origin',
        message: "credentialed access for the 'null' origin, which any sandboxed iframe has",
      });
    }
  }
  const hatches = policy.dangerouslyAllow;
  if (typeof hatches === 'object' && hatches !== null) {
    for (const [hatch, risk] of HATCH_RISKS) if (hatches[hatch] === true) risks.push(risk);
  }
  if (policy.allowPrivateNetwork === true) {
    risks.push({ code: 'private_network_access', message: 'public pages may reach this private-network route' });
  }
  if ((policy.maxAge ?? 0) > CHROMIUM_MAX_AGE_CAP) {
    risks.push({
      code: 'long_max_age',
      message: `preflight results cached for ${policy.maxAge}s: policy changes take that long to reach browsers`,
    });
  }
  return risks;
}

/** A GraphQL endpoint's path: its last segment is `graphql`. */
const GRAPHQL_PATH = /(?:^|\/)graphql\/?$/i;
/** What Apollo Server's CSRF prevention accepts as forcing a preflight on a simple request. */
const APOLLO_PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * What a policy on a GraphQL endpoint lacks: browsers preflight Apollo Client's JSON requests
 * (`Content-Type: application/json`), and Apollo Server's CSRF prevention refuses any operation
 * a page could send without a preflight unless it carries one of its preflight-forcing headers,
 * so a policy that does not allow them leaves every cross-origin operation unusable.
 */
export function graphqlRisks(path: string, policy: CorsPolicy): CorsRisk[] {
  const allowed = policy.allowedHeaders;
  if (!GRAPHQL_PATH.test(path) || allowed === '*') return [];
  const names = new Set((allowed ?? []).map((name) => name.toLowerCase()));
  const missing = [
    ...(names.has('content-type') ? [] : ['Content-Type']),
    ...(APOLLO_PREFLIGHT_HEADERS.some((name) => names.has(name)) ? [] : ['Apollo-Require-Preflight']),
  ];
  if (missing.length === 0) return [];
  return [
    {
      code: 'graphql_headers_missing',
      message: `a GraphQL endpoint whose allowedHeaders lack ${missing.join(' and ')}: cross-origin operations fail their preflight or Apollo's CSRF check`,
    },
  ];
}
