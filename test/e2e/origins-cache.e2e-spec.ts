import { Controller, Get, Put } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

/**
 * `originsCache` in a real app whose origin callback stands for a tenant database: it counts
 * its calls, and each test sets how it answers (after a delay, so that concurrent requests
 * overlap). Every test uses origins of its own, so no verdict kept by one reaches another.
 */

const TIMEOUT_MS = 300;
/** Most verdicts of each kind on the flood route: small, so that a flood overflows the refused ones many times. */
const FLOOD_MAX = 5;

/** The origins the callback was asked about, in order. */
const asked: string[] = [];
/** How the tenant store answers now. */
let answer: (origin: string) => Promise<boolean>;

const after = <T>(ms: number, value: T): Promise<T> =>
  new Promise<T>((resolve) => {
    setTimeout(() => resolve(value), ms).unref();
  });
const healthy = (origin: string): Promise<boolean> => after(50, origin.endsWith('.tenants.example.com'));
const down = (): Promise<boolean> =>
  new Promise<boolean>((_resolve, reject) => {
    setTimeout(() => reject(new Error('tenant store down')), 50).unref();
  });
const hangs = (): Promise<boolean> => new Promise<boolean>(() => undefined);

async function tenantStore(origin: string): Promise<boolean> {
  asked.push(origin);
  return answer(origin);
}

@Cors({ origins: tenantStore, originsCache: { ttl: 60_000 } })
@Controller('tenants')
class TenantsController {
  @Get()
  list(): { ok: true } {
    return { ok: true };
  }

  @Put()
  update(): { ok: true } {
    return { ok: true };
  }

  /** Its cache options differ, field by field over the controller's: a cache of its own. */
  @Get('flood')
  @Cors({ originsCache: { ttl: 60_000, max: FLOOD_MAX } })
  flood(): { ok: true } {
    return { ok: true };
  }
}

let origins = 0;
/** An origin no earlier test used: a tenant's (allowed) or a stranger's (refused). */
const tenant = (): string => `https://t${++origins}.tenants.example.com`;
const stranger = (): string => `https://s${++origins}.strangers.example.org`;

describe.each(ADAPTERS)('originsCache on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(adapter, {
      imports: [CorsModule.forRoot({ originCallbackTimeout: TIMEOUT_MS })],
      controllers: [TenantsController],
    });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    asked.length = 0;
    answer = healthy;
  });

  const get = (origin: string) => request(running.url).get('/tenants').set('Origin', origin);
  const preflight = (origin: string) =>
    request(running.url).options('/tenants').set('Origin', origin).set('Access-Control-Request-Method', 'PUT');

  it('asks the callback once for 50 concurrent requests and preflights from a new origin', async () => {
    const origin = tenant();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? get(origin) : preflight(origin))),
    );
    responses.forEach((res, i) => {
      expect([res.status, res.headers['access-control-allow-origin']]).toEqual([i % 2 === 0 ? 200 : 204, origin]);
    });
    expect(asked).toEqual([origin]);
    expect((await get(origin)).headers['access-control-allow-origin']).toBe(origin);
    expect(asked).toEqual([origin]);
  });

  it('keeps a refusal too: a stranger is asked about once', async () => {
    const origin = stranger();
    for (let i = 0; i < 3; i++) {
      const res = await get(origin);
      expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, undefined]);
    }
    expect(asked).toEqual([origin]);
  });

  it('keeps every allowed origin through a flood of distinct refused origins', async () => {
    const flood = (origin: string) => request(running.url).get('/tenants/flood').set('Origin', origin);
    const tenants = Array.from({ length: FLOOD_MAX }, tenant);
    for (const origin of tenants) expect((await flood(origin)).headers['access-control-allow-origin']).toBe(origin);
    const strangers = Array.from({ length: 40 * FLOOD_MAX }, stranger);
    for (let i = 0; i < strangers.length; i += 50) {
      const responses = await Promise.all(strangers.slice(i, i + 50).map(flood));
      for (const res of responses) expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(asked).toHaveLength(tenants.length + strangers.length);
    for (const origin of tenants) expect((await flood(origin)).headers['access-control-allow-origin']).toBe(origin);
    expect(asked).toHaveLength(tenants.length + strangers.length);
  });

  it.each([
    ['rejects', down],
    ['does not settle within originCallbackTimeout', hangs],
  ])(
    'denies every one of 50 concurrent requests with one call when the callback %s, and asks again next time',
    async (_fault, failing) => {
      answer = failing;
      const origin = tenant();
      const responses = await Promise.all(Array.from({ length: 50 }, () => get(origin)));
      for (const res of responses)
        expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, undefined]);
      expect(asked).toEqual([origin]);
      answer = healthy;
      expect((await get(origin)).headers['access-control-allow-origin']).toBe(origin);
      expect(asked).toEqual([origin, origin]);
    },
  );
});
