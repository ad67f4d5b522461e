import type { IncomingHttpHeaders } from 'node:http';
import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Provider, Type } from '@nestjs/common';

/**
 * What an origin callback learns of the request: the Node request on both adapters (Express's
 * `req`, Fastify's `request.raw`), or a described one in `CorsAuditService.explain()`.
 */
export interface CorsRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Decides at request time whether an origin may read a route's responses.
 *
 * Only called with a syntactically valid, browser-serialized origin (never `null`, never
 * garbage), after the static entries of the policy did not match. Returning `false`, throwing,
 * rejecting or not settling within `originCallbackTimeout` all deny the request. With
 * {@link CorsPolicy.originsCache}, its answer serves every request from the origin for a while,
 * so it must depend on the origin alone.
 *
 * @example
 * ```ts
 * origins: async (origin) => tenants.has(new URL(origin).hostname.split('.')[0])
 * ```
 */
export type CorsOriginCallback = (origin: string, request: CorsRequest) => boolean | Promise<boolean>;

/**
 * One allowed origin:
 * - `'https://app.example.com'`: an exact, lowercase, browser-serialized origin (scheme, host,
 *   and port only when it is not the scheme's default);
 * - `'https://*.example.com'`: any origin with one or more subdomain labels in front of
 *   `example.com`, with the same scheme and port; never the apex `https://example.com` itself;
 * - `'http://localhost:*'`: that scheme and host with any port, or none (the scheme's default):
 *   for local development servers, whose ports change. Loopback hosts only (`localhost`,
 *   `*.localhost`, `127.x.x.x`, `[::1]`) unless {@link CorsDangerouslyAllow.portWildcardOnAnyHost};
 *   never combined with a subdomain wildcard;
 * - `'null'`: the opaque origin, only when listed literally;
 * - a `RegExp` anchored with `^` and `$`, without the `g` or `y` flags.
 */
export type CorsOriginEntry = string | RegExp;

/**
 * Which origins a policy allows: `'*'` (any origin, never with credentials), one entry, a list
 * of entries, or a callback.
 */
// `'*'` is a string like any entry, but listed for what it means (no other entry allows every origin).
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export type CorsOrigins = '*' | CorsOriginEntry | readonly CorsOriginEntry[] | CorsOriginCallback;

/**
 * A CORS policy. Every field is optional so that policies can be layered: a handler's
 * `@Cors()` overrides its controller's field by field, unset fields come from the controller
 * (or the module's `global` policy), then from the module's `defaults`.
 */
export interface CorsPolicy {
  /**
   * Origins allowed to read responses.
   * @defaultValue none: a policy left without origins is a configuration error.
   * @example `origins: ['https://app.example.com', 'https://*.partner.example.com']`
   */
  readonly origins?: CorsOrigins;
  /**
   * Methods a preflight may ask for. Case-sensitive, as in the Fetch standard.
   * @defaultValue every method the route serves: the preflight is answered with the policy of
   * the handler that the requested method reaches.
   * @example `methods: ['GET', 'POST', 'DELETE']`
   */
  readonly methods?: readonly string[];
  /**
   * Request headers a preflight may ask for (compared case-insensitively). `'*'` allows any
   * header except `Authorization`, and only without credentials. CORS-safelisted headers need
   * no listing.
   * @defaultValue `[]`
   * @example `allowedHeaders: ['Content-Type', 'Authorization']`
   */
  readonly allowedHeaders?: readonly string[] | '*';
  /**
   * Response headers page scripts may read beyond the CORS-safelisted ones. `'*'` exposes all,
   * only without credentials.
   * @defaultValue `[]`
   * @example `exposedHeaders: ['X-Total-Count']`
   */
  readonly exposedHeaders?: readonly string[] | '*';
  /**
   * Whether requests with credentials (cookies, HTTP authentication) may read responses.
   * @defaultValue `false`
   * @example `credentials: true`
   */
  readonly credentials?: boolean;
  /**
   * How long, in seconds (0 to 86400), a browser may cache a preflight's result. Chromium caps
   * it at 7200, Firefox at 86400.
   * @defaultValue unset: no `Access-Control-Max-Age` header (browsers cache for 5 seconds).
   * @example `maxAge: 600`
   */
  readonly maxAge?: number;
  /**
   * Whether preflights asking for Private Network Access
   * (`Access-Control-Request-Private-Network: true`) are allowed. Chromium sent them from
   * version 123 until it replaced them with the permission-based Local Network Access; they are
   * still answered for the browsers that send them.
   * @defaultValue `false`
   * @example `allowPrivateNetwork: true`
   */
  readonly allowPrivateNetwork?: boolean;
  /**
   * Keep the verdicts of an `origins` callback for a while, so that a callback that asks a
   * database runs once per origin and lifetime instead of once per request; only with a callback.
   * Concurrent requests from an origin not yet known share one call, and the verdict must then
   * depend on the origin alone: the request the callback receives is the first one's. A handler
   * that replaces its controller's callback with a list sets `originsCache: false`.
   * @defaultValue unset: the callback runs for every request.
   * @example `originsCache: { ttl: 60_000 }`
   */
  readonly originsCache?: CorsOriginsCache | false;
  /**
   * Switches off, for this policy, bootstrap checks that refuse origins open to attack. Each one
   * used is warned about at bootstrap and listed among the route's risks by the audit; one set
   * where nothing needs it is warned about too. Replaced as a whole by a later layer's, like
   * every field.
   * @defaultValue unset: every check applies.
   * @example `dangerouslyAllow: { credentialsOverPlainHttp: true }`
   */
  readonly dangerouslyAllow?: CorsDangerouslyAllow;
}

/**
 * The escape hatches of {@link CorsPolicy.dangerouslyAllow}, each `true` or left out. Set one
 * only for origins you control end to end and cannot move off what the check refuses.
 *
 * @example
 * ```ts
 * // A staging front end served on several ports of one host.
 * @Cors({ origins: ['https://staging.example.com:*'], dangerouslyAllow: { portWildcardOnAnyHost: true } })
 * ```
 * @publicApi
 */
export interface CorsDangerouslyAllow {
  /**
   * Accept a port wildcard (`'https://staging.example.com:*'`) on a host that is not loopback:
   * every service on that host, whatever port it listens on, may read responses.
   * @defaultValue unset: refused at bootstrap.
   */
  readonly portWildcardOnAnyHost?: true;
  /**
   * Accept plain-`http` origins other than loopback with `credentials: true`: anyone on the
   * network path can impersonate them and read responses with the user's cookies.
   * @defaultValue unset: refused at bootstrap.
   */
  readonly credentialsOverPlainHttp?: true;
  /**
   * Accept a wildcard directly under a public suffix (`'https://*.vercel.app'`,
   * `'https://*.co.uk'`): every site anyone registers there may read responses.
   * @defaultValue unset: refused at bootstrap.
   */
  readonly wildcardUnderPublicSuffix?: true;
}

/**
 * How long, and how many, verdicts of an origin callback are kept ({@link CorsPolicy.originsCache}).
 * Allowed and refused origins are kept apart, each kind in at most `max` entries, least recently
 * used first out: a flood of refused origins (a client picks its `Origin` freely) never pushes
 * an allowed one out. A callback that throws, rejects or times out is not kept at all: the next
 * request asks again. `CorsPolicyService.invalidate()` drops verdicts before their time.
 */
export interface CorsOriginsCache {
  /**
   * Milliseconds an allowed verdict is kept (1 to 86400000, a day): how long an origin whose
   * tenant was removed keeps being allowed, unless invalidated.
   * @example `ttl: 60_000`
   */
  readonly ttl: number;
  /**
   * Milliseconds a refused verdict is kept (0 to 86400000; 0 keeps none): how long a tenant
   * added a moment ago waits before its origin is allowed, unless invalidated.
   * @defaultValue the shorter of `ttl` and 5000: a page's burst of requests from an unknown
   * origin costs one call, and a new tenant waits seconds, not as long as `ttl`.
   * @example `negativeTtl: 1_000`
   */
  readonly negativeTtl?: number;
  /**
   * Most verdicts kept of each kind, allowed and refused (1 or more).
   * @defaultValue `10000`: a few megabytes at most, more tenants than most apps have.
   * @example `max: 50_000`
   */
  readonly max?: number;
}

/**
 * What `@Cors()` takes: a policy, the name of a policy registered in
 * {@link CorsModuleOptions.policies}, or `false` to switch CORS off.
 */
export type CorsPolicyReference = CorsPolicy | string | false;

/** Options of {@link CorsModule.forRoot}. */
export interface CorsModuleOptions {
  /**
   * Fields merged under every policy (named, global and `@Cors()` ones).
   * @defaultValue `{}`
   * @example `defaults: { maxAge: 600 }`
   */
  readonly defaults?: CorsPolicy;
  /**
   * What every response gets that no `@Cors()` or {@link paths} entry covers, whoever serves it:
   * controllers without `@Cors()`, other modules' routes (GraphQL, Swagger, static files),
   * middleware mounts, routes added on the adapter or its instance, and paths no route serves.
   * Preflights for those are answered from it. A policy, a policy name, or `false` for no CORS
   * headers at all.
   * @defaultValue `false`
   * @example `global: 'public'`
   */
  readonly global?: CorsPolicyReference;
  /**
   * Policies for routes no controller declares (other modules', middleware mounts, routes added
   * on the adapter or its instance), by the path they are registered at, as the adapter got it:
   * `'/graphql'` applies to what is registered exactly there (an Express mount covers the paths
   * below it, as Express serves them); `'/docs/*'` to everything registered at `/docs` or below.
   * Matched once, against registered paths at bootstrap, never against request paths: the
   * adapter's router still decides which route a request reaches. A policy, a policy name, or
   * `false`; merged over `defaults`.
   * @defaultValue `{}`
   * @example `paths: { '/graphql': 'web', '/docs/*': false }`
   */
  readonly paths?: Readonly<Record<string, CorsPolicyReference>>;
  /**
   * Let bootstrap go on when another CORS layer runs beside the module: `app.enableCors()`,
   * `NestFactory.create(…, { cors })`, the `cors` middleware or `@fastify/cors` on the Fastify
   * instance. That layer answers the preflights the module leaves alone and writes its own
   * `Access-Control-Allow-Origin` (by default any origin, reflected with credentials) on every
   * response it covers, `@Cors()` routes included, bypassing their policies. Only for a layer
   * deliberately scoped to routes nest-cors does not serve (a mounted legacy app that must keep
   * its own `cors()`, say). The layers let through are logged once. Without it, bootstrap fails
   * with `CorsForeignLayerError`.
   * @defaultValue `false`
   * @example `allowOtherCorsLayers: true`
   */
  readonly allowOtherCorsLayers?: boolean;
  /**
   * Named policies, used as `@Cors('partners')`.
   * @defaultValue `{}`
   * @example `policies: { partners: { origins: ['https://app.example.com'], credentials: true } }`
   */
  readonly policies?: Readonly<Record<string, CorsPolicy>>;
  /**
   * On routes with a policy, refuse with `403 Forbidden`, before the handler runs, requests from
   * other origins that the policy does not allow. Browsers already keep such responses from
   * scripts; enforcing also stops the request's side effects (a form POST, say) and its leaks.
   * - With `Origin`: refused when the policy does not allow it, unless `Sec-Fetch-Site` is
   *   `same-origin` or `none`.
   * - Without `Origin` (an `<img>`, `<script>` or `no-cors` `GET`): refused when
   *   `Sec-Fetch-Site` is `cross-site` or `same-site` (a sibling subdomain, which the policy
   *   cannot check without `Origin`), unless it is a navigation (`Sec-Fetch-Mode: navigate`
   *   with `GET` or `HEAD`, not into `<object>`/`<embed>`) or the policy allows any origin
   *   (`'*'`): a resource isolation policy on Fetch Metadata
   *   (https://web.dev/articles/fetch-metadata). Requests without `Sec-Fetch-Site` (older
   *   browsers, other clients, plain HTTP) pass. A page loading such a route with a tag adds
   *   `crossorigin`, so that it sends `Origin`.
   * @defaultValue `false`
   * @example `enforce: true`
   */
  readonly enforce?: boolean;
  /**
   * Log one debug line (through Nest's `Logger`, context `CorsModule`) for every refused
   * preflight or actual request, with the route, the origin and a reason code.
   * @defaultValue `false`
   * @example `debug: process.env.NODE_ENV !== 'production'`
   */
  readonly debug?: boolean;
  /**
   * Log the table of every route and its effective policy (`CorsAuditService.formatTable()`)
   * once, at bootstrap.
   * @defaultValue `false`
   * @example `logRoutes: true`
   */
  readonly logRoutes?: boolean;
  /**
   * The `trustedOrigins` given to Nest's `app.enableCsrfProtection()` (Nest 12.5), which keeps
   * them private. With them, the module warns once at bootstrap about every credentialed origin
   * a route with an unsafe method allows but the CSRF protection would refuse with 403
   * (`CorsAuditService.checkCsrfProtection()`).
   * @defaultValue unset: no cross-check
   * @example
   * ```ts
   * const trustedOrigins = ['https://app.example.com'];
   * app.enableCsrfProtection({ trustedOrigins }); // main.ts
   * CorsModule.forRoot({ csrfTrustedOrigins: trustedOrigins, policies: { … } });
   * ```
   */
  readonly csrfTrustedOrigins?: readonly string[];
  /**
   * Milliseconds an origin callback may take before the request is denied.
   * @defaultValue `1000`
   * @example `originCallbackTimeout: 250`
   */
  readonly originCallbackTimeout?: number;
}

/**
 * A provider that builds the module's options, for {@link CorsModule.forRootAsync} with
 * `useClass` or `useExisting`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class CorsConfig implements CorsOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createCorsOptions(): CorsModuleOptions {
 *     return { policies: { app: { origins: this.config.getOrThrow('APP_ORIGIN') } } };
 *   }
 * }
 * ```
 * @publicApi
 */
export interface CorsOptionsFactory {
  createCorsOptions(): CorsModuleOptions | Promise<CorsModuleOptions>;
}

/** What every form of {@link CorsModuleAsyncOptions} may have. */
interface CorsModuleAsyncBase {
  /**
   * Modules whose exported providers the factory, the class or the existing provider needs,
   * e.g. `[ConfigModule]`.
   */
  readonly imports?: NonNullable<ModuleMetadata['imports']>;
  /**
   * Providers registered in the module beside the options, for the factory or the class to
   * inject; not exported.
   */
  readonly extraProviders?: readonly Provider[];
}

/**
 * Options of {@link CorsModule.forRootAsync}, following Nest's dynamic-module conventions:
 * exactly one of
 * - `useFactory` (with `inject`): a function that builds the options, maybe async;
 * - `useClass`: a {@link CorsOptionsFactory} class the module instantiates, with its own
 *   constructor injection;
 * - `useExisting`: the token of a {@link CorsOptionsFactory} provider that exists already (from
 *   `imports` or a global module), which is reused.
 *
 * @publicApi
 */
export type CorsModuleAsyncOptions =
  | (CorsModuleAsyncBase & {
      /** Builds the options from the providers in `inject`, in order; may be async. */
      readonly useFactory: (...args: never[]) => CorsModuleOptions | Promise<CorsModuleOptions>;
      /** Providers injected into `useFactory`, in order. */
      readonly inject?: ReadonlyArray<InjectionToken | OptionalFactoryDependency>;
      readonly useClass?: never;
      readonly useExisting?: never;
    })
  | (CorsModuleAsyncBase & {
      /** A class the module instantiates; its `createCorsOptions()` builds the options. */
      readonly useClass: Type<CorsOptionsFactory>;
      readonly useFactory?: never;
      readonly inject?: never;
      readonly useExisting?: never;
    })
  | (CorsModuleAsyncBase & {
      /** The token of an existing provider; its `createCorsOptions()` builds the options. */
      readonly useExisting: InjectionToken<CorsOptionsFactory>;
      readonly useFactory?: never;
      readonly inject?: never;
      readonly useClass?: never;
    });
