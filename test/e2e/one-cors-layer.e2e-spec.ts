import { createRequire } from 'node:module';
import fastifyCors from '@fastify/cors';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type INestApplication,
  type NestApplicationOptions,
} from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';
import {
  Cors,
  CorsAuditService,
  CorsConfigurationError,
  CorsForeignLayerError,
  CorsModule,
  CorsMultipleImportsError,
  CorsSetupError,
  type CorsModuleOptions,
  type ForeignCorsLayerKind,
} from '../../lib/index.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

type Middleware = (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
// `cors` (a dependency of @nestjs/platform-express) and `express` ship no types.
const load = createRequire(import.meta.url);
const cors = load('cors') as (options?: object) => Middleware;
const express = load('express') as { Router(): Middleware & { use(...handlers: Middleware[]): unknown } };

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.org';

@Cors({ origins: [APP], credentials: true })
@Controller('account')
class AccountController {
  @Get()
  get(): string {
    return 'account';
  }
}

function adapterFor(adapter: AdapterName): ExpressAdapter | FastifyAdapter {
  return adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
}

/** Bootstraps as `main.ts` does: `NestFactory.create()`, which on Fastify loads plugins only at `listen()`. */
async function createAsMainDoes(adapter: AdapterName, options: NestApplicationOptions = {}): Promise<INestApplication> {
  @Module({ imports: [CorsModule.forRoot()], controllers: [AccountController] })
  class AppModule {}
  return NestFactory.create(AppModule, adapterFor(adapter), { logger: false, ...options });
}

async function refusal(start: Promise<unknown>): Promise<CorsForeignLayerError> {
  const error = await start.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CorsForeignLayerError);
  return error as CorsForeignLayerError;
}

function startPlain(
  adapter: AdapterName,
  configure?: (app: INestApplication) => void,
  options?: NestApplicationOptions,
): Promise<RunningApp> {
  return startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [AccountController] }, configure, options);
}

const NEST_CORS: Record<AdapterName, ForeignCorsLayerKind> = {
  express: 'cors_middleware',
  fastify: 'nest_enable_cors',
};

describe.each(ADAPTERS)('one CORS layer on %s', (adapter) => {
  it('refuses to start beside app.enableCors(), with a typed error naming the layer and the fix', async () => {
    const error = await refusal(startPlain(adapter, (app) => app.enableCors()));
    expect(error).toBeInstanceOf(CorsSetupError);
    expect(error.code).toBe('foreign_cors_layer');
    expect(error.layers.map((l) => l.kind)).toEqual([NEST_CORS[adapter]]);
    expect(error.message).toMatch(/^Another CORS layer is active beside CorsModule: .*app\.enableCors\(\)/);
    expect(error.message).toContain('remove `cors` from the NestFactory.create() options');
    expect(error.message).toContain('nest-cors answers CORS');
  });

  it('refuses to start with NestFactory.create(…, { cors }) options', async () => {
    const error = await refusal(startPlain(adapter, undefined, { cors: { origin: true, credentials: true } }));
    expect(error.code).toBe('foreign_cors_layer');
    expect(error.layers.map((l) => l.kind)).toEqual([NEST_CORS[adapter]]);
    expect(error.message).toContain('NestFactory.create(…, { cors })');
  });

  it('refuses app.enableCors() in a main.ts bootstrap, before the server accepts a request', async () => {
    // On Fastify, NestFactory.create() has registered middie already: Nest's @fastify/cors plugin
    // is loaded only by listen()'s ready(), after every bootstrap hook.
    const app = await createAsMainDoes(adapter);
    app.enableCors();
    try {
      const error = await refusal(app.listen(0, '127.0.0.1'));
      expect(error.layers.map((l) => l.kind)).toEqual([NEST_CORS[adapter]]);
      expect((app.getHttpServer() as { listening: boolean }).listening).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('refuses { cors: true } in a main.ts bootstrap, before the server accepts a request', async () => {
    const app = await createAsMainDoes(adapter, { cors: true });
    try {
      await refusal(app.listen(0, '127.0.0.1'));
      expect((app.getHttpServer() as { listening: boolean }).listening).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('refuses app.enableCors() called after app.init(), at listen()', async () => {
    const app = await createAsMainDoes(adapter);
    await app.init();
    app.enableCors();
    try {
      const error = await refusal(app.listen(0, '127.0.0.1'));
      expect(error.layers.map((l) => l.kind)).toEqual([NEST_CORS[adapter]]);
      expect((app.getHttpServer() as { listening: boolean }).listening).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('starts a plain app without complaint, and its policy alone answers', async () => {
    const logger = new CaptureLogger();
    const running = await startPlain(adapter, (app) => app.useLogger(logger));
    try {
      const allowed = await request(running.url).get('/account').set('Origin', APP);
      expect(allowed.headers['access-control-allow-origin']).toBe(APP);
      const refused = await request(running.url).get('/account').set('Origin', EVIL);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await request(running.url)
        .options('/account')
        .set('Origin', EVIL)
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.status).toBe(403);
    } finally {
      await running.close();
    }
    expect([...logger.cors('error'), ...logger.cors('warn')]).toEqual([]);
  });

  it('starts a plain app built as main.ts does, listening', async () => {
    const app = await createAsMainDoes(adapter);
    try {
      await app.listen(0, '127.0.0.1');
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
      expect((await request(url).get('/account').set('Origin', APP)).headers['access-control-allow-origin']).toBe(APP);
    } finally {
      await app.close();
    }
  });

  it('leaves the controllers as they were when it refuses: the next application starts clean', async () => {
    // enforce: true attaches the guard to AccountController.get through its metadata.
    await refusal(
      startApp(adapter, { imports: [CorsModule.forRoot({ enforce: true })], controllers: [AccountController] }, (app) =>
        app.enableCors(),
      ),
    );
    const running = await startPlain(adapter);
    try {
      // Without enforce nothing refuses the request; a guard left over from the refused app would.
      const res = await request(running.url).get('/account').set('Origin', EVIL);
      expect(res.status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('lets an intended other layer through with allowOtherCorsLayers: true, saying so once', async () => {
    const logger = new CaptureLogger();
    const options = { allowOtherCorsLayers: true } as CorsModuleOptions;
    const running = await startApp(
      adapter,
      { imports: [CorsModule.forRoot(options)], controllers: [AccountController] },
      (app) => {
        app.useLogger(logger);
        app.enableCors();
      },
    );
    await running.close();
    expect(logger.cors('log')).toEqual([
      expect.stringMatching(
        /^Another CORS layer answers beside CorsModule \(allowOtherCorsLayers: true\): .*app\.enableCors\(\)/,
      ),
    ]);
  });
});

describe('one CORS layer on express: the cors middleware', () => {
  it('refuses app.use(cors()), naming the middleware', async () => {
    const error = await refusal(startPlain('express', (app) => app.use(cors())));
    expect(error.layers).toEqual([
      { kind: 'cors_middleware', description: expect.stringContaining('app.use(cors())') },
    ]);
  });

  it('refuses the cors middleware in a router mounted on a path', async () => {
    const router = express.Router();
    router.use(cors({ origin: true, credentials: true }));
    const error = await refusal(startPlain('express', (app) => app.use('/legacy', router)));
    expect(error.layers.map((l) => l.kind)).toEqual(['cors_middleware']);
  });

  it('counts the layers when there are several', async () => {
    const error = await refusal(
      startPlain('express', (app) => {
        app.enableCors();
        app.use(cors());
      }),
    );
    expect(error.message).toContain('2 `cors` middleware layers');
  });
});

describe('one CORS layer on fastify: @fastify/cors', () => {
  it('refuses @fastify/cors registered on the Fastify instance', async () => {
    const error = await refusal(
      startPlain(
        'fastify',
        (app) =>
          void (app.getHttpAdapter().getInstance() as { register(plugin: unknown): unknown }).register(fastifyCors),
      ),
    );
    expect(error.code).toBe('foreign_cors_layer');
    expect(error.layers).toEqual([
      {
        kind: 'fastify_cors',
        description: expect.stringContaining('@fastify/cors registered on the Fastify instance'),
      },
    ]);
  });

  it('refuses @fastify/cors registered on the instance in a main.ts bootstrap, loaded only at listen()', async () => {
    const app = await createAsMainDoes('fastify');
    void (app.getHttpAdapter().getInstance() as { register(plugin: unknown, options: object): unknown }).register(
      fastifyCors,
      { origin: true, credentials: true },
    );
    try {
      const error = await refusal(app.listen(0, '127.0.0.1'));
      expect(error.layers.map((l) => l.kind)).toEqual(['fastify_cors']);
      expect((app.getHttpServer() as { listening: boolean }).listening).toBe(false);
    } finally {
      await app.close();
    }
  });

  it("refuses app.enableCors({ hook: 'preHandler' }), which registers @fastify/cors itself", async () => {
    const error = await refusal(startPlain('fastify', (app) => app.enableCors({ hook: 'preHandler' })));
    expect(error.layers.map((l) => l.kind)).toEqual(['fastify_cors']);
  });
});

// --- One import ------------------------------------------------------------------------------

const PARTNER_OPTIONS = (): CorsModuleOptions => ({
  policies: { partner: { origins: [APP], credentials: true, maxAge: 600 } },
});

@Cors('partner')
@Controller('partners/orders')
class PartnerOrdersController {
  @Get()
  list(): string[] {
    return [];
  }
}

@Injectable()
class ReportsService {
  constructor(readonly audit: CorsAuditService) {}
}

function corsModuleCount(app: INestApplication): number {
  return [...app.get(ModulesContainer).values()].filter((module) => module.metatype === CorsModule).length;
}

async function expectOnePreflightAnswer(url: string): Promise<void> {
  const res = await request(url)
    .options('/partners/orders')
    .set('Origin', APP)
    .set('Access-Control-Request-Method', 'GET');
  expect(res.status).toBe(204);
  expect(res.headers['access-control-allow-origin']).toBe(APP);
  expect(res.headers['access-control-allow-credentials']).toBe('true');
  expect(res.headers['access-control-max-age']).toBe('600');
  // One hook answered: each Vary value once, no header written twice.
  expect(res.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
}

describe.each(ADAPTERS)('one import on %s', (adapter) => {
  async function start(
    imports: NonNullable<Parameters<typeof startApp>[1]['imports']>,
  ): Promise<{ running: RunningApp; logger: CaptureLogger }> {
    const logger = new CaptureLogger();
    const running = await startApp(adapter, { imports }, (app) => app.useLogger(logger));
    return { running, logger };
  }

  it('a feature module importing CorsModule.forRoot() with equal options shares the root import: boots cleanly and answers each preflight once', async () => {
    @Module({
      imports: [CorsModule.forRoot(PARTNER_OPTIONS())],
      controllers: [PartnerOrdersController],
      providers: [ReportsService],
    })
    class PartnersModule {}
    const { running, logger } = await start([CorsModule.forRoot(PARTNER_OPTIONS()), PartnersModule]);
    try {
      expect(corsModuleCount(running.app)).toBe(1);
      await expectOnePreflightAnswer(running.url);
      // Every consumer gets the one audit service, which sees the routes.
      const audit = running.app.get(CorsAuditService);
      expect(running.app.get(ReportsService).audit).toBe(audit);
      expect(audit.formatTable()).toContain('PartnerOrdersController.list');
    } finally {
      await running.close();
    }
    expect([...logger.cors('error'), ...logger.cors('warn')]).toEqual([]);
  });

  it('the same options object imported by two modules is one import', async () => {
    const options = PARTNER_OPTIONS();
    @Module({ imports: [CorsModule.forRoot(options)], controllers: [PartnerOrdersController] })
    class PartnersModule {}
    const { running, logger } = await start([PartnersModule, CorsModule.forRoot(options)]);
    try {
      expect(corsModuleCount(running.app)).toBe(1);
      await expectOnePreflightAnswer(running.url);
    } finally {
      await running.close();
    }
    expect([...logger.cors('error'), ...logger.cors('warn')]).toEqual([]);
  });

  it('forRootAsync() with the same factory imported by two modules is one import', async () => {
    const async = { useFactory: PARTNER_OPTIONS };
    @Module({ imports: [CorsModule.forRootAsync({ ...async })], controllers: [PartnerOrdersController] })
    class PartnersModule {}
    const { running, logger } = await start([CorsModule.forRootAsync({ ...async }), PartnersModule]);
    try {
      expect(corsModuleCount(running.app)).toBe(1);
      await expectOnePreflightAnswer(running.url);
    } finally {
      await running.close();
    }
    expect([...logger.cors('error'), ...logger.cors('warn')]).toEqual([]);
  });

  it('a feature module importing CorsModule.forRoot() with its own policies is refused: import it once, in the root module', async () => {
    @Module({ imports: [CorsModule.forRoot(PARTNER_OPTIONS())], controllers: [PartnerOrdersController] })
    class PartnersModule {}
    const error = await startApp(adapter, {
      imports: [CorsModule.forRoot({ policies: { public: { origins: '*' } } }), PartnersModule],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorsMultipleImportsError);
    expect(error).toBeInstanceOf(CorsSetupError);
    expect(error).not.toBeInstanceOf(CorsConfigurationError); // not "unknown policy name 'partner'"
    const multiple = error as CorsMultipleImportsError;
    expect(multiple.code).toBe('multiple_imports');
    expect(multiple.count).toBe(2);
    expect(multiple.importedBy).toEqual(['RootTestModule', 'PartnersModule']);
    expect(multiple.difference).toBe('policies.public');
    expect(multiple.message).toMatch(
      /^CorsModule is imported 2 times \(by RootTestModule, PartnersModule\), with different options \(they differ at `policies\.public`\)\./,
    );
    expect(multiple.message).toContain('once, in the root module');
  });

  it('a module built by a dynamic module that imports CorsModule with other options is named too', async () => {
    @Module({})
    class PartnersModule {
      static register() {
        return { module: PartnersModule, imports: [CorsModule.forRoot({ debug: true })] };
      }
    }
    const error = await startApp(adapter, { imports: [CorsModule.forRoot(), PartnersModule.register()] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorsMultipleImportsError);
    expect((error as CorsMultipleImportsError).importedBy).toEqual(['RootTestModule', 'PartnersModule']);
    expect((error as CorsMultipleImportsError).difference).toBe('debug');
  });

  it('forRootAsync() imported twice with different factories is refused, even when they build equal options', async () => {
    @Module({
      imports: [CorsModule.forRootAsync({ useFactory: () => PARTNER_OPTIONS() })],
      controllers: [PartnerOrdersController],
    })
    class PartnersModule {}
    const error = await startApp(adapter, {
      imports: [CorsModule.forRootAsync({ useFactory: () => PARTNER_OPTIONS() }), PartnersModule],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorsMultipleImportsError);
    expect((error as CorsMultipleImportsError).difference).toBeUndefined();
    expect((error as Error).message).toContain('as separate configurations (forRootAsync() with different factories)');
  });
});
