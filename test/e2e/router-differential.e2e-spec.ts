import {
  All,
  Controller,
  Get,
  Head,
  Header,
  Injectable,
  UnauthorizedException,
  Version,
  VersioningType,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import fc from 'fast-check';
import { Cors, CorsModule, type CorsModuleOptions } from '../../lib/index.js';
import { header, headerValues, rawRequest, sendOne, type RawResponse } from '../support/raw-http.js';
import {
  CONFIGS,
  REQUEST_METHODS,
  ROUTER_CONFIGS,
  actualRequest,
  adapterPath,
  dedupeForFastify,
  handlersOf,
  preflightRequest,
  routeSetDisagreements,
  startAppOn,
  type HandlerInfo,
  type RequestMethod,
  type RouteSetSpec,
  type RouterConfig,
  type RunningRawApp,
  type Verb,
} from '../support/route-set.js';
import { ADAPTERS, type AdapterName } from '../support/test-app.js';

/**
 * Differential tests: the handler the adapter's own router runs (Express 5's router,
 * Fastify's find-my-way) against the handler whose policy nest-cors applies, judged from HTTP
 * responses only. Every handler `n` sets `x-ran: n`; its policy exposes `X-Route-n` and
 * answers preflights with `Access-Control-Max-Age: n + 1`. For an actual request, the policy
 * applied must be the one of the handler that ran (none when none ran); for a preflight for
 * `M`, the policy that answered must be the one of the handler a real `M` request to the same
 * target runs (no `Access-Control-Allow-*` when none does).
 *
 * Generated: route sets (static segments, parameters, wildcards, `@All`, `@Head`, URI versions,
 * a global prefix with exclusions, `RouterModule` paths) and hostile request targets
 * (percent-encoded letters, `%2F`, parameters past 100 characters, double and trailing slashes,
 * case changes, dot segments, `;`, `\`, absolute form, query strings, fragments), sent raw,
 * under every matching option of both adapters, one app per route set, reused for every target.
 *
 * Configuration `i` of ROUTER_CONFIGS runs with seed `DIFF_SEED + i` (DIFF_SEED defaults to
 * 20260401); `DIFF_RUNS` sets the runs per configuration. To replay a failure as fast-check
 * printed it: `DIFF_REPLAY_SEED=<seed> DIFF_REPLAY_PATH=<path>`, with `-t '<configuration>'`.
 */

const BASE_SEED = Number(process.env.DIFF_SEED ?? 20_260_401);
const REPLAY_SEED = process.env.DIFF_REPLAY_SEED === undefined ? undefined : Number(process.env.DIFF_REPLAY_SEED);
const NUM_RUNS = Number(process.env.DIFF_RUNS ?? 40);
/**
 * How long fast-check may shrink a failure (every step starts an app): past it, every further
 * candidate counts as passing, so the smallest counterexample so far is reported.
 */
const SHRINK_BUDGET_MS = Number(process.env.DIFF_SHRINK_MS ?? 6_000);
/** For the named cases: one app each, a few exchanges, on a busy 2-core machine. */
const CASE_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// Generators.

/** Static segments: overlapping in case, with a dot, and `v2` beside URI versions. */
const WORDS = ['x', 'admin', 'public', 'Files', 'v2', 'a.b'] as const;

/** A template of 0..max segments; `:` placeholders become parameters named `<prefix><i>`. */
function templateArb(maxSegments: number, paramPrefix: string, wildcard: boolean): fc.Arbitrary<string> {
  const segment = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<string>(...WORDS) },
    { weight: 2, arbitrary: fc.constant(':') },
  );
  return fc
    .tuple(
      fc.array(segment, { maxLength: maxSegments }),
      wildcard
        ? fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })
        : fc.constant(false),
    )
    .map(([segments, star]) => {
      let i = 0;
      const named = segments.map((s) => (s === ':' ? `:${paramPrefix}${i++}` : s));
      return [...named, ...(star ? ['*'] : [])].join('/');
    });
}

const verbArb: fc.Arbitrary<Verb> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Verb>('GET') },
  { weight: 2, arbitrary: fc.constant<Verb>('ALL') },
  { weight: 2, arbitrary: fc.constant<Verb>('HEAD') },
  { weight: 1, arbitrary: fc.constantFrom<Verb>('POST', 'PUT', 'DELETE', 'PATCH') },
);

const versionArb = fc.option(fc.constantFrom('1', '2'), { nil: undefined, freq: 3 });

const handlerArb = fc.record(
  {
    verb: verbArb,
    path: templateArb(2, 'p', true),
    version: versionArb,
    cors: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  },
  { requiredKeys: ['verb', 'path', 'cors'] },
);

const controllerArb = fc.record(
  {
    path: templateArb(1, 'c', false),
    version: versionArb,
    module: fc.option(fc.constantFrom('m', 'admin', ':m0'), { nil: undefined, freq: 4 }),
    handlers: fc.array(handlerArb, { minLength: 1, maxLength: 4 }),
  },
  { requiredKeys: ['path', 'handlers'] },
);

const routeSetArb: fc.Arbitrary<RouteSetSpec> = fc
  .record({
    controllers: fc.array(controllerArb, { minLength: 1, maxLength: 3 }),
    prefix: fc.option(fc.array(fc.nat(), { maxLength: 2 }), { nil: undefined }),
    versioning: fc.option(
      fc.record({ defaultVersion: fc.option(fc.constantFrom('1', '2'), { nil: undefined }) }, { requiredKeys: [] }),
      { nil: undefined, freq: 3 },
    ),
  })
  .map(({ controllers, prefix, versioning }) => {
    const spec: RouteSetSpec = { controllers, versioning };
    if (prefix === undefined) return spec;
    // Exclusions name handler paths under the prefix (never wildcards: Nest parses them as paths).
    const candidates = spec.controllers.flatMap((c) =>
      c.handlers
        .filter((h) => !h.path.endsWith('*'))
        .map((h) => [c.module, c.path, h.path].filter((p) => p !== undefined && p !== '').join('/')),
    );
    const exclude =
      candidates.length === 0
        ? []
        : [...new Set(prefix.map((i) => candidates[i % candidates.length]))].filter((p) => p !== '');
    return { ...spec, prefix: { path: 'api', exclude } };
  });

/** Parameter values: vocabulary (in other cases too), short text, 96–130 characters, encodings. */
const paramValueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('x', 'admin', 'public', 'Files', 'files', 'v1', 'v2', 'a.b', 'X', 'PUBLIC') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9]{1,6}$/) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('a', 'Q', '7'), fc.integer({ min: 96, max: 130 })).map(([c, n]) => c.repeat(n)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%70ublic',
      '%50UBLIC',
      '%61dmin',
      'a%2Fb',
      'p%2f',
      '%2e%2e',
      '..',
      '.',
      '',
      'x;y',
      'a\\b',
      '%41',
      '%25',
      '%zz',
    ),
  },
);

type Mutation =
  | { readonly kind: 'encode'; readonly at: number; readonly upper: boolean }
  | { readonly kind: 'encodeSlash'; readonly at: number; readonly upper: boolean }
  | { readonly kind: 'doubleSlash'; readonly at: number }
  | { readonly kind: 'trailingSlash' }
  | { readonly kind: 'toggleCase'; readonly at: number }
  | { readonly kind: 'upperCase' }
  | { readonly kind: 'dot'; readonly at: number; readonly form: '/.' | '/..' | '/x/..' }
  | { readonly kind: 'semicolon'; readonly at: number; readonly text: ';' | ';x=1' | ';/admin' }
  | { readonly kind: 'backslash'; readonly at: number }
  | { readonly kind: 'dropFirst' };

const at = fc.nat({ max: 20 });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('encode' as const), at, upper: fc.boolean() }),
  fc.record({ kind: fc.constant('encodeSlash' as const), at, upper: fc.boolean() }),
  fc.record({ kind: fc.constant('doubleSlash' as const), at }),
  fc.record({ kind: fc.constant('trailingSlash' as const) }),
  fc.record({ kind: fc.constant('toggleCase' as const), at }),
  fc.record({ kind: fc.constant('upperCase' as const) }),
  fc.record({
    kind: fc.constant('dot' as const),
    at,
    form: fc.constantFrom('/.' as const, '/..' as const, '/x/..' as const),
  }),
  fc.record({
    kind: fc.constant('semicolon' as const),
    at,
    text: fc.constantFrom(';' as const, ';x=1' as const, ';/admin' as const),
  }),
  fc.record({ kind: fc.constant('backslash' as const), at }),
  fc.record({ kind: fc.constant('dropFirst' as const) }),
);

interface TargetRecipe {
  readonly route: number;
  readonly params: readonly string[];
  readonly wildcard: readonly string[];
  readonly mutations: readonly Mutation[];
  readonly absolute: string;
  readonly query: string;
  readonly fragment: string;
  readonly otherMethod: readonly RequestMethod[];
}

const targetArb: fc.Arbitrary<TargetRecipe> = fc.record({
  route: fc.nat({ max: 15 }),
  params: fc.array(paramValueArb, { minLength: 3, maxLength: 3 }),
  wildcard: fc.array(fc.constantFrom('a', 'admin', 'x.txt', ''), { maxLength: 2 }),
  mutations: fc.array(mutationArb, { maxLength: 3 }),
  absolute: fc.oneof(
    { weight: 8, arbitrary: fc.constant('') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'http://127.0.0.1',
        'HTTP://h',
        'http://u@h',
        'https://h:8443',
        'ftp://h',
        'http://h?x',
      ),
    },
  ),
  query: fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: fc.constantFrom('?q=1', '?', '?a/b', '?x=%zz', '?/admin') },
  ),
  fragment: fc.oneof(
    { weight: 8, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constantFrom('#f', '#/admin') },
  ),
  otherMethod: fc.subarray([...REQUEST_METHODS], { maxLength: 1 }),
});

/** Indexes of the characters of `path` matching `test`. */
function positions(path: string, test: (c: string, i: number) => boolean): number[] {
  return [...path].flatMap((c, i) => (test(c, i) ? [i] : []));
}

function pick(list: readonly number[], n: number): number | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

function applyMutation(path: string, mutation: Mutation): string {
  const letters = positions(path, (c) => /[A-Za-z]/.test(c));
  const slashes = positions(path, (c) => c === '/');
  const innerSlashes = slashes.filter((i) => i > 0);
  switch (mutation.kind) {
    case 'encode': {
      const i = pick(letters, mutation.at);
      if (i === undefined) return path;
      const hex = path.charCodeAt(i).toString(16);
      return `${path.slice(0, i)}%${mutation.upper ? hex.toUpperCase() : hex}${path.slice(i + 1)}`;
    }
    case 'encodeSlash': {
      const i = pick(innerSlashes, mutation.at);
      return i === undefined
        ? `${path}${mutation.upper ? '%2F' : '%2f'}`
        : `${path.slice(0, i)}${mutation.upper ? '%2F' : '%2f'}${path.slice(i + 1)}`;
    }
    case 'doubleSlash': {
      const i = pick(slashes, mutation.at)!;
      return `${path.slice(0, i)}/${path.slice(i)}`;
    }
    case 'trailingSlash':
      return `${path}/`;
    case 'toggleCase': {
      const i = pick(letters, mutation.at);
      if (i === undefined) return path;
      const c = path[i];
      return `${path.slice(0, i)}${c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()}${path.slice(i + 1)}`;
    }
    case 'upperCase':
      return path.replace(/%[0-9a-fA-F]{2}/g, (e) => e.toLowerCase()).replace(/[a-z]/g, (c) => c.toUpperCase());
    case 'dot': {
      const i = pick(slashes, mutation.at)!;
      return `${path.slice(0, i)}${mutation.form}${path.slice(i)}`;
    }
    case 'semicolon': {
      const ends = [...innerSlashes, path.length];
      const i = pick(ends, mutation.at)!;
      return `${path.slice(0, i)}${mutation.text}${path.slice(i)}`;
    }
    case 'backslash': {
      const i = pick(innerSlashes, mutation.at);
      return i === undefined ? `${path}\\` : `${path.slice(0, i)}\\${path.slice(i + 1)}`;
    }
    case 'dropFirst': {
      const second = path.indexOf('/', 1);
      return second === -1 ? '/' : path.slice(second);
    }
  }
}

const OWN_METHOD: Record<Verb, RequestMethod> = {
  GET: 'GET',
  HEAD: 'HEAD',
  POST: 'POST',
  PUT: 'PUT',
  DELETE: 'DELETE',
  PATCH: 'PATCH',
  ALL: 'PUT',
};

/** The requests a recipe makes of a route set: its target, by its route's own method and maybe one other. */
function requestsOf(recipe: TargetRecipe, handlers: readonly HandlerInfo[]): [RequestMethod, string][] {
  const handler = handlers[recipe.route % handlers.length];
  let p = 0;
  let path = handler.path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return recipe.params[p++ % recipe.params.length];
      if (segment === '*') return recipe.wildcard.join('/');
      return segment;
    })
    .join('/');
  if (path === '') path = '/';
  for (const mutation of recipe.mutations) path = applyMutation(path, mutation);
  const target = `${recipe.absolute}${path}${recipe.query}${recipe.fragment}`;
  const methods = [...new Set([OWN_METHOD[handler.verb], ...recipe.otherMethod])];
  return methods.map((method) => [method, target]);
}

function specFor(config: RouterConfig, spec: RouteSetSpec): RouteSetSpec {
  return config.adapter === 'fastify' ? dedupeForFastify(spec, config.routerOptions.caseSensitive !== false) : spec;
}

/** The handlers of a route set, at the paths modelled from its spec (Nest's own exclusion rules may differ). */
function describeSet(handlers: readonly HandlerInfo[]): string {
  return handlers
    .map((h) => `  #${h.n} @${h.verb === 'ALL' ? 'All' : h.verb}(${h.path})${h.cors ? '' : ' @Cors(false)'}`)
    .join('\n');
}

/** Throws with every disagreement of the app of `spec` on `config` for `requests`. */
async function expectAgreement(
  config: RouterConfig,
  spec: RouteSetSpec,
  requests: readonly (readonly [RequestMethod, string])[],
): Promise<void> {
  const result = await routeSetDisagreements(config, spec, requests);
  if (result === undefined) throw new Error(`${config.name} refused the route set ${JSON.stringify(spec)}`);
  if (result.problems.length > 0) {
    throw new Error(
      `${result.problems.length} disagreement(s) on ${config.name}:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n` +
        `route set:\n${describeSet(result.handlers)}\nspec: ${JSON.stringify(spec)}\nrequests: ${JSON.stringify(requests)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The generated cases.

describe.each(ADAPTERS)('the policy nest-cors applies is the one of the handler %s runs (generated)', (adapter) => {
  const configs = ROUTER_CONFIGS.filter((c) => c.adapter === adapter);
  it.each(configs.map((config) => [config.name, config] as const))(
    'on %s',
    async (_name, config) => {
      const index = ROUTER_CONFIGS.indexOf(config);
      let firstFailure: number | undefined;
      await fc.assert(
        fc.asyncProperty(
          routeSetArb,
          fc.array(targetArb, { minLength: 4, maxLength: 12 }),
          async (generated, recipes) => {
            if (firstFailure !== undefined && Date.now() - firstFailure > SHRINK_BUDGET_MS) return;
            const spec = specFor(config, generated);
            fc.pre(spec.controllers.length > 0);
            const handlers = handlersOf(spec);
            const requests = recipes.flatMap((recipe) => requestsOf(recipe, handlers));
            const result = await routeSetDisagreements(config, spec, requests);
            fc.pre(result !== undefined);
            if (result.problems.length > 0) {
              firstFailure ??= Date.now();
              throw new Error(
                `${result.problems.length} disagreement(s):\n${result.problems.map((p) => `  - ${p}`).join('\n')}\nroute set:\n${describeSet(result.handlers)}\n` +
                  `spec: ${JSON.stringify(spec)}\nrequests: ${JSON.stringify(requests)}`,
              );
            }
          },
        ),
        {
          numRuns: NUM_RUNS,
          seed: REPLAY_SEED ?? BASE_SEED + index,
          path: REPLAY_SEED === undefined ? undefined : process.env.DIFF_REPLAY_PATH,
        },
      );
    },
    120_000,
  );
});

// ---------------------------------------------------------------------------------------------
// Named regressions for the known disagreements.

const PARTNER = 'https://partner.test';
const STRANGER = 'https://stranger.test';
const PARTNERS: CorsModuleOptions = {
  policies: {
    partners: { origins: [PARTNER], credentials: true, maxAge: 600, methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] },
  },
};
/** The permissive policy beside the partners one. */
const PUBLIC_POLICY = { origins: '*' as const, maxAge: 5 };

/** The CORS headers of the partners policy for `PARTNER` (credentialed, never `*`). */
function expectPartnersPolicy(response: RawResponse): void {
  expect(header(response, 'Access-Control-Allow-Origin')).toBe(PARTNER);
  expect(header(response, 'Access-Control-Allow-Credentials')).toBe('true');
  expect(headerValues(response, 'Vary').join(', ')).toMatch(/(^|,\s*)Origin(\s*,|$)/);
}

/** No permission at all for a stranger origin, in particular no `*`. */
function expectNoPermission(response: RawResponse): void {
  expect(response.headers.filter(([name]) => /^access-control-allow-/i.test(name))).toEqual([]);
}

/** A preflight answered by the partners policy: 204, `PARTNER`, credentials, max-age 600. */
function expectPartnersPreflight(response: RawResponse): void {
  expect(response.status).toBe(204);
  expectPartnersPolicy(response);
  expect(header(response, 'Access-Control-Max-Age')).toBe('600');
}

async function startOn(
  config: RouterConfig,
  controllers: Type[],
  configure?: (app: INestApplication) => void,
  extra: ModuleMetadata = {},
): Promise<RunningRawApp> {
  return startAppOn(
    config,
    {
      imports: [CorsModule.forRoot(PARTNERS), ...(extra.imports ?? [])],
      controllers,
      providers: extra.providers ?? [],
    },
    configure,
  );
}

/** The app's own global auth guard: everything without a token is 401. */
@Injectable()
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (req.headers.authorization === undefined) throw new UnauthorizedException();
    return true;
  }
}

/** (7): one route with an exact origin, so its responses carry `Vary: Origin`. */
@Controller('seven')
class SevenController {
  @Get('items')
  @Cors({ origins: ['https://seven.test'] })
  @Header('x-ran', 'items')
  items(): string {
    return 'items';
  }
}

const defaultConfig = (adapter: AdapterName): RouterConfig =>
  adapter === 'express' ? CONFIGS.express : CONFIGS.fastify;

describe.each(ADAPTERS)('known disagreements on %s', (adapter) => {
  // (1) Express matches the path as written; Fastify decodes letters first.
  @Controller('pe')
  class PercentController {
    @Get('public')
    @Cors(PUBLIC_POLICY)
    @Header('x-ran', 'public')
    publicRoute(): string {
      return 'public';
    }

    @Get(':id')
    @Cors('partners')
    @Header('x-ran', 'id')
    byId(): string {
      return 'id';
    }
  }

  it(
    `gives a percent-encoded path the policy of the handler ${adapter === 'express' ? 'Express' : 'Fastify'} runs`,
    async () => {
      const running = await startOn(defaultConfig(adapter), [PercentController]);
      try {
        const ran = await actualRequest(running.port, 'GET', '/pe/%70ublic', [`Origin: ${PARTNER}`]);
        // Express routes the path as written (so `:id`), find-my-way decodes it first (so `public`).
        expect(header(ran, 'x-ran')).toBe(adapter === 'express' ? 'id' : 'public');
        if (adapter === 'express') {
          expectPartnersPolicy(ran);
          expectNoPermission(await actualRequest(running.port, 'GET', '/pe/%70ublic', [`Origin: ${STRANGER}`]));
          expectPartnersPreflight(await preflightRequest(running.port, '/pe/%70ublic', 'GET', PARTNER));
          expectNoPermission(await preflightRequest(running.port, '/pe/%70ublic', 'GET', STRANGER));
        } else {
          expect(header(ran, 'Access-Control-Allow-Origin')).toBe('*');
          const preflight = await preflightRequest(running.port, '/pe/%70ublic', 'GET', STRANGER);
          expect(preflight.status).toBe(204);
          expect(header(preflight, 'Access-Control-Max-Age')).toBe('5');
        }
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (2) Express has no parameter length limit; find-my-way's is 100 characters.
  function longController(): Type {
    @Controller('long')
    class LongController {
      @Get(':id')
      @Cors('partners')
      @Header('x-ran', 'id')
      byId(): string {
        return 'id';
      }

      @Get(adapterPath('*', adapter))
      @Cors(PUBLIC_POLICY)
      @Header('x-ran', 'wildcard')
      wildcard(): string {
        return 'wildcard';
      }
    }
    return LongController;
  }

  it(
    `gives a 101-character parameter the policy of the handler ${adapter === 'express' ? 'Express' : 'Fastify'} runs, beside a permissive wildcard`,
    async () => {
      const running = await startOn(defaultConfig(adapter), [longController()]);
      const target = `/long/${'a'.repeat(101)}`;
      try {
        const ran = await actualRequest(running.port, 'GET', target, [`Origin: ${PARTNER}`]);
        expect(header(ran, 'x-ran')).toBe(adapter === 'express' ? 'id' : 'wildcard');
        if (adapter === 'express') {
          expectPartnersPolicy(ran);
          expectNoPermission(await actualRequest(running.port, 'GET', target, [`Origin: ${STRANGER}`]));
          expectPartnersPreflight(await preflightRequest(running.port, target, 'GET', PARTNER));
          expectNoPermission(await preflightRequest(running.port, target, 'GET', STRANGER));
        } else {
          expect(header(ran, 'Access-Control-Allow-Origin')).toBe('*');
        }
        // 100 characters: the parameter route on both.
        const hundred = await actualRequest(running.port, 'GET', `/long/${'a'.repeat(100)}`, [`Origin: ${PARTNER}`]);
        expect(header(hundred, 'x-ran')).toBe('id');
        expectPartnersPolicy(hundred);
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (3) find-my-way ranks an `@All()` route with the others, by specificity.
  @Controller('f3')
  class AllBesideParamController {
    @Get(':id')
    @Cors(PUBLIC_POLICY)
    @Header('x-ran', 'id')
    byId(): string {
      return 'id';
    }

    @All('admin')
    @Cors('partners')
    @Header('x-ran', 'all')
    admin(): string {
      return 'all';
    }
  }

  it(
    `gives GET and HEAD of a path served by an @All() route the policy of the handler ${adapter === 'express' ? 'Express' : 'Fastify'} runs`,
    async () => {
      const running = await startOn(defaultConfig(adapter), [AllBesideParamController]);
      try {
        for (const method of ['GET', 'HEAD'] as const) {
          const ran = await actualRequest(running.port, method, '/f3/admin', [`Origin: ${PARTNER}`]);
          // Express tries routes in order (`:id` first); find-my-way takes the static `admin`.
          expect(header(ran, 'x-ran')).toBe(adapter === 'express' ? 'id' : 'all');
          if (adapter === 'fastify') {
            expectPartnersPolicy(ran);
            expectNoPermission(await actualRequest(running.port, method, '/f3/admin', [`Origin: ${STRANGER}`]));
          } else {
            expect(header(ran, 'Access-Control-Allow-Origin')).toBe('*');
          }
        }
        if (adapter === 'fastify') {
          expectPartnersPreflight(await preflightRequest(running.port, '/f3/admin', 'GET', PARTNER));
          expectNoPermission(await preflightRequest(running.port, '/f3/admin', 'GET', STRANGER));
        }
        // A method only @All() serves reaches it on both.
        const put = await actualRequest(running.port, 'PUT', '/f3/admin', [`Origin: ${PARTNER}`]);
        expect(header(put, 'x-ran')).toBe('all');
        expectPartnersPolicy(put);
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (4) A route of rarer syntax must not change how plain paths are ranked.
  @Controller('rare')
  class RareSyntaxController {
    @Get(':id')
    @Cors('partners')
    @Header('x-ran', 'id')
    byId(): string {
      return 'id';
    }

    @Get('special')
    @Cors(PUBLIC_POLICY)
    @Header('x-ran', 'special')
    special(): string {
      return 'special';
    }

    @Get('doc/:name.:ext')
    @Cors({ origins: ['https://docs.test'] })
    @Header('x-ran', 'doc')
    doc(): string {
      return 'doc';
    }
  }

  it(
    `keeps ${adapter === 'express' ? 'registration order' : 'specificity'} on plain paths beside a route like doc/:name.:ext`,
    async () => {
      const running = await startOn(defaultConfig(adapter), [RareSyntaxController]);
      try {
        const ran = await actualRequest(running.port, 'GET', '/rare/special', [`Origin: ${PARTNER}`]);
        expect(header(ran, 'x-ran')).toBe(adapter === 'express' ? 'id' : 'special');
        if (adapter === 'express') {
          expectPartnersPolicy(ran);
          expectNoPermission(await actualRequest(running.port, 'GET', '/rare/special', [`Origin: ${STRANGER}`]));
          expectPartnersPreflight(await preflightRequest(running.port, '/rare/special', 'GET', PARTNER));
          expectNoPermission(await preflightRequest(running.port, '/rare/special', 'GET', STRANGER));
        } else {
          expect(header(ran, 'Access-Control-Allow-Origin')).toBe('*');
        }
        const doc = await actualRequest(running.port, 'GET', '/rare/doc/readme.md', ['Origin: https://docs.test']);
        expect(header(doc, 'x-ran')).toBe('doc');
        expect(header(doc, 'Access-Control-Allow-Origin')).toBe('https://docs.test');
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (6) Fastify serves HEAD of a path with a GET route from that route's automatic HEAD route.
  @Controller('h6')
  class HeadBesideGetController {
    @Get('x')
    @Cors('partners')
    @Header('x-ran', 'get-x')
    x(): string {
      return 'x';
    }

    @Head(':id')
    @Cors(PUBLIC_POLICY)
    @Header('x-ran', 'head-id')
    headById(): void {}
  }

  it(
    'gives HEAD of a path the policy of the GET route that serves it, beside an explicit @Head(:id)',
    async () => {
      const running = await startOn(defaultConfig(adapter), [HeadBesideGetController]);
      try {
        const ran = await actualRequest(running.port, 'HEAD', '/h6/x', [`Origin: ${PARTNER}`]);
        expect(header(ran, 'x-ran')).toBe('get-x');
        expectPartnersPolicy(ran);
        expectNoPermission(await actualRequest(running.port, 'HEAD', '/h6/x', [`Origin: ${STRANGER}`]));
        expectPartnersPreflight(await preflightRequest(running.port, '/h6/x', 'HEAD', PARTNER));
        expectNoPermission(await preflightRequest(running.port, '/h6/x', 'HEAD', STRANGER));
        // Other paths still reach the explicit HEAD route.
        const other = await actualRequest(running.port, 'HEAD', '/h6/y', [`Origin: ${STRANGER}`]);
        expect(header(other, 'x-ran')).toBe('head-id');
        expect(header(other, 'Access-Control-Allow-Origin')).toBe('*');
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (9) Header and media-type versioning: one path, one handler per version.
  @Controller('orders')
  class VersionedOrdersController {
    @Get()
    @Version('1')
    @Cors({ origins: ['https://v1.test'] })
    v1(): string {
      return 'v1';
    }

    @Get()
    @Version('2')
    @Cors({ origins: ['https://v2.test'] })
    v2(): string {
      return 'v2';
    }
  }

  it.each([
    ['header', VersioningType.HEADER, 'X-Api-Version: 2'],
    ['media-type', VersioningType.MEDIA_TYPE, 'Accept: application/json;v=2'],
  ] as const)(
    "carries the version's own Access-Control-Allow-Origin on the app guard's 401 under %s versioning",
    async (_name, type, versionHeader) => {
      const running = await startOn(
        defaultConfig(adapter),
        [VersionedOrdersController],
        (app) =>
          app.enableVersioning(
            type === VersioningType.HEADER
              ? { type, header: 'X-Api-Version' }
              : { type: VersioningType.MEDIA_TYPE, key: 'v=' },
          ),
        { providers: [{ provide: APP_GUARD, useClass: TokenGuard }] },
      );
      try {
        const denied = await actualRequest(running.port, 'GET', '/orders', ['Origin: https://v2.test', versionHeader]);
        expect(denied.status).toBe(401);
        expect(header(denied, 'Access-Control-Allow-Origin')).toBe('https://v2.test');
        expect(headerValues(denied, 'Vary').join(', ')).toMatch(/(^|,\s*)Origin(\s*,|$)/);
        // Version 1's origin is not version 2's.
        const other = await actualRequest(running.port, 'GET', '/orders', ['Origin: https://v1.test', versionHeader]);
        expect(other.status).toBe(401);
        expectNoPermission(other);
        // With the token, the handler runs and the same holds.
        const served = await actualRequest(running.port, 'GET', '/orders', [
          'Origin: https://v2.test',
          versionHeader,
          'Authorization: Bearer t',
        ]);
        expect(served.status).toBe(200);
        expect(served.body.toString()).toBe('v2');
        expect(header(served, 'Access-Control-Allow-Origin')).toBe('https://v2.test');
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );
});

describe('known disagreements on express only', () => {
  // (7) A request target the library could not resolve, which Express still routes.
  it.each(['http://127.0.0.1/seven/items#top', 'ftp://h/seven/items', '/seven\\items#top'])(
    'gives %s, which Express routes to /seven/items, that route’s CORS headers and Vary: Origin',
    async (target) => {
      const running = await startOn(CONFIGS.express, [SevenController]);
      try {
        const ran = await actualRequest(running.port, 'GET', target, ['Origin: https://seven.test']);
        expect(header(ran, 'x-ran')).toBe('items');
        expect(header(ran, 'Access-Control-Allow-Origin')).toBe('https://seven.test');
        expect(headerValues(ran, 'Vary').join(', ')).toMatch(/(^|,\s*)Origin(\s*,|$)/);
        const noOrigin = await actualRequest(running.port, 'GET', target, []);
        expect(header(noOrigin, 'x-ran')).toBe('items');
        expect(headerValues(noOrigin, 'Vary').join(', ')).toMatch(/(^|,\s*)Origin(\s*,|$)/);
        const preflight = await preflightRequest(running.port, target, 'GET', 'https://seven.test');
        expect(preflight.status).toBe(204);
        expect(header(preflight, 'Access-Control-Allow-Origin')).toBe('https://seven.test');
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (8) Express parses a target with `#` through url.parse(), which turns `\` into `/`.
  @Controller('x')
  class XAdminController {
    @Get('admin')
    @Cors('partners')
    @Header('x-ran', 'x-admin')
    admin(): string {
      return 'admin';
    }
  }

  @Controller()
  class SlugController {
    @Get(':slug')
    @Cors(PUBLIC_POLICY)
    @Header('x-ran', 'slug')
    slug(): string {
      return 'slug';
    }
  }

  it(
    'gives GET /api/x\\admin#y the policy of /api/x/admin, which Express runs',
    async () => {
      const running = await startOn(CONFIGS.express, [XAdminController, SlugController], (app) =>
        app.setGlobalPrefix('api'),
      );
      try {
        const ran = await actualRequest(running.port, 'GET', '/api/x\\admin#y', [`Origin: ${PARTNER}`]);
        expect(header(ran, 'x-ran')).toBe('x-admin');
        expectPartnersPolicy(ran);
        expectNoPermission(await actualRequest(running.port, 'GET', '/api/x\\admin#y', [`Origin: ${STRANGER}`]));
        expectPartnersPreflight(await preflightRequest(running.port, '/api/x\\admin#y', 'GET', PARTNER));
        expectNoPermission(await preflightRequest(running.port, '/api/x\\admin#y', 'GET', STRANGER));
        // Without `#`, the backslash stays, and the path is one segment: `:slug`.
        const slug = await actualRequest(running.port, 'GET', '/api/x\\admin', [`Origin: ${STRANGER}`]);
        expect(header(slug, 'x-ran')).toBe('slug');
        expect(header(slug, 'Access-Control-Allow-Origin')).toBe('*');
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (9) Host filters: one path, one handler per host.
  @Controller({ path: 'tenant', host: 'one.example.test' })
  @Cors({ origins: ['https://one.test'] })
  class TenantOneController {
    @Get()
    one(): string {
      return 'one';
    }
  }

  @Controller({ path: 'tenant', host: 'two.example.test' })
  @Cors({ origins: ['https://two.test'] })
  class TenantTwoController {
    @Get()
    two(): string {
      return 'two';
    }
  }

  it(
    "carries the host's own Access-Control-Allow-Origin on the app guard's 401 with @Controller({ host })",
    async () => {
      const running = await startOn(CONFIGS.express, [TenantOneController, TenantTwoController], undefined, {
        providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
      });
      // The other helpers send Host: 127.0.0.1; these requests need their own.
      const get = (host: string, origin: string, extra: readonly string[] = []) =>
        sendOne(
          running.port,
          rawRequest(['GET /tenant HTTP/1.1', `Host: ${host}`, `Origin: ${origin}`, ...extra, 'Connection: close']),
        );
      try {
        const denied = await get('two.example.test', 'https://two.test');
        expect(denied.status).toBe(401);
        expect(header(denied, 'Access-Control-Allow-Origin')).toBe('https://two.test');
        expectNoPermission(await get('two.example.test', 'https://one.test'));
        const served = await get('two.example.test', 'https://two.test', ['Authorization: Bearer t']);
        expect(served.body.toString()).toBe('two');
        expect(header(served, 'Access-Control-Allow-Origin')).toBe('https://two.test');
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );
});

describe('known disagreements on fastify only', () => {
  // (5) ignoreDuplicateSlashes: find-my-way folds `//` before it looks for a route.
  @Controller('x')
  class DuplicateSlashController {
    @Get(':id')
    @Cors('partners')
    @Header('x-ran', 'id')
    byId(): string {
      return 'id';
    }

    @Get('*')
    @Cors(PUBLIC_POLICY)
    @Header('x-ran', 'wildcard')
    wildcard(): string {
      return 'wildcard';
    }
  }

  const duplicateSlashes = CONFIGS.fastifyDuplicateSlashes;

  it(
    'gives /x//abc the policy of the :id handler Fastify runs under ignoreDuplicateSlashes',
    async () => {
      const running = await startOn(duplicateSlashes, [DuplicateSlashController]);
      try {
        const ran = await actualRequest(running.port, 'GET', '/x//abc', [`Origin: ${PARTNER}`]);
        expect(header(ran, 'x-ran')).toBe('id');
        expectPartnersPolicy(ran);
        expectNoPermission(await actualRequest(running.port, 'GET', '/x//abc', [`Origin: ${STRANGER}`]));
        expectPartnersPreflight(await preflightRequest(running.port, '/x//abc', 'GET', PARTNER));
        expectNoPermission(await preflightRequest(running.port, '/x//abc', 'GET', STRANGER));
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  // (7) A path the library would not find, which Fastify still routes.
  it(
    "gives //seven//items, which Fastify routes to /seven/items under ignoreDuplicateSlashes, that route's CORS headers and Vary: Origin",
    async () => {
      const running = await startOn(duplicateSlashes, [SevenController]);
      try {
        const ran = await actualRequest(running.port, 'GET', '//seven//items', ['Origin: https://seven.test']);
        expect(header(ran, 'x-ran')).toBe('items');
        expect(header(ran, 'Access-Control-Allow-Origin')).toBe('https://seven.test');
        expect(headerValues(ran, 'Vary').join(', ')).toMatch(/(^|,\s*)Origin(\s*,|$)/);
        const noOrigin = await actualRequest(running.port, 'GET', '//seven//items', []);
        expect(header(noOrigin, 'x-ran')).toBe('items');
        expect(headerValues(noOrigin, 'Vary').join(', ')).toMatch(/(^|,\s*)Origin(\s*,|$)/);
        const preflight = await preflightRequest(running.port, '//seven//items', 'GET', 'https://seven.test');
        expect(preflight.status).toBe(204);
        expect(header(preflight, 'Access-Control-Allow-Origin')).toBe('https://seven.test');
      } finally {
        await running.close();
      }
    },
    CASE_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// Counterexamples fast-check found, kept as reported: the configuration, the seed fast-check
// printed (DIFF_SEED + the configuration's index; runs with DIFF_SEED 20260401, 1000 and 2000)
// and the Nest major where it failed, the shrunk route set, and the failing requests with a
// request that reaches the route normally. Shrinking stops after DIFF_SHRINK_MS, so a later run
// of the same seed may report a larger case; those are kept too. Found against the route table
// of commit 7ec1ed7 (before the rewrite) unless noted otherwise.

interface Counterexample {
  readonly name: string;
  /** Where fast-check found it: `seed <n>, Nest <major>`. */
  readonly found: string;
  readonly config: RouterConfig;
  readonly spec: RouteSetSpec;
  readonly requests: readonly (readonly [RequestMethod, string])[];
}

const root = (...handlers: RouteSetSpec['controllers'][number]['handlers']): RouteSetSpec => ({
  controllers: [{ path: '', handlers }],
});
const LONG_A = 'a'.repeat(101);

const COUNTEREXAMPLES: readonly Counterexample[] = [
  // Express.
  {
    name: 'gives GET /\\#f, which Express parses with url.parse() into /, the policy of @Get(/)',
    found: 'seed 20260401, Nest 12 and 11',
    config: CONFIGS.express,
    spec: root({ verb: 'GET', path: '' }),
    requests: [
      ['GET', '/\\#f'],
      ['GET', '/'],
    ],
  },
  {
    name: 'gives no CORS headers to GET / when only a root *path wildcard exists (Express: a wildcard needs one character)',
    found: 'seed 20260402, Nest 12 and 11',
    config: CONFIGS.expressCaseSensitive,
    spec: root({ verb: 'GET', path: '*' }),
    requests: [
      ['GET', '/'],
      ['GET', '/#f'],
      ['GET', '/a'],
    ],
  },
  {
    name: 'gives GET http://127.0.0.1/#f, an absolute-form target with a fragment, the policy of the route Express runs',
    found: 'seed 20260403, Nest 12 and 11',
    config: CONFIGS.expressStrict,
    spec: root({ verb: 'GET', path: '' }),
    requests: [
      ['GET', 'http://127.0.0.1/#f'],
      ['GET', 'http://127.0.0.1/'],
    ],
  },
  {
    name: 'gives GET https://h:8443/#f, an absolute-form target with a port and a fragment, the policy of the route Express runs',
    found: 'seed 20260403 (a later run, shrunk less far), Nest 12',
    config: CONFIGS.expressStrict,
    spec: root({ verb: 'GET', path: '' }),
    requests: [
      ['GET', 'https://h:8443/#f'],
      ['HEAD', 'https://h:8443/#f'],
      ['GET', '/?q=1'],
    ],
  },
  {
    name: "gives PUT / the policy of @All('') rather than of the earlier @All(':p0'), which never matches an empty segment",
    found: 'seed 1000, Nest 12 and 11',
    config: CONFIGS.express,
    spec: root({ verb: 'ALL', path: ':p0' }, { verb: 'ALL', path: '' }),
    requests: [
      ['PUT', '/'],
      ['PUT', '/a'],
    ],
  },
  {
    name: 'gives no CORS headers to GET /%61pi, which case-sensitive Express does not decode to /api',
    found: 'seed 1001, Nest 12 and 11',
    config: CONFIGS.expressCaseSensitive,
    spec: { ...root({ verb: 'GET', path: '' }), prefix: { path: 'api', exclude: [] } },
    requests: [
      ['GET', '/%61pi?q=1#f'],
      ['GET', '/api'],
    ],
  },
  {
    name: 'gives no CORS headers to GET /%61pi under strict routing, and the /api policy to http://127.0.0.1/api#f',
    found: 'seed 1002, Nest 12 and 11',
    config: CONFIGS.expressStrict,
    spec: { ...root({ verb: 'GET', path: '' }), prefix: { path: 'api', exclude: [] } },
    requests: [
      ['GET', '/%61pi'],
      ['GET', 'http://127.0.0.1/api#f'],
      ['GET', '/api?q=1'],
    ],
  },
  {
    name: 'gives no CORS headers to HEAD / when the only route is under a RouterModule path parameter (/:m0)',
    found: 'seed 2000, Nest 12 and 11',
    config: CONFIGS.express,
    spec: { controllers: [{ path: '', module: ':m0', handlers: [{ verb: 'HEAD', path: '' }] }] },
    requests: [
      ['HEAD', '/'],
      ['HEAD', '/x?q=1'],
    ],
  },
  {
    name: 'gives PUT http://127.0.0.1/api\\, which Express routes to /api, the policy of @All(/api)',
    found: 'seed 2001, Nest 12 and 11',
    config: CONFIGS.expressCaseSensitive,
    spec: { ...root({ verb: 'ALL', path: '' }), versioning: {}, prefix: { path: 'api', exclude: [] } },
    requests: [
      ['PUT', 'http://127.0.0.1/api\\'],
      ['PUT', '/api'],
    ],
  },
  {
    name: "gives no CORS headers to PUT / under strict routing when the only route is @All(':p0')",
    found: 'seed 2002, Nest 12 and 11',
    config: CONFIGS.expressStrict,
    spec: root({ verb: 'ALL', path: ':p0' }),
    requests: [
      ['PUT', '/'],
      ['PUT', '/x'],
    ],
  },
  // Fastify.
  {
    name: 'gives no CORS headers to GET /api//w455j, whose empty segment is no value for the :m0 parameter',
    found: 'seed 20260404, Nest 12 (route set trimmed to the routes involved)',
    config: CONFIGS.fastify,
    spec: {
      controllers: [
        {
          path: '',
          module: ':m0',
          handlers: [
            { verb: 'ALL', path: ':p0' },
            { verb: 'GET', path: '' },
          ],
        },
      ],
      prefix: { path: 'api', exclude: [] },
    },
    requests: [
      ['GET', 'http://127.0.0.1/api//w455j?x=%zz'],
      ['GET', '/api//w455j'],
      ['GET', '/api/m/w455j'],
    ],
  },
  {
    name: "gives no CORS headers to PUT / beside @All(':p0') and @Get('')",
    found: 'seed 20260404 (a later run), Nest 12',
    config: CONFIGS.fastify,
    spec: root({ verb: 'ALL', path: ':p0' }, { verb: 'GET', path: '' }),
    requests: [
      ['PUT', '/'],
      ['PUT', '/;/admin'],
      ['GET', 'http://127.0.0.1//?x=%zz'],
    ],
  },
  {
    name: 'gives no CORS headers to PUT / when the only route is @All() under the RouterModule path /:m0 (caseSensitive: false)',
    found: 'seed 20260405, Nest 12 and 11',
    config: CONFIGS.fastifyCaseInsensitive,
    spec: { controllers: [{ path: '', module: ':m0', handlers: [{ verb: 'ALL', path: '' }] }] },
    requests: [
      ['PUT', '/'],
      ['PUT', '/x?q=1'],
    ],
  },
  {
    name: 'gives GET //, which Fastify routes to / under ignoreDuplicateSlashes, the policy of @Get(/)',
    found: 'seed 20260407 (and 2006), Nest 12 and 11',
    config: CONFIGS.fastifyDuplicateSlashes,
    spec: root({ verb: 'GET', path: '' }),
    requests: [
      ['GET', '//'],
      ['GET', '/'],
    ],
  },
  {
    name: "gives no CORS headers to PUT /? beside @All(':p0') and @Get('') (maxParamLength: 120)",
    found: 'seed 20260408, Nest 12',
    config: CONFIGS.fastifyMaxParamLength,
    spec: root({ verb: 'ALL', path: ':p0' }, { verb: 'GET', path: '' }),
    requests: [
      ['PUT', '/?'],
      ['PUT', '/?q=1'],
      ['GET', '/'],
      ['PUT', '/x'],
    ],
  },
  {
    name: "gives no CORS headers to PUT /? beside @All(':p0') excluded from the prefix and a versioned @Get('') (maxParamLength: 120)",
    found: 'seed 20260408 (a later run), Nest 12',
    config: CONFIGS.fastifyMaxParamLength,
    spec: {
      controllers: [
        {
          path: '',
          handlers: [
            { verb: 'ALL', path: ':p0' },
            { verb: 'GET', path: '', version: '1' },
          ],
        },
      ],
      versioning: {},
      prefix: { path: 'api', exclude: [':p0'] },
    },
    requests: [
      ['PUT', '/?'],
      ['PUT', '/x'],
      ['GET', '/api/v1'],
    ],
  },
  {
    name: 'gives no CORS headers to HEAD /v1/m\\%78/#/admin, whose last segment is empty, beside @Get(/v1/:p0/:p1) (useSemicolonDelimiter)',
    found: 'seed 20260409, Nest 12 (route set trimmed to the route involved)',
    config: CONFIGS.fastifySemicolon,
    spec: { controllers: [{ path: '', version: '1', handlers: [{ verb: 'GET', path: ':p0/:p1' }] }], versioning: {} },
    requests: [
      ['HEAD', '/v1/m\\%78/#/admin'],
      ['HEAD', '/v1/m/x'],
    ],
  },
  {
    name: 'gives no CORS headers to HEAD and GET /v2/m/, which find-my-way routes neither to m/* nor to m/:p0 (useSemicolonDelimiter)',
    found: 'seed 20260409 (a later run, shrunk little: the route set as reported, the requests that failed), Nest 12',
    config: CONFIGS.fastifySemicolon,
    spec: {
      controllers: [
        {
          path: '',
          module: 'm',
          handlers: [
            { verb: 'HEAD', path: '*' },
            { verb: 'ALL', path: '' },
            { verb: 'GET', path: ':p0' },
          ],
        },
        {
          path: '',
          handlers: [
            { verb: 'ALL', path: 'x', cors: false },
            { verb: 'POST', path: 'x/:p0', version: '1' },
            { verb: 'GET', path: '', version: '2' },
          ],
        },
      ],
      versioning: { defaultVersion: '2' },
      prefix: { path: 'api', exclude: ['m', 'm/:p0'] },
    },
    requests: [
      ['HEAD', '/v2/m/'],
      ['GET', '/v2/m/'],
      ['HEAD', '/v2/m/a'],
      ['GET', '/v2/m/a'],
      ['PUT', '/v2/m'],
    ],
  },
  {
    name: "gives no CORS headers to GET /a/, which find-my-way routes neither to @Get('a/*') nor to @Get('a/:p0') beside it",
    found: 'the seed 20260409 counterexample above, reduced by hand',
    config: CONFIGS.fastify,
    spec: root({ verb: 'GET', path: 'a/*' }, { verb: 'GET', path: 'a/:p0' }),
    requests: [
      ['GET', '/a/'],
      ['HEAD', '/a/'],
      ['GET', '/a/b'],
      ['GET', '/a/b/c'],
    ],
  },
  {
    name: 'gives GET and its preflight to http://h?x/ the policy of the handler Fastify runs for it (none on Fastify 5.12, / on 5.11)',
    found:
      'seeds 1003 and 1005 (ignoreTrailingSlash), Nest 12; against the rewrite, seeds 2006, 2008 and 20260407 (preflight only), Nest 12',
    config: CONFIGS.fastify,
    spec: root({ verb: 'GET', path: '*' }),
    requests: [
      ['GET', 'http://h?x/'],
      ['HEAD', 'http://h?x/'],
      ['GET', '/a'],
    ],
  },
  {
    name: 'gives no CORS headers to PUT /api/v1//0/, whose empty segment is no value for :m0 (caseSensitive: false)',
    found: 'seed 1004, Nest 12 and 11',
    config: CONFIGS.fastifyCaseInsensitive,
    spec: {
      controllers: [
        {
          path: '',
          module: ':m0',
          handlers: [
            { verb: 'ALL', path: '*' },
            { verb: 'ALL', path: '' },
          ],
        },
      ],
      versioning: { defaultVersion: '1' },
      prefix: { path: 'api', exclude: [] },
    },
    requests: [
      ['PUT', '/api/v1//0/'],
      ['PUT', '/api/v1/a/'],
      ['PUT', '/A%70I;/V1/FILES/'],
    ],
  },
  {
    name: 'gives HEAD //?q=1, which Fastify routes to / under ignoreDuplicateSlashes, the policy of @Head(/)',
    found: 'seed 1006, Nest 12 and 11',
    config: CONFIGS.fastifyDuplicateSlashes,
    spec: root({ verb: 'HEAD', path: '' }),
    requests: [
      ['HEAD', '//?q=1'],
      ['HEAD', '/'],
    ],
  },
  {
    name: 'gives GET / the policy of @All(/), which find-my-way prefers to the GET wildcard beside it',
    found: 'seed 1007, Nest 12 and 11',
    config: CONFIGS.fastifyMaxParamLength,
    spec: root({ verb: 'GET', path: '*' }, { verb: 'ALL', path: '' }),
    requests: [
      ['GET', '/'],
      ['GET', '/?q=1#f'],
      ['GET', '/admin'],
    ],
  },
  {
    name: 'gives PUT http://h?x/ the policy of the handler Fastify runs for it, beside @All(/) (useSemicolonDelimiter)',
    found: 'seed 1008, Nest 12',
    config: CONFIGS.fastifySemicolon,
    spec: root({ verb: 'ALL', path: '' }),
    requests: [
      ['PUT', 'http://h?x/'],
      ['PUT', '/?q=1'],
    ],
  },
  {
    name: 'gives HEAD http://h?x/ the policy of the handler Fastify runs for it, beside @Head(/)',
    found: 'seed 2003, Nest 12',
    config: CONFIGS.fastify,
    spec: root({ verb: 'HEAD', path: '' }),
    requests: [
      ['HEAD', 'http://h?x/'],
      ['HEAD', '/?q=1'],
    ],
  },
  {
    name: "gives no CORS headers to GET / when the only route is @Get(':p0') (maxParamLength: 120)",
    found: 'seed 2007, Nest 12',
    config: CONFIGS.fastifyMaxParamLength,
    spec: root({ verb: 'GET', path: ':p0' }),
    requests: [
      ['GET', '/'],
      ['GET', '/x'],
    ],
  },
  {
    name: "gives HEAD / the policy of @Get(''), whose automatic HEAD route Fastify prefers to @Head('*') (useSemicolonDelimiter)",
    found: 'seed 2008, Nest 12',
    config: CONFIGS.fastifySemicolon,
    spec: root({ verb: 'HEAD', path: '*' }, { verb: 'GET', path: '' }, { verb: 'POST', path: '' }),
    requests: [
      ['HEAD', '/'],
      ['HEAD', 'http://127.0.0.1/?q=1'],
      ['HEAD', '/a'],
    ],
  },
  {
    name: 'gives GET http://127.0.0.1/#f the policy of the handler Fastify runs for it',
    found: 'seeds 20260404 and 20260408 (maxParamLength: 120), Nest 11',
    config: CONFIGS.fastify,
    spec: root({ verb: 'GET', path: '' }),
    requests: [
      ['GET', 'http://127.0.0.1/#f'],
      ['GET', '/#f'],
    ],
  },
  {
    name: "gives no CORS headers to GET //%70ublic/#f beside @Get(':p0/*') (ignoreTrailingSlash)",
    found: 'seed 1005, Nest 11',
    config: CONFIGS.fastifyTrailingSlash,
    spec: root({ verb: 'GET', path: ':p0/*' }),
    requests: [
      ['GET', '//%70ublic/#f'],
      ['GET', '/0/'],
    ],
  },
  {
    name: 'gives PUT http://127.0.0.1/;?q=1 the policy of the handler Fastify runs for it (useSemicolonDelimiter)',
    found: 'seed 1008, Nest 11',
    config: CONFIGS.fastifySemicolon,
    spec: root({ verb: 'ALL', path: '' }),
    requests: [
      ['PUT', 'http://127.0.0.1/;?q=1'],
      ['PUT', '/;x=1'],
      ['PUT', '/'],
    ],
  },
  {
    name: 'gives HEAD HTTP://h/m, an absolute-form target with an upper-case scheme, the policy of the handler Fastify runs for it',
    found: 'seed 2003, Nest 11',
    config: CONFIGS.fastify,
    spec: { controllers: [{ path: '', module: 'm', handlers: [{ verb: 'HEAD', path: '' }] }] },
    requests: [
      ['HEAD', 'HTTP://h/m'],
      ['HEAD', '/m'],
    ],
  },
  {
    name: 'gives POST HTTP://h/ the policy of the handler Fastify runs for it (caseSensitive: false)',
    found: 'seed 2004, Nest 11',
    config: CONFIGS.fastifyCaseInsensitive,
    spec: root({ verb: 'POST', path: '' }),
    requests: [
      ['POST', 'HTTP://h/'],
      ['POST', 'http://127.0.0.1/'],
    ],
  },
  {
    name: 'gives GET http://h?x/api the policy of the handler Fastify runs for it (ignoreTrailingSlash)',
    found: 'seed 2005, Nest 11',
    config: CONFIGS.fastifyTrailingSlash,
    spec: { ...root({ verb: 'GET', path: '' }), prefix: { path: 'api', exclude: [] } },
    requests: [
      ['GET', 'http://h?x/api'],
      ['GET', '/api#f'],
    ],
  },
  {
    name: 'gives a 101-character parameter, which Fastify matches under maxParamLength: 120, the policy of its route',
    found: 'seed 2007, Nest 11',
    config: CONFIGS.fastifyMaxParamLength,
    spec: root({ verb: 'GET', path: ':p0' }),
    requests: [
      ['GET', `/${LONG_A}`],
      ['GET', `/${'a'.repeat(121)}`],
      ['GET', '/x'],
    ],
  },
  {
    name: "gives no CORS headers to GET /%70ublic;/, which Fastify cuts at ';', beside @Get(':c0/*') (useSemicolonDelimiter)",
    found: 'seed 2008, Nest 11',
    config: CONFIGS.fastifySemicolon,
    spec: { controllers: [{ path: ':c0', handlers: [{ verb: 'GET', path: '*' }] }] },
    requests: [
      ['GET', '/%70ublic;/'],
      ['GET', '/%70ublic/'],
    ],
  },
  {
    name: 'gives GET HTTP://h/ the policy of the handler Fastify runs for it (ignoreTrailingSlash)',
    found: 'seed 20260406, Nest 11',
    config: CONFIGS.fastifyTrailingSlash,
    spec: root({ verb: 'GET', path: '' }),
    requests: [
      ['GET', 'HTTP://h/'],
      ['GET', 'http://127.0.0.1/'],
    ],
  },
  {
    name: 'gives GET http://h?x/api/?q=1 the policy of the handler Fastify runs for it, beside @Get(/api/*) (useSemicolonDelimiter)',
    found: 'seed 20260409, Nest 11',
    config: CONFIGS.fastifySemicolon,
    spec: { ...root({ verb: 'GET', path: '*' }), prefix: { path: 'api', exclude: [] } },
    requests: [
      ['GET', 'http://h?x/api/?q=1'],
      ['GET', '/api/#f'],
    ],
  },
];

describe.each(ADAPTERS)('counterexamples found by the generated cases on %s', (adapter) => {
  const cases = COUNTEREXAMPLES.filter((c) => c.config.adapter === adapter);
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    (_name, { config, spec, requests }) => expectAgreement(config, spec, requests),
    CASE_TIMEOUT_MS,
  );
});
