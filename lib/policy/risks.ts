import type { CorsPolicy } from '../cors-module-options.js';
import { CHROMIUM_MAX_AGE_CAP } from './validate.js';

/** Legal configurations a security review should look at twice. */
export type CorsRiskCode =
  | 'credentials_with_pattern'
  | 'credentials_with_regexp'
  | 'credentials_with_callback'
  | 'credentials_with_null_origin'
  | 'private_network_access'
  | 'long_max_age'
  | 'no_policy_under_global'
  | 'ambiguous_route';

export interface CorsRisk {
  readonly code: CorsRiskCode;
  readonly message: string;
}

/** The risks of one effective policy (`undefined`: the route has none). */
export function policyRisks(policy: CorsPolicy): CorsRisk[] {
  const risks: CorsRisk[] = [];
  const { origins } = policy;
  const entries =
    typeof origins === 'function' || origins === undefined ? [] : Array.isArray(origins) ? origins : [origins];
  if (policy.credentials === true) {
    if (typeof origins === 'function') {
      risks.push({ code: 'credentials_with_callback', message: 'credentialed access decided by code at request time' });
    }
    if (entries.some((e: string | RegExp) => typeof e === 'string' && e.includes('*.'))) {
      risks.push({
        code: 'credentials_with_pattern',
        message: 'credentialed access for every subdomain of a pattern: one compromised subdomain reads user data',
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
