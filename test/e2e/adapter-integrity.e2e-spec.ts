import { setFlagsFromString } from 'node:v8';
import { Controller, Get, Module, type NestModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import request from 'supertest';
import { Cors, CorsAuditService, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

// V8's own verdict on an object's representation. The flag only lets code compiled after it
// use `%` functions (hence the function built from a string); nothing else in this worker
// uses them, so what it allows elsewhere changes nothing.
setFlagsFromString('--allow-natives-syntax');
// V8's natives syntax only parses in code compiled after the flag is set: hence a Function.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;

/** The adapter methods through which Nest registers routes, as the request hook wraps them. */
const ROUTE_VERBS = [
  'get',
  'post',
  'put',
  'delete',
  'patch',
  'options',
  'head',
  'all',
  'search',
  'propfind',
  'proppatch',
  'mkcol',
  'copy',
  'move',
  'lock',
  'unlock',
];

type Verb = (...args: unknown[]) => unknown;

@Cors({ origins: ['https://app.example.com'] })
@Controller('things')
class ThingsController {
  @Get()
  list(): string[] {
    return [];
  }
}

@Controller('plain')
class PlainController {
  @Get()
  list(): string[] {
    return [];
  }
}

/**
 * Another library wrapping the adapter's `get` while routes are registered, over CorsModule's
 * wrapper (its `configure()` runs after CorsModule's), and leaving its wrapper in place.
 */
@Module({})
class ForeignWrapperModule implements NestModule {
  static calls = 0;
  constructor(private readonly host: HttpAdapterHost) {}
  configure(): void {
    const adapter = this.host.httpAdapter as unknown as Record<string, Verb>;
    const inner = adapter.get;
    adapter.get = function foreignGet(this: unknown, ...args: unknown[]) {
      ForeignWrapperModule.calls++;
      return inner.apply(adapter, args);
    };
  }
}

describe.each(ADAPTERS)('the HTTP adapter after bootstrap on %s', (adapter) => {
  let withCors: RunningApp;
  let without: RunningApp;
  beforeAll(async () => {
    withCors = await startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [ThingsController] });
    without = await startApp(adapter, { controllers: [PlainController] });
  });
  afterAll(async () => {
    await withCors.close();
    await without.close();
  });

  it('keeps the adapter an object with fast properties, as an application without the module has', () => {
    // Nest calls the adapter's methods on every request: a dictionary-mode adapter (what
    // `delete` on it leaves behind) made every request of the application slower.
    expect(hasFastProperties(without.app.getHttpAdapter())).toBe(true);
    expect(hasFastProperties(withCors.app.getHttpAdapter())).toBe(true);
  });

  it("hands back every route method of the adapter's own once routes are registered", () => {
    const httpAdapter = withCors.app.getHttpAdapter() as unknown as Record<string, unknown>;
    const prototype = Object.getPrototypeOf(httpAdapter) as Record<string, unknown>;
    const verbs = ROUTE_VERBS.filter((verb) => typeof prototype[verb] === 'function');
    expect(verbs).toEqual(expect.arrayContaining(['get', 'post', 'put', 'delete', 'patch', 'options', 'head', 'all']));
    for (const verb of verbs) expect(httpAdapter[verb]).toBe(prototype[verb]);
  });

  it('still answers CORS after handing the methods back', async () => {
    const response = await request(withCors.url).get('/things').set('Origin', 'https://app.example.com').expect(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  describe('with another wrapper over its own', () => {
    let running: RunningApp;
    beforeAll(async () => {
      ForeignWrapperModule.calls = 0;
      running = await startApp(adapter, {
        imports: [CorsModule.forRoot(), ForeignWrapperModule],
        controllers: [ThingsController],
      });
    });
    afterAll(() => running.close());

    it('leaves the other wrapper in place', () => {
      const httpAdapter = running.app.getHttpAdapter() as unknown as Record<string, Verb>;
      expect(httpAdapter.get.name).toBe('foreignGet');
      // Routes went through both wrappers: the other one saw them, and CorsModule recorded them.
      expect(ForeignWrapperModule.calls).toBeGreaterThan(0);
      expect(
        running.app
          .get(CorsAuditService)
          .routes()
          .map((route) => route.path),
      ).toContain('/things');
    });

    it('still answers CORS on its routes', async () => {
      const response = await request(running.url).get('/things').set('Origin', 'https://app.example.com').expect(200);
      expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    });
  });
});
