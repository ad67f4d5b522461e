import { Module, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  createFastifyExchange,
  type FastifyLikeInstance,
  type HttpExchange,
} from '../../lib/adapters/http-exchange.js';
import { CORS_RESPONSE_HEADERS } from '../../lib/policy/response-headers.js';
import type { RouteHandling } from '../../lib/routing/route-target.js';
import { startApp, type RunningApp } from '../support/test-app.js';

/**
 * Where the Fastify exchange puts a response's CORS headers, and how it takes them back or
 * carries them onto the Node response, on a real Fastify instance (the one Nest's adapter
 * creates) over real HTTP: the contract the request hook, the guard and the adapter's `end()`
 * rely on.
 */

const ORDINARY: RouteHandling = { guarded: false, respondsDirectly: false };
const ORIGIN = 'https://app.example.com';

interface Reply {
  raw: { end(body: string): void; hasHeader(name: string): boolean };
  send(body: string): void;
}
type Route = (exchange: HttpExchange, reply: Reply) => void;

@Module({})
class EmptyModule {}

type Instance = FastifyLikeInstance & {
  get(path: string, handler: (req: unknown, reply: Reply) => void): void;
  decorate(name: string, value: unknown): void;
};

function addRoutes(app: INestApplication, routes: Record<string, Route>): Instance {
  const instance = app.getHttpAdapter().getInstance() as Instance;
  const exchange = createFastifyExchange(instance);
  for (const [path, route] of Object.entries(routes)) instance.get(path, (_req, reply) => route(exchange, reply));
  return instance;
}

async function appWith(routes: Record<string, Route>, withMiddleware = false): Promise<RunningApp> {
  return startApp('fastify', { imports: [EmptyModule] }, (app) => {
    if (withMiddleware) app.use((_req: unknown, _res: unknown, next: () => void) => next());
    addRoutes(app, routes);
  });
}

/** Nest's adapter without `@fastify/middie` (`skipMiddie`), `prepare` run before init. */
async function appWithoutMiddie(
  routes: Record<string, Route>,
  prepare: (instance: Instance) => void,
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({ imports: [EmptyModule] }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter({ skipMiddie: true }), { logger: false });
  prepare(addRoutes(app, routes));
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

/** Where an ordinary route's headers went: `true` when on the Node response. */
const placement: Route = (exchange, reply) => {
  exchange.sinkOf(reply, false, ORDINARY).setHeader('access-control-allow-origin', ORIGIN);
  reply.send(String(reply.raw.hasHeader('access-control-allow-origin')));
};

describe('the Fastify exchange', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await appWith({
      '/reply': placement,
      '/direct': (exchange, reply) => {
        exchange
          .sinkOf(reply, false, { guarded: false, respondsDirectly: true })
          .setHeader('access-control-allow-origin', ORIGIN);
        reply.raw.end(String(reply.raw.hasHeader('access-control-allow-origin')));
      },
      '/removed': (exchange, reply) => {
        exchange.sinkOf(reply, false, ORDINARY).setHeader('access-control-allow-origin', ORIGIN);
        exchange
          .sinkOf(reply, false, { guarded: false, respondsDirectly: true })
          .setHeader('access-control-allow-credentials', 'true');
        exchange.removeHeaders(reply, CORS_RESPONSE_HEADERS);
        reply.send('removed');
      },
      '/kept': (exchange, reply) => {
        const sink = exchange.sinkOf(reply, false, ORDINARY);
        sink.setHeader('vary', 'Origin');
        sink.setHeader('access-control-allow-origin', ORIGIN);
        exchange.keepHeadersOnNodeResponse!(reply);
        reply.raw.end('kept');
      },
    });
  });
  afterAll(() => running.close());

  it("puts an ordinary route's headers in the reply, where Fastify sends them", async () => {
    const res = await request(running.url).get('/reply');
    expect(res.text).toBe('false');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('puts the headers of a route that responds directly on the Node response', async () => {
    const res = await request(running.url).get('/direct');
    expect(res.text).toBe('true');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('takes headers back from both places', async () => {
    const res = await request(running.url).get('/removed');
    expect(res.text).toBe('removed');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('carries the reply’s CORS headers onto a Node response written around the reply', async () => {
    const res = await request(running.url).get('/kept');
    expect(res.text).toBe('kept');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers.vary).toBe('Origin');
  });

  it('puts every header on the Node response once the application has middleware', async () => {
    const withMiddleware = await appWith({ '/reply': placement }, true);
    try {
      expect((await request(withMiddleware.url).get('/reply')).text).toBe('true');
    } finally {
      await withMiddleware.close();
    }
  });

  it('uses the reply in an application without middie, so without middleware', async () => {
    const app = await appWithoutMiddie({ '/reply': placement }, () => undefined);
    try {
      expect((await request(app.url).get('/reply')).text).toBe('false');
    } finally {
      await app.close();
    }
  });

  it('counts a use() decorator it does not know (another middleware plugin) as middleware', async () => {
    const app = await appWithoutMiddie({ '/reply': placement }, (instance) =>
      instance.decorate('use', () => undefined),
    );
    try {
      expect((await request(app.url).get('/reply')).text).toBe('true');
    } finally {
      await app.close();
    }
  });
});
