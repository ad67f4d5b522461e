/**
 * "Every route the app serves": other modules' routes, middleware mounts and routes added on the
 * adapter or its instance, beside nest-cors, with the real modules (no mocks), on both adapters.
 *
 * - `global` covers every response no `@Cors()` or `paths` entry covers, whoever registered the
 *   route: GraphQL (Apollo), Swagger, static files, middleware, adapter and instance routes; their
 *   preflights are answered from it before the other module's own OPTIONS handling.
 * - `paths` gives routes no controller declares a policy of their own, by the path they are
 *   registered at (`'/graphql'` exactly, `'/docs/*'` at /docs or below).
 * - What already works and must keep working beside other modules: @nestjs/throttler's 429,
 *   `forRootAsync` with @nestjs/config's `ConfigService`, helmet / @fastify/helmet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Controller,
  Get,
  Module,
  type INestApplication,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import fastifyHelmet from '@fastify/helmet';
import helmet from 'helmet';
import request from 'supertest';
import { Cors, CorsModule, type CorsModuleOptions, type CorsPolicy } from '../../lib/index.js';
import { startAppAsync } from '../support/async-app.js';
import { startChildApp } from '../support/child-app.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, type AdapterName, type RunningApp } from '../support/test-app.js';

type Nest12Modules = typeof import('../support/fixtures/nest12-modules.js');

const APP = 'https://app.example.com';
const LOOK_ALIKE = 'https://app.example.com.evil.org';
const GQL_CLIENT = 'https://graphql-client.example.com';

/** The issue's policy for a browser app with cookies that talks to GraphQL. */
const WEB: CorsPolicy = {
  origins: [APP],
  credentials: true,
  allowedHeaders: ['content-type', 'apollo-require-preflight', 'x-apollo-operation-name'],
};
const WEB_ALLOW_HEADERS = 'content-type, apollo-require-preflight, x-apollo-operation-name';
const UNDER_GLOBAL: CorsModuleOptions = { global: 'web', policies: { web: WEB } };

/**
 * The Nest 12 lines of @nestjs/graphql (14), @nestjs/apollo (14), @nestjs/swagger (12) and
 * @nestjs/serve-static (12), installed here, need Nest 12 (peer `@nestjs/common ^12`, and they
 * import Nest 12 internals); their Nest 11 lines (13.x, 13.x, 11.x, 5.x) cannot be installed
 * beside them. So those cases run on Nest 12 only, and their setups are not even imported on 11.
 */
const NEST11 = process.env.NEST_MAJOR === '11';
const NEST12_ONLY = 'skipped on Nest 11: the installed @nestjs/graphql, apollo, swagger and serve-static need Nest 12';
function describeNest12Modules(name: string, cases: () => void): void {
  if (NEST11) describe.skip(`${name} [${NEST12_ONLY}]`, cases);
  else describe(name, cases);
}
const nest12 = (NEST11 ? undefined : await import('../support/fixtures/nest12-modules.js')) as Nest12Modules;

const ORDERS_QUERY = '{ orders { id item } }';
const ORDERS_DATA = {
  data: {
    orders: [
      { id: 1, item: 'Keyboard' },
      { id: 2, item: 'Mouse' },
    ],
  },
};

/** Names of every CORS response header. */
function corsHeaders(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

/** Names of the `Access-Control-Allow-*` headers, which a refused preflight must not carry. */
function allowHeaders(headers: Record<string, string>): string[] {
  return corsHeaders(headers).filter((name) => name.startsWith('access-control-allow-'));
}

/** A browser's preflight. */
function preflight(url: string, path: string, origin: string, method: string, headers?: string): request.Test {
  const test = request(url).options(path).set('Origin', origin).set('Access-Control-Request-Method', method);
  return headers === undefined ? test : test.set('Access-Control-Request-Headers', headers);
}

/** Asserts a 204 preflight answered from the `web` policy for `method`. */
function expectWebPreflight(res: request.Response, method: string): void {
  expect(res.status).toBe(204);
  expect(res.headers).toMatchObject({
    'access-control-allow-origin': APP,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': method,
    'access-control-allow-headers': WEB_ALLOW_HEADERS,
  });
  expect(res.text ?? '').toBe('');
}

/** Asserts a response a credentialed page at https://app.example.com may read (the `web` policy). */
function expectWebReadable(res: request.Response): void {
  expect(res.headers['access-control-allow-origin']).toBe(APP);
  expect(res.headers['access-control-allow-credentials']).toBe('true');
  expect(res.headers.vary).toMatch(/\bOrigin\b/i);
}

/** Asserts a refused preflight: 403 and no `Access-Control-Allow-*`. */
function expectRefusedPreflight(res: request.Response): void {
  expect(res.status).toBe(403);
  expect(allowHeaders(res.headers)).toEqual([]);
}

/** A controller without `@Cors()`: under `global` it gets the global policy, as it does today. */
@Controller('plain')
class PlainController {
  @Get()
  plain(): string {
    return 'plain';
  }
}

// ---------------------------------------------------------------------------------------------
// Routes no module declares: middleware, adapter and instance routes.

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
interface ExpressLikeInstance {
  use(path: string, handler: NodeHandler): unknown;
  get(path: string, handler: (req: unknown, res: { send(body: string): unknown }) => unknown): unknown;
}
interface FastifyLikeInstance {
  get(path: string, handler: (req: unknown, reply: { send(body: string): unknown }) => unknown): unknown;
}

/** A Nest middleware that answers itself, at a path no route serves (`/mw`); on Fastify also `/raw`. */
function middlewareModule(adapter: AdapterName): new () => NestModule {
  @Module({})
  class MiddlewareModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      const answer: NodeHandler = (_req, res) => void res.end('middleware');
      consumer.apply(answer).forRoutes('mw');
      if (adapter === 'fastify') consumer.apply(answer).forRoutes('raw');
    }
  }
  return MiddlewareModule;
}

/** Before init: `/raw` on the Express instance, `/inst` on the instance, `/adapter-route` on the adapter. */
function addHandRoutes(adapter: AdapterName, app: INestApplication): void {
  const http = app.getHttpAdapter();
  if (adapter === 'express') {
    const instance = http.getInstance() as ExpressLikeInstance;
    instance.use('/raw', (_req, res) => void res.end('raw'));
    instance.get('/inst', (_req, res) => res.send('inst'));
  } else {
    const instance = http.getInstance() as FastifyLikeInstance;
    instance.get('/inst', (_req, reply) => reply.send('inst'));
  }
  http.get('/adapter-route', (_req: unknown, res: unknown) => http.reply(res, 'adapter', 200));
}

// ---------------------------------------------------------------------------------------------

describe.each(ADAPTERS)('other modules beside nest-cors on %s', (adapter) => {
  describeNest12Modules("GraphQL (Apollo) under global: 'web'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startAppAsync(adapter, {
        imports: [CorsModule.forRoot(UNDER_GLOBAL), nest12.graphQLModule()],
        providers: [nest12.OrdersResolver],
      });
    });
    afterAll(() => running?.close());

    it('lets the allowed origin read a credentialed JSON POST query', async () => {
      const res = await request(running.url)
        .post('/graphql')
        .set('Origin', APP)
        .set('Cookie', 'session=1')
        .send({ query: ORDERS_QUERY });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(ORDERS_DATA);
      expectWebReadable(res);
    });

    it("answers the POST's preflight from the policy (204), before Apollo's own OPTIONS handling", async () => {
      expectWebPreflight(await preflight(running.url, '/graphql', APP, 'POST', 'content-type'), 'POST');
    });

    it('gives a disallowed origin no Access-Control-Allow-Origin, and refuses its preflight with 403', async () => {
      const res = await request(running.url).post('/graphql').set('Origin', LOOK_ALIKE).send({ query: ORDERS_QUERY });
      expect(res.status).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
      expect(res.headers.vary).toMatch(/\bOrigin\b/i);
      expectRefusedPreflight(await preflight(running.url, '/graphql', LOOK_ALIKE, 'POST', 'content-type'));
    });

    it('lets the allowed origin read a GET query sent with apollo-require-preflight, after its preflight', async () => {
      expectWebPreflight(await preflight(running.url, '/graphql', APP, 'GET', 'apollo-require-preflight'), 'GET');
      const res = await request(running.url)
        .get('/graphql')
        .query({ query: ORDERS_QUERY })
        .set('Origin', APP)
        .set('apollo-require-preflight', 'true');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(ORDERS_DATA);
      expectWebReadable(res);
    });

    it("lets the page read Apollo's CSRF refusal of a GET without a preflight-forcing header (400)", async () => {
      const res = await request(running.url).get('/graphql').query({ query: ORDERS_QUERY }).set('Origin', APP);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/CSRF|preflight/i);
      expectWebReadable(res);
    });

    it('answers a preflight for x-apollo-operation-name', async () => {
      expectWebPreflight(
        await preflight(running.url, '/graphql', APP, 'POST', 'content-type,x-apollo-operation-name'),
        'POST',
      );
    });
  });

  describeNest12Modules("GraphQL with a policy of its own: paths: { '/graphql': 'gql' }", () => {
    let running: RunningApp;
    beforeAll(async () => {
      const options: CorsModuleOptions = {
        global: 'web',
        policies: { web: WEB, gql: { origins: [GQL_CLIENT], allowedHeaders: ['content-type'] } },
        paths: { '/graphql': 'gql' },
      };
      running = await startAppAsync(adapter, {
        imports: [CorsModule.forRoot(options), nest12.graphQLModule()],
        providers: [nest12.OrdersResolver],
        controllers: [PlainController],
      });
    });
    afterAll(() => running?.close());

    it("applies 'gql', not the global policy, to POST /graphql", async () => {
      const own = await request(running.url).post('/graphql').set('Origin', GQL_CLIENT).send({ query: ORDERS_QUERY });
      expect(own.status).toBe(200);
      expect(own.headers['access-control-allow-origin']).toBe(GQL_CLIENT);
      expect(own.headers['access-control-allow-credentials']).toBeUndefined();

      const globalOrigin = await request(running.url).post('/graphql').set('Origin', APP).send({ query: ORDERS_QUERY });
      expect(globalOrigin.status).toBe(200);
      expect(corsHeaders(globalOrigin.headers)).toEqual([]);
    });

    it("answers /graphql preflights from 'gql'", async () => {
      const own = await preflight(running.url, '/graphql', GQL_CLIENT, 'POST', 'content-type');
      expect(own.status).toBe(204);
      expect(own.headers).toMatchObject({
        'access-control-allow-origin': GQL_CLIENT,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type',
      });
      expect(own.headers['access-control-allow-credentials']).toBeUndefined();
      expectRefusedPreflight(await preflight(running.url, '/graphql', APP, 'POST', 'content-type'));
    });

    it('leaves the global policy on the routes the path does not name', async () => {
      expectWebReadable(await request(running.url).get('/plain').set('Origin', APP));
      const other = await request(running.url).get('/plain').set('Origin', GQL_CLIENT);
      expect(corsHeaders(other.headers)).toEqual([]);
    });
  });

  describeNest12Modules('@Cors() on a GraphQL resolver (not a controller)', () => {
    it('is warned about at bootstrap, naming the class', async () => {
      const logger = new CaptureLogger();
      const running = await startAppAsync(
        adapter,
        {
          imports: [CorsModule.forRoot(UNDER_GLOBAL), nest12.graphQLModule()],
          providers: [nest12.MisplacedCorsResolver],
        },
        undefined,
        { logger },
      );
      try {
        const warnings = logger.cors('warn');
        expect(warnings).toEqual(
          expect.arrayContaining([
            expect.stringMatching(
              /MisplacedCorsResolver[\s\S]*not a controller|not a controller[\s\S]*MisplacedCorsResolver/,
            ),
          ]),
        );
      } finally {
        await running.close();
      }
    });
  });

  describeNest12Modules('Swagger and static files', () => {
    let staticRoot: string;
    const startDocsApp = (options: CorsModuleOptions): Promise<RunningApp> =>
      startAppAsync(
        adapter,
        {
          imports: [CorsModule.forRoot(options), nest12.staticFilesModule(staticRoot)],
          controllers: [PlainController],
        },
        (app) => nest12.setUpSwagger(app),
      );

    beforeAll(() => {
      staticRoot = mkdtempSync(join(tmpdir(), 'nest-cors-static-'));
      writeFileSync(join(staticRoot, 'hello.txt'), 'hello');
      writeFileSync(join(staticRoot, 'index.html'), '<!doctype html><title>index</title>');
    });
    afterAll(() => rmSync(staticRoot, { recursive: true, force: true }));

    describe("under global: 'web'", () => {
      let running: RunningApp;
      beforeAll(async () => {
        running = await startDocsApp(UNDER_GLOBAL);
      });
      afterAll(() => running?.close());

      it.each([
        ['the Swagger UI page', '/docs', /text\/html/],
        ['the OpenAPI document', '/docs-json', /application\/json/],
        ['a Swagger UI asset', '/docs/swagger-ui.css', /text\/css/],
        ['the Swagger UI init script', '/docs/swagger-ui-init.js', /javascript/],
        ['a static file', '/static/hello.txt', /text\/plain/],
      ])('gives %s (%s) the global policy', async (_name, path, type) => {
        const res = await request(running.url).get(path).set('Origin', APP);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(type);
        expectWebReadable(res);
        const refused = await request(running.url).get(path).set('Origin', LOOK_ALIKE);
        expect(refused.status).toBe(200);
        expect(corsHeaders(refused.headers)).toEqual([]);
      });

      it.each(['/docs', '/docs-json', '/static/hello.txt'])(
        'answers a preflight for %s from the global policy',
        async (path) => {
          expectWebPreflight(await preflight(running.url, path, APP, 'GET', 'content-type'), 'GET');
          expectRefusedPreflight(await preflight(running.url, path, LOOK_ALIKE, 'GET', 'content-type'));
        },
      );
    });

    describe("with paths: { '/docs/*': false }", () => {
      let running: RunningApp;
      beforeAll(async () => {
        running = await startDocsApp({ ...UNDER_GLOBAL, paths: { '/docs/*': false } });
      });
      afterAll(() => running?.close());

      it.each(['/docs', '/docs/swagger-ui.css', '/docs/swagger-ui-init.js'])(
        'sends no CORS header for %s',
        async (path) => {
          const res = await request(running.url).get(path).set('Origin', APP);
          expect(res.status).toBe(200);
          expect(corsHeaders(res.headers)).toEqual([]);
        },
      );

      it('answers no preflight for /docs', async () => {
        const res = await preflight(running.url, '/docs', APP, 'GET');
        expect(res.status).not.toBe(204);
        expect(allowHeaders(res.headers)).toEqual([]);
      });

      it('keeps the global policy on /docs-json, which is beside /docs, not below it', async () => {
        const res = await request(running.url).get('/docs-json').set('Origin', APP);
        expect(res.status).toBe(200);
        expectWebReadable(res);
      });

      it('keeps the global policy on the static files', async () => {
        const res = await request(running.url).get('/static/hello.txt').set('Origin', APP);
        expect(res.status).toBe(200);
        expectWebReadable(res);
      });
    });

    describe("with paths: { '/docs/*': false, '/docs-json': false, '/static/*': false }", () => {
      let running: RunningApp;
      beforeAll(async () => {
        running = await startDocsApp({
          ...UNDER_GLOBAL,
          paths: { '/docs/*': false, '/docs-json': false, '/static/*': false },
        });
      });
      afterAll(() => running?.close());

      it.each(['/docs', '/docs-json', '/static/hello.txt'])('sends no CORS header for %s', async (path) => {
        const res = await request(running.url).get(path).set('Origin', APP);
        expect(res.status).toBe(200);
        expect(corsHeaders(res.headers)).toEqual([]);
      });
    });
  });

  describe("middleware, adapter and instance routes under global: 'web'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startAppAsync(
        adapter,
        { imports: [CorsModule.forRoot(UNDER_GLOBAL), middlewareModule(adapter)] },
        (app) => addHandRoutes(adapter, app),
      );
    });
    afterAll(() => running?.close());

    it.each([
      [
        adapter === 'express' ? 'a mount on the Express instance (/raw)' : 'a Nest middleware (/raw)',
        '/raw',
        adapter === 'express' ? 'raw' : 'middleware',
      ],
      ['a Nest middleware at a path no route serves (/mw)', '/mw', 'middleware'],
      ['a route on the instance (/inst)', '/inst', 'inst'],
      ['a route on the adapter (/adapter-route)', '/adapter-route', 'adapter'],
    ])('gives %s the global policy', async (_name, path, body) => {
      const res = await request(running.url).get(path).set('Origin', APP);
      expect(res.status).toBe(200);
      expect(res.text).toBe(body);
      expectWebReadable(res);
      const refused = await request(running.url).get(path).set('Origin', LOOK_ALIKE);
      expect(corsHeaders(refused.headers)).toEqual([]);
    });

    it.each(['/raw', '/mw', '/inst', '/adapter-route'])(
      'answers the preflight for %s from the global policy, without running the route',
      async (path) => {
        const allowed = await preflight(running.url, path, APP, 'GET', 'content-type');
        expectWebPreflight(allowed, 'GET');
        expect(allowed.text ?? '').toBe('');
        expectRefusedPreflight(await preflight(running.url, path, LOOK_ALIKE, 'GET', 'content-type'));
      },
    );

    it('lets the page read the 404 of a path nothing serves, and answers its preflight from the global policy', async () => {
      const res = await request(running.url).get('/nothing-here').set('Origin', APP);
      expect(res.status).toBe(404);
      expectWebReadable(res);
      expectWebPreflight(await preflight(running.url, '/nothing-here', APP, 'GET', 'content-type'), 'GET');
    });
  });

  describe('paths are matched against registered routes, never against request paths', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startAppAsync(
        adapter,
        {
          imports: [CorsModule.forRoot({ ...UNDER_GLOBAL, paths: { '/off/*': false, '/plain': false } })],
          controllers: [PlainController],
        },
        (app) => {
          const http = app.getHttpAdapter();
          http.get('/off/route', (_req: unknown, res: unknown) => http.reply(res, 'off', 200));
        },
      );
    });
    afterAll(() => running?.close());

    it("switches off a route registered below '/off'", async () => {
      const res = await request(running.url).get('/off/route').set('Origin', APP);
      expect(res.status).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
      const refused = await preflight(running.url, '/off/route', APP, 'GET');
      expect(refused.status).toBe(404);
      expect(allowHeaders(refused.headers)).toEqual([]);
    });

    it("does not apply to a controller's route: '/plain': false leaves PlainController under the global policy", async () => {
      expectWebReadable(await request(running.url).get('/plain').set('Origin', APP));
    });

    it("leaves a path below '/off' that no route serves to the global policy", async () => {
      const res = await request(running.url).get('/off/nothing-here').set('Origin', APP);
      expect(res.status).toBe(404);
      expectWebReadable(res);
    });
  });

  describe('@nestjs/throttler (works today)', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = NEST11
        ? await startAppAsync(adapter, {
            imports: [(await import('../support/fixtures/throttled-app.module.js')).ThrottledAppModule],
          })
        : await startChildApp(
            adapter,
            new URL('../support/fixtures/throttled-app.module.ts', import.meta.url),
            'ThrottledAppModule',
          );
    }, 30_000);
    afterAll(() => running?.close());

    it.each([
      ["@Cors('web')", '/limited'],
      ['the global policy', '/limited-global'],
    ])('answers preflights without using the quota, and the 429 carries the CORS headers (%s)', async (_name, path) => {
      for (let i = 0; i < 3; i++)
        expectWebPreflight(await preflight(running.url, path, APP, 'GET', 'content-type'), 'GET');
      for (let i = 0; i < 2; i++) {
        const ok = await request(running.url).get(path).set('Origin', APP);
        expect(ok.status).toBe(200);
        expectWebReadable(ok);
      }
      const limited = await request(running.url).get(path).set('Origin', APP);
      expect(limited.status).toBe(429);
      expectWebReadable(limited);
      // Once the quota is spent, preflights are still answered.
      expectWebPreflight(await preflight(running.url, path, APP, 'GET', 'content-type'), 'GET');
    });
  });

  describe('forRootAsync with @nestjs/config ConfigService (works today)', () => {
    @Cors('web')
    @Controller('configured')
    class ConfiguredController {
      @Get()
      get(): string {
        return 'configured';
      }
    }

    let running: RunningApp;
    beforeAll(async () => {
      running = await startAppAsync(adapter, {
        imports: [
          ConfigModule.forRoot({
            ignoreEnvFile: true,
            load: [() => ({ CORS_ORIGINS: `${APP},https://admin.example.com` })],
          }),
          CorsModule.forRootAsync({
            imports: [ConfigModule],
            inject: [ConfigService],
            useFactory: (config: ConfigService) => ({
              global: 'web',
              policies: { web: { ...WEB, origins: config.getOrThrow<string>('CORS_ORIGINS').split(',') } },
            }),
          }),
        ],
        controllers: [ConfiguredController, PlainController],
      });
    });
    afterAll(() => running?.close());

    it('builds the policies from ConfigService', async () => {
      expectWebReadable(await request(running.url).get('/configured').set('Origin', APP));
      const admin = await request(running.url).get('/configured').set('Origin', 'https://admin.example.com');
      expect(admin.headers['access-control-allow-origin']).toBe('https://admin.example.com');
      expect(corsHeaders((await request(running.url).get('/configured').set('Origin', LOOK_ALIKE)).headers)).toEqual(
        [],
      );
      expectWebPreflight(await preflight(running.url, '/configured', APP, 'GET', 'content-type'), 'GET');
    });

    it('applies the configured global policy to a controller without @Cors', async () => {
      expectWebReadable(await request(running.url).get('/plain').set('Origin', APP));
    });
  });

  describe(adapter === 'express' ? 'helmet beside it' : '@fastify/helmet beside it', () => {
    @Cors('web')
    @Controller('guarded')
    class GuardedController {
      @Get()
      get(): string {
        return 'guarded';
      }
    }

    let running: RunningApp;
    beforeAll(async () => {
      running = await startAppAsync(
        adapter,
        { imports: [CorsModule.forRoot(UNDER_GLOBAL)], controllers: [GuardedController, PlainController] },
        async (app) => {
          if (adapter === 'express') app.use(helmet());
          else await (app as unknown as { register(plugin: unknown): Promise<unknown> }).register(fastifyHelmet);
        },
      );
    });
    afterAll(() => running?.close());

    it.each(['/guarded', '/plain'])('keeps the CORS headers on %s, next to what helmet sets', async (path) => {
      const res = await request(running.url).get(path).set('Origin', APP);
      expect(res.status).toBe(200);
      expectWebReadable(res);
      // helmet's defaults: CORP same-origin. Browsers do not check CORP on CORS-mode fetches
      // (the CORS headers decide), only on no-cors loads (<img>, <script>, ...) from other origins.
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['cross-origin-embedder-policy']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    });

    it.each(['/guarded', '/plain'])(
      'answers the preflight for %s (204) with the policy, before helmet runs: no helmet headers on it',
      async (path) => {
        const res = await preflight(running.url, path, APP, 'GET', 'content-type');
        expectWebPreflight(res, 'GET');
        expect(res.headers['cross-origin-resource-policy']).toBeUndefined();
        expect(res.headers['content-security-policy']).toBeUndefined();
      },
    );
  });
});
