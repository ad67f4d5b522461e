import {
  All,
  Controller,
  Delete,
  Get,
  Injectable,
  Module,
  Post,
  UnauthorizedException,
  type ModuleMetadata,
  type Type,
  Version,
  VersioningType,
  type CanActivate,
  type ExecutionContext,
  type NestApplicationOptions,
} from '@nestjs/common';
import { APP_GUARD, RouterModule } from '@nestjs/core';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

/** Counts handler runs, to prove that preflights never reach a handler. */
const calls: string[] = [];

/** The app's own global auth guard: everything without a token is 401. Preflights never carry one. */
@Injectable()
class AppAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (req.headers.authorization === undefined) throw new UnauthorizedException();
    return true;
  }
}

@Cors({ origins: ['https://a.test'], credentials: true, maxAge: 600 })
@Controller('items')
class ItemsController {
  @Get(':id')
  get(): string {
    calls.push('get');
    return 'item';
  }

  @Delete(':id')
  @Cors({ origins: ['https://b.test'], allowedHeaders: ['Authorization'] })
  remove(): void {
    calls.push('remove');
  }

  @Get('v/:id')
  @Version('2')
  versioned(): string {
    return 'v2';
  }

  @All('any/thing')
  any(): string {
    calls.push('any');
    return 'any';
  }

  @Post('plain')
  @Cors(false)
  plain(): string {
    calls.push('plain');
    return 'plain';
  }
}

/** Wildcard syntax differs: Express 5 names its wildcards, Fastify's router does not. */
function filesController(adapter: AdapterName): Type {
  @Cors({ origins: ['https://a.test'] })
  @Controller('files')
  class FilesController {
    @Get(adapter === 'express' ? '*path' : '*')
    file(): string {
      return 'file';
    }
  }
  return FilesController;
}

@Cors({ origins: '*' })
@Controller('health')
class HealthController {
  @Get()
  health(): string {
    return 'ok';
  }
}

@Cors({ origins: ['https://c.test'] })
@Controller('sub')
class SubController {
  @Get(':id')
  sub(): string {
    calls.push('sub');
    return 'sub';
  }
}

@Module({ controllers: [SubController] })
class AdminModule {}

function routingModule(adapter: AdapterName): ModuleMetadata {
  return {
    imports: [CorsModule.forRoot(), AdminModule, RouterModule.register([{ path: 'admin', module: AdminModule }])],
    controllers: [ItemsController, HealthController, filesController(adapter)],
    providers: [{ provide: APP_GUARD, useClass: AppAuthGuard }],
  };
}

describe.each(ADAPTERS)('preflight routing on %s', (adapter) => {
  let running: RunningApp;
  let api: ReturnType<typeof request>;
  beforeAll(async () => {
    running = await startApp(adapter, routingModule(adapter), (app) => {
      app.setGlobalPrefix('api', { exclude: ['health'] });
      app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
    });
    api = request(running.url);
  });
  afterAll(() => running.close());
  beforeEach(() => {
    calls.length = 0;
  });

  const preflight = (path: string, origin: string, method: string) =>
    api.options(path).set('Origin', origin).set('Access-Control-Request-Method', method);

  it('answers with the policy of the handler the requested method reaches', async () => {
    const del = await preflight('/api/v1/items/7', 'https://b.test', 'DELETE').set(
      'Access-Control-Request-Headers',
      'authorization',
    );
    expect(del.status).toBe(204);
    expect(del.headers['access-control-allow-origin']).toBe('https://b.test');
    expect(del.headers['access-control-allow-headers']).toBe('Authorization');
    const get = await preflight('/api/v1/items/7', 'https://a.test', 'GET');
    expect(get.status).toBe(204);
    expect(get.headers['access-control-allow-credentials']).toBe('true');
  });

  it('refuses a preflight for DELETE from the origin of the GET handler', async () => {
    const res = await preflight('/api/v1/items/7', 'https://a.test', 'DELETE');
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("answers preflights although the app's own global guard rejects requests without a token", async () => {
    const res = await preflight('/api/v1/items/7', 'https://a.test', 'GET');
    expect(res.status).toBe(204);
    expect(calls).toEqual([]);
  });

  it('never runs a handler for a preflight', async () => {
    await preflight('/api/v1/items/7', 'https://b.test', 'DELETE');
    await preflight('/api/v1/items/any/thing', 'https://a.test', 'PUT');
    await preflight('/api/v1/admin/sub/1', 'https://c.test', 'GET');
    expect(calls).toEqual([]);
  });

  it("carries the CORS headers on the app guard's 401", async () => {
    const res = await api.delete('/api/v1/items/7').set('Origin', 'https://b.test');
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe('https://b.test');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('resolves a method-level URI version', async () => {
    expect((await preflight('/api/v2/items/v/3', 'https://a.test', 'GET')).status).toBe(204);
    expect((await preflight('/api/v1/items/v/3', 'https://a.test', 'GET')).status).toBe(404);
  });

  it('resolves a path excluded from the global prefix', async () => {
    const res = await preflight('/v1/health', 'https://anyone.test', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('resolves a RouterModule path with a parameter', async () => {
    const res = await preflight('/api/v1/admin/sub/9', 'https://c.test', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://c.test');
  });

  it('resolves an @All() route for any method', async () => {
    const res = await preflight('/api/v1/items/any/thing', 'https://a.test', 'PATCH');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-methods']).toBe('PATCH');
  });

  it('resolves a wildcard route', async () => {
    const res = await preflight('/api/v1/files/a/b.txt', 'https://a.test', 'GET');
    expect(res.status).toBe(204);
  });

  it('ignores the query string', async () => {
    expect((await preflight('/api/v1/items/7?x=1', 'https://a.test', 'GET')).status).toBe(204);
  });

  it('lets a HEAD preflight reach the GET handler', async () => {
    const res = await preflight('/api/v1/items/7', 'https://a.test', 'HEAD');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-methods']).toBe('HEAD');
  });

  it('leaves a preflight for a route without a policy to Nest (404)', async () => {
    const res = await preflight('/api/v1/items/plain', 'https://a.test', 'POST');
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('leaves a preflight for an unknown path to Nest (404)', async () => {
    const res = await preflight('/api/v1/nope', 'https://a.test', 'GET');
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('treats OPTIONS with Access-Control-Request-Method but no Origin as a plain OPTIONS request', async () => {
    const res = await api.options('/api/v1/items/7').set('Access-Control-Request-Method', 'GET');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.status).toBe(404);
  });
});

/** A parameter route declared before a static one it also matches. */
@Controller('shadow')
class ShadowController {
  @Get(':id')
  @Cors({ origins: ['https://a.test'] })
  byId(): string {
    return 'by-id';
  }

  @Get('special')
  @Cors({ origins: ['https://b.test'] })
  special(): string {
    return 'special';
  }
}

describe.each(ADAPTERS)('routes that match the same path on %s', (adapter) => {
  let running: RunningApp;
  let api: ReturnType<typeof request>;
  beforeAll(async () => {
    running = await startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [ShadowController] });
    api = request(running.url);
  });
  afterAll(() => running.close());

  // Express serves the first registered route a path matches; Fastify the most specific one.
  const served =
    adapter === 'express'
      ? { body: 'by-id', origin: 'https://a.test', other: 'https://b.test' }
      : { body: 'special', origin: 'https://b.test', other: 'https://a.test' };

  it(`serves /shadow/special from the ${adapter === 'express' ? 'first registered' : 'most specific'} handler`, async () => {
    expect((await api.get('/shadow/special')).text).toBe(served.body);
  });

  it('answers a preflight with the policy of the handler the adapter really serves', async () => {
    const allowed = await api
      .options('/shadow/special')
      .set('Origin', served.origin)
      .set('Access-Control-Request-Method', 'GET');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(served.origin);
    const refused = await api
      .options('/shadow/special')
      .set('Origin', served.other)
      .set('Access-Control-Request-Method', 'GET');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('decorates the actual response with the policy of the handler that wrote it', async () => {
    const allowed = await api.get('/shadow/special').set('Origin', served.origin);
    expect(allowed.text).toBe(served.body);
    expect(allowed.headers['access-control-allow-origin']).toBe(served.origin);
    const refused = await api.get('/shadow/special').set('Origin', served.other);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('still reaches the parameter route for other paths', async () => {
    const res = await api.get('/shadow/7').set('Origin', 'https://a.test');
    expect(res.text).toBe('by-id');
    expect(res.headers['access-control-allow-origin']).toBe('https://a.test');
  });
});

/** Nest 12 can register routes by specificity (`routeResolutionStrategy`); Nest 11 cannot. */
const specificityOption: NestApplicationOptions = { routeResolutionStrategy: 'specificity' };

describe('routes registered by specificity on express', () => {
  let running: RunningApp;
  let api: ReturnType<typeof request>;
  beforeAll(async () => {
    running = await startApp(
      'express',
      { imports: [CorsModule.forRoot()], controllers: [ShadowController] },
      undefined,
      specificityOption,
    );
    api = request(running.url);
  });
  afterAll(() => running.close());

  it('gives /shadow/special the policy of whichever handler Express was handed first', async () => {
    const served = (await api.get('/shadow/special').set('Origin', 'https://b.test')).text;
    // Nest 12 registers 'special' first under this strategy; Nest 11 ignores the option.
    expect(served).toBe(process.env.NEST_MAJOR === '11' ? 'by-id' : 'special');
    const origin = served === 'special' ? 'https://b.test' : 'https://a.test';
    const preflight = await api
      .options('/shadow/special')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect((await api.get('/shadow/special').set('Origin', origin)).headers['access-control-allow-origin']).toBe(
      origin,
    );
  });
});
