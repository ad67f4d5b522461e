import { Controller, Get, Injectable, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsAuditService, CorsModule } from '../../lib/index.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

const GLOBAL = 'https://global.example.com';
const RAW = 'https://raw.example.com';
const STRICT = 'https://strict.example.com';

@Controller('items')
class ItemsController {
  @Get(':id')
  @Cors({ origins: [STRICT] })
  get(): string {
    return 'item';
  }

  @Get()
  @Cors(false)
  list(): string {
    return 'list';
  }

  @Get('plain/one')
  plain(): string {
    return 'plain';
  }
}

/** A provider that is not a controller: `@Cors()` cannot reach it. */
@Cors({ origins: [STRICT] })
@Injectable()
class ResolverLike {
  orders(): string[] {
    return [];
  }
}

type Handler = (request: unknown, response: { end?(body: string): void; send?(body: string): void }) => void;
const answer =
  (body: string): Handler =>
  (_request, response) =>
    response.send ? response.send(body) : response.end!(body);

/** Routes and middleware added beside Nest, before `init()`, the ways apps and other modules do. */
function addForeignRoutes(adapter: AdapterName, app: INestApplication): void {
  const instance = app.getHttpAdapter().getInstance() as {
    use(path: string, fn: Handler): void;
    get(path: string, fn: Handler): void;
  };
  if (adapter === 'express')
    instance.use('/raw', answer('raw')); // a mount only a middleware answers
  else instance.get('/raw', answer('raw'));
  instance.get('/instance-route', answer('instance'));
  (app.getHttpAdapter() as unknown as { get(path: string, fn: Handler): void }).get(
    '/adapter-route',
    answer('adapter'),
  );
}

async function corsOf(
  running: RunningApp,
  path: string,
  origin: string,
): Promise<[number, string | undefined, number, string | undefined]> {
  const api = request(running.url);
  const actual = await api.get(path).set('Origin', origin);
  const preflight = await api.options(path).set('Origin', origin).set('Access-Control-Request-Method', 'GET');
  return [
    actual.status,
    actual.headers['access-control-allow-origin'],
    preflight.status,
    preflight.headers['access-control-allow-origin'],
  ];
}

describe.each(ADAPTERS)('global and paths on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(
      adapter,
      {
        imports: [
          CorsModule.forRoot({
            global: { origins: [GLOBAL] },
            paths: { '/raw': { origins: [RAW] }, '/instance-route': false },
          }),
        ],
        controllers: [ItemsController],
      },
      (app) => addForeignRoutes(adapter, app),
    );
  });
  afterAll(() => running.close());

  it('gives a route a middleware or the instance serves its path policy, actual request and preflight', async () => {
    expect(await corsOf(running, '/raw', RAW)).toEqual([200, RAW, 204, RAW]);
  });

  it('switches CORS off for a route whose path policy is false', async () => {
    expect(await corsOf(running, '/instance-route', GLOBAL)).toEqual([200, undefined, 404, undefined]);
  });

  it('gives a route added on the adapter before init the global policy', async () => {
    expect(await corsOf(running, '/adapter-route', GLOBAL)).toEqual([200, GLOBAL, 204, GLOBAL]);
  });

  it('gives a path no route serves the global policy, its 404 included', async () => {
    expect(await corsOf(running, '/nowhere', GLOBAL)).toEqual([404, GLOBAL, 204, GLOBAL]);
  });

  it("keeps a controller's own policy and its @Cors(false) under global", async () => {
    expect(await corsOf(running, '/items/1', STRICT)).toEqual([200, STRICT, 204, STRICT]);
    expect(await corsOf(running, '/items/1', GLOBAL)).toEqual([200, undefined, 403, undefined]);
    expect(await corsOf(running, '/items', GLOBAL)).toEqual([200, undefined, 404, undefined]);
  });

  it('explains a route beside Nest and an unrouted path as the router sees them', async () => {
    const audit = running.app.get(CorsAuditService);
    const raw = await audit.explain({ method: 'GET', path: '/raw', headers: { Origin: RAW } });
    expect([raw.decision, raw.route?.handler, raw.headers['access-control-allow-origin']]).toEqual([
      'allowed',
      "paths['/raw']",
      RAW,
    ]);
    const off = await audit.explain({ method: 'GET', path: '/instance-route', headers: { Origin: GLOBAL } });
    expect([off.decision, off.reason]).toEqual(['not-applicable', 'no_policy']);
    const nowhere = await audit.explain({
      method: 'OPTIONS',
      path: '/nowhere',
      headers: { Origin: GLOBAL, 'Access-Control-Request-Method': 'GET' },
    });
    expect([nowhere.decision, nowhere.route?.handler, nowhere.status]).toEqual(['allowed', 'global', 204]);
    // Fastify tells of routes as they are added (`onRoute`): these came before the module was.
    const listed = adapter === 'express' ? ["paths['/raw']", 'global'] : [];
    expect(audit.routes().map((route) => route.handler)).toEqual(expect.arrayContaining(listed));
  });

  it('gives a controller route without @Cors the global policy', async () => {
    expect(await corsOf(running, '/items/plain/one', GLOBAL)).toEqual([200, GLOBAL, 204, GLOBAL]);
  });
});

describe.each(ADAPTERS)('without global, on %s', (adapter) => {
  it('leaves routes beside Nest and paths no route serves without CORS headers', async () => {
    const running = await startApp(
      adapter,
      { imports: [CorsModule.forRoot()], controllers: [ItemsController] },
      (app) => addForeignRoutes(adapter, app),
    );
    try {
      for (const path of ['/raw', '/adapter-route', '/nowhere']) {
        const [, actual, , preflight] = await corsOf(running, path, GLOBAL);
        expect([path, actual, preflight]).toEqual([path, undefined, undefined]);
      }
      expect(await corsOf(running, '/items/1', STRICT)).toEqual([200, STRICT, 204, STRICT]);
    } finally {
      await running.close();
    }
  });

  it('warns at bootstrap of @Cors() on a provider that is not a controller', async () => {
    const logger = new CaptureLogger();
    const running = await startApp(
      adapter,
      { imports: [CorsModule.forRoot()], providers: [ResolverLike] },
      () => undefined,
      { logger },
    );
    try {
      const warnings = logger.lines.filter((line) => line.level === 'warn').map((line) => line.message);
      expect(warnings).toEqual([
        expect.stringMatching(/^@Cors\(\) on ResolverLike, which is not a controller, has no effect/),
      ]);
    } finally {
      await running.close();
    }
  });
});

describe('path policies are validated at bootstrap', () => {
  it.each([['docs/*'], ['/docs/*/more'], ['/a*']])('refuses the paths key %s', async (key) => {
    await expect(
      startApp('express', { imports: [CorsModule.forRoot({ paths: { [key]: { origins: [GLOBAL] } } })] }),
    ).rejects.toThrow(/paths\['.*'\]: must be a registered path starting with '\/'/);
  });
});
