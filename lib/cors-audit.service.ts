import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { CORS_MODULE_OPTIONS } from './cors.constants.js';
import type { CorsModuleOptions } from './cors-module-options.js';
import { CorsRequestHook } from './cors-request.hook.js';
import { graphqlRisks, policyRisks, summarizePolicy, type CorsPolicySummary, type CorsRisk } from './policy/audit.js';
import type { CompiledPolicy } from './policy/compile.js';
import { decidePreflight, decideRequest } from './policy/decide.js';
import type { CorsRefusalReason } from './policy/verdict.js';
import { CorsGatewayHooks } from './gateways/cors-gateway.hooks.js';
import { RecordedHeaders } from './policy/response-headers.js';
import { AmbiguousRoutePolicy, type RoutePolicy, type RouteTarget } from './routing/route-target.js';

/** One route of the application and what CORS does on it. */
export interface CorsRouteReport {
  readonly method: string;
  /** The final path, with global prefix, version and `RouterModule` path. */
  readonly path: string;
  /** `Controller.handler`. */
  readonly handler: string;
  /** The effective policy; `null` when the route has none; several when the path is ambiguous. */
  readonly policy: CorsPolicySummary | null;
  readonly candidates?: readonly CorsPolicySummary[];
  readonly risks: readonly CorsRisk[];
}

/** One `@WebSocketGateway` of the application and the policy its handshakes are checked under. */
export interface CorsGatewayReport {
  /** The gateway class. */
  readonly gateway: string;
  /** The server the gateway runs on: `@nestjs/platform-socket.io`'s or `@nestjs/platform-ws`'s. */
  readonly transport: 'socket.io' | 'ws';
  /** `@WebSocketGateway(port)`; `0`: the application's own HTTP server. */
  readonly port: number;
  /** socket.io's path (`/socket.io`), or the `ws` server's. */
  readonly path: string;
  /** The socket.io namespace (`/` without one); absent for `ws`. */
  readonly namespace?: string;
  /** The effective policy (`@Cors()`, else `global`); `null`: none, the gateway is left as Nest has it. */
  readonly policy: CorsPolicySummary | null;
  /** What in the policy is worth a second look, as for routes. */
  readonly risks: readonly CorsRisk[];
}

/** A request to explain: what a browser would send. Header names are case-insensitive. */
export interface CorsExplainInput {
  readonly method: string;
  /** The request target: path and optional query, e.g. `/api/orders/1`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the module would do with a request, without sending it. */
export interface CorsExplanation {
  readonly kind: 'preflight' | 'request';
  /** The route the request (or the preflight's requested method) reaches, if any. */
  readonly route: { readonly method: string; readonly path: string; readonly handler: string } | null;
  readonly policy: CorsPolicySummary | null;
  /**
   * `allowed`/`refused`; `not-applicable` when no route with a policy matches (the request goes
   * on untouched); `handler-decides` for an actual request to an ambiguous route.
   */
  readonly decision: 'allowed' | 'refused' | 'not-applicable' | 'handler-decides';
  readonly reason: CorsRefusalReason | 'no_route' | 'no_policy' | 'no_origin' | undefined;
  /** For preflights: the status the module answers with. */
  readonly status: 204 | 403 | undefined;
  /** The CORS headers the module would write, names lowercase. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The application's whole cross-origin surface: every route with its effective policy and the
 * risks worth a second look (`routes()`, `formatTable()`), and dry runs of the exact decision
 * a request would get (`explain()`). Available once the application is initialised.
 */
@Injectable()
export class CorsAuditService {
  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly hook: CorsRequestHook,
    private readonly gatewayHooks: CorsGatewayHooks,
  ) {}

  routes(): CorsRouteReport[] {
    const globalIsSet = this.options.global !== undefined && this.options.global !== false;
    return this.hook.getRoutes().map(({ method, path, location, binding, passesOn }) => {
      const policy = binding.current;
      const risks: CorsRisk[] = [];
      const compiled = policiesOf(policy);
      for (const candidate of compiled)
        risks.push(...policyRisks(candidate.source), ...graphqlRisks(path, candidate.source));
      if (policy === null && globalIsSet) {
        risks.push({ code: 'no_policy_under_global', message: 'opted out of the global policy with @Cors(false)' });
      }
      if (policy instanceof AmbiguousRoutePolicy) {
        risks.push({
          code: 'ambiguous_route',
          message: 'one handler serves controllers with different policies: preflights must satisfy every one',
        });
      } else if (passesOn && policy !== null) {
        risks.push({
          code: 'ambiguous_route',
          message: 'a version or host filter picks the handler: preflights must satisfy every handler at this path',
        });
      }
      return {
        method,
        path,
        handler: location,
        policy: compiled.length === 1 ? summarizePolicy(compiled[0].source) : null,
        ...(compiled.length > 1 ? { candidates: compiled.map((c) => summarizePolicy(c.source)) } : {}),
        risks: dedupe(risks),
      };
    });
  }

  /** Every `@WebSocketGateway` whose server is socket.io's or ws's, with its policy. */
  gateways(): CorsGatewayReport[] {
    const globalIsSet = this.options.global !== undefined && this.options.global !== false;
    return this.gatewayHooks.endpoints().map(({ gateway, transport, port, path, namespace, binding }) => {
      const policy = binding.current;
      const risks: CorsRisk[] = policy === null ? [] : policyRisks(policy.source);
      if (policy === null && globalIsSet)
        risks.push({ code: 'no_policy_under_global', message: 'opted out of the global policy with @Cors(false)' });
      return {
        gateway: gateway.name,
        transport,
        port,
        path,
        ...(namespace === undefined ? {} : { namespace }),
        policy: policy === null ? null : summarizePolicy(policy.source),
        risks,
      };
    });
  }

  /** `routes()` and `gateways()` (method `WS`) as a fixed-width table, for the console. */
  formatTable(): string {
    const cells = (method: string, path: string, handler: string, policy: CorsPolicySummary | null, other: string) => [
      method,
      path,
      handler,
      policy === null ? other : formatOrigins(policy.origins),
      policy?.credentials ? 'yes' : '',
      policy?.maxAge === null || policy === null ? '' : String(policy.maxAge),
    ];
    const rows = [
      ...this.routes().map((r) => [
        ...cells(r.method, r.path, r.handler, r.policy, r.candidates ? `${r.candidates.length} policies` : '-'),
        r.risks.map((risk) => risk.code).join(', '),
      ]),
      ...this.gateways().map((g) => [
        ...cells(
          'WS',
          `${g.port === 0 ? '' : `:${g.port}`}${g.path}${g.namespace === undefined ? '' : ` ${g.namespace}`}`,
          g.gateway,
          g.policy,
          '-',
        ),
        g.risks.map((risk) => risk.code).join(', '),
      ]),
    ];
    const header = ['METHOD', 'PATH', 'HANDLER', 'ORIGINS', 'CREDENTIALS', 'MAX-AGE', 'RISKS'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    return [header, ...rows]
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n');
  }

  /**
   * Cross-checks the credentialed CORS surface against the `trustedOrigins` given to Nest's
   * `app.enableCsrfProtection()`: that protection refuses cross-origin requests with unsafe
   * methods (POST, PUT, PATCH, DELETE) from untrusted origins with 403, so a credentialed origin
   * the CORS policy allows on such a route but the CSRF protection does not trust is a broken
   * setup. Returns one line per problem; an empty list means the two agree.
   */
  checkCsrfProtection(trustedOrigins: Iterable<string>): string[] {
    const trusted = new Set([...trustedOrigins].map((o) => o.toLowerCase().replace(/\/$/, '')));
    const findings: string[] = [];
    for (const route of this.routes()) {
      if (SAFE_METHODS.has(route.method)) continue;
      for (const policy of route.candidates ?? (route.policy ? [route.policy] : [])) {
        if (!policy.credentials) continue;
        const where = `${route.method} ${route.path} (${route.handler})`;
        if (typeof policy.origins === 'string') {
          findings.push(
            `${where}: origins are ${policy.origins === '*' ? "'*'" : 'a callback'}; CSRF protection trusts only listed origins`,
          );
          continue;
        }
        for (const origin of policy.origins) {
          if (origin.startsWith('/') || origin.includes('*')) {
            findings.push(
              `${where}: ${origin} cannot be listed in trustedOrigins; requests from it get 403 from CSRF protection`,
            );
          } else if (!trusted.has(origin)) {
            findings.push(
              `${where}: ${origin} is allowed by CORS but not in trustedOrigins; its requests get 403 from CSRF protection`,
            );
          }
        }
      }
    }
    return findings;
  }

  /**
   * Dry-runs a request: the adapter's own router says where it leads, and the same decision
   * live requests get is made on it, writing into a record instead of a response.
   */
  async explain(input: CorsExplainInput): Promise<CorsExplanation> {
    if (!this.hook.isInstalled()) throw new Error('CorsAuditService.explain() needs an initialised HTTP application');
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
    const request = { method: input.method.toUpperCase(), url: input.path, headers };
    const described = await this.hook.describe(request);
    const sink = new RecordedHeaders();
    const explained = (decision: Omit<CorsExplanation, 'kind' | 'headers'>): CorsExplanation => ({
      kind: described.preflight ? 'preflight' : 'request',
      ...decision,
      headers: sink.toJSON(),
    });
    const target = described.targets?.[0];
    // Read once, as a request does.
    const routePolicies = described.targets?.map((t) => t.binding.current) ?? [];
    const policies = routePolicies.flatMap(policiesOf);
    if (target === undefined || policies.length === 0) {
      return explained({
        route: target ? routeOf(target) : null,
        policy: null,
        decision: 'not-applicable',
        reason: target ? 'no_policy' : 'no_route',
        status: undefined,
      });
    }
    const policy = policies.length === 1 ? summarizePolicy(policies[0].source) : null;
    const timeout = this.hook.getTimeout();
    if (described.preflight) {
      const method = String(headers['access-control-request-method']);
      const undecidable = routePolicies.some((p) => p === null);
      const decision = undecidable
        ? { allowed: false, reason: 'origin_not_allowed' as const }
        : await decidePreflight(policies, request, String(headers.origin), method, sink, timeout);
      return explained({
        route: routeOf(target),
        policy,
        decision: decision.allowed ? 'allowed' : 'refused',
        reason: decision.reason,
        status: decision.allowed ? 204 : 403,
      });
    }
    if (routePolicies[0] instanceof AmbiguousRoutePolicy) {
      return explained({
        route: routeOf(target),
        policy,
        decision: 'handler-decides',
        reason: undefined,
        status: undefined,
      });
    }
    const verdict = await decideRequest(policies[0], request, sink, timeout);
    return explained({
      route: routeOf(target),
      policy,
      decision: verdict === undefined || verdict.allowed ? 'allowed' : 'refused',
      reason:
        verdict === undefined
          ? headers.origin === undefined
            ? 'no_origin'
            : undefined
          : verdict.allowed
            ? undefined
            : verdict.reason,
      status: undefined,
    });
  }
}

/** Methods Nest's CSRF protection always lets through. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function policiesOf(policy: RoutePolicy): readonly CompiledPolicy[] {
  if (policy === null) return [];
  return policy instanceof AmbiguousRoutePolicy ? policy.candidates : [policy];
}

function routeOf(route: RouteTarget): CorsExplanation['route'] {
  return { method: route.method, path: route.path, handler: route.location };
}

function formatOrigins(origins: CorsPolicySummary['origins']): string {
  return typeof origins === 'string' ? origins : origins.join(' ');
}

function dedupe(risks: readonly CorsRisk[]): CorsRisk[] {
  const seen = new Set<string>();
  return risks.filter((risk) => !seen.has(risk.code) && seen.add(risk.code));
}
