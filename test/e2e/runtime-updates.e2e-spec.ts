import { Controller, Delete, Get, Post, Put } from '@nestjs/common';
import request from 'supertest';
import {
  Cors,
  CorsAuditService,
  CorsConfigurationError,
  CorsModule,
  CorsPolicyService,
  type CorsModuleOptions,
  type CorsPolicy,
} from '../../lib/index.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

/**
 * Named policies changed while the app serves (`CorsPolicyService`): validated as at bootstrap,
 * swapped for every route that uses them at once, refused whole when wrong, and never seen half
 * applied, not even by a request that was already waiting for an origin callback.
 */

const A = 'https://a.example.com';
const B = 'https://b.example.com';
const WEB = 'https://web.example.com';

/** Two versions of one policy that differ in every field a response shows. */
const VERSION_A: CorsPolicy = {
  origins: [A],
  exposedHeaders: ['X-Version-A'],
  maxAge: 100,
  methods: ['GET', 'POST', 'PUT'],
};
const VERSION_B: CorsPolicy = {
  origins: [B],
  exposedHeaders: ['X-Version-B'],
  maxAge: 200,
  methods: ['GET', 'POST', 'DELETE'],
  credentials: true,
};

/** The gate the `slow` policy's callback waits on, opened by the test. */
let openGate: ((allowed: boolean) => void) | undefined;
const gate = (): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    openGate = resolve;
  });

@Controller('partners')
@Cors('partners')
class PartnersController {
  @Get()
  list(): { ok: true } {
    return { ok: true };
  }

  /** Overrides one field: keeps it across updates, takes every other from the new policy. */
  @Post()
  @Cors({ maxAge: 5 })
  create(): { ok: true } {
    return { ok: true };
  }

  @Put()
  put(): { ok: true } {
    return { ok: true };
  }

  @Delete()
  remove(): { ok: true } {
    return { ok: true };
  }
}

@Controller('web')
@Cors('web')
class WebController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

@Controller('slow')
@Cors('slow')
class SlowController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

const options = (extra: Partial<CorsModuleOptions> = {}): CorsModuleOptions => ({
  policies: {
    partners: VERSION_A,
    web: { origins: [WEB] },
    slow: { origins: gate, exposedHeaders: ['X-Slow-Old'] },
  },
  originCallbackTimeout: 5_000,
  ...extra,
});

describe.each(ADAPTERS)('runtime policy updates (%s)', (adapter) => {
  let running: RunningApp;
  let policies: CorsPolicyService;
  let logger: CaptureLogger;

  beforeEach(async () => {
    logger = new CaptureLogger();
    running = await startApp(
      adapter,
      { imports: [CorsModule.forRoot(options())], controllers: [PartnersController, WebController, SlowController] },
      (app) => app.useLogger(logger),
    );
    policies = running.app.get(CorsPolicyService);
  });
  afterEach(() => running.close());

  const preflight = (path: string, origin: string, method: string) =>
    request(running.url).options(path).set('Origin', origin).set('Access-Control-Request-Method', method);

  it('applies an update to every route of the policy, keeping handler overrides', async () => {
    expect((await request(running.url).get('/partners').set('Origin', B)).headers).not.toHaveProperty(
      'access-control-allow-origin',
    );

    policies.update('partners', { origins: [B] });

    const list = await request(running.url).get('/partners').set('Origin', B).expect(200);
    expect(list.headers['access-control-allow-origin']).toBe(B);
    expect(list.headers['access-control-expose-headers']).toBe('X-Version-A');
    const old = await request(running.url).get('/partners').set('Origin', A).expect(200);
    expect(old.headers).not.toHaveProperty('access-control-allow-origin');
    const create = await preflight('/partners', B, 'POST').expect(204);
    expect(create.headers['access-control-max-age']).toBe('5');
    expect((await preflight('/web', WEB, 'GET').expect(204)).headers['access-control-allow-origin']).toBe(WEB);
  });

  it('answers preflights with the replaced policy, fields it no longer sets included', async () => {
    policies.replace('partners', { origins: [A], methods: ['GET'] });

    const refused = await preflight('/partners', A, 'PUT').expect(403);
    expect(refused.headers).not.toHaveProperty('access-control-allow-origin');
    const allowed = await preflight('/partners', A, 'GET').expect(204);
    expect(allowed.headers).not.toHaveProperty('access-control-max-age');
    expect((await request(running.url).get('/partners').set('Origin', A)).headers).not.toHaveProperty(
      'access-control-expose-headers',
    );
  });

  it('refuses an invalid update whole, naming every route it breaks, and keeps serving the old policy', () => {
    let thrown: unknown;
    try {
      policies.update('partners', { origins: '*', credentials: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CorsConfigurationError);
    const { problems } = thrown as CorsConfigurationError;
    expect(problems.map((p) => p.location).join(', ')).toContain('PartnersController.list');
    expect(problems.map((p) => p.location).join(', ')).toContain('PartnersController.create');
    expect(policies.get('partners')).toEqual(VERSION_A);
    return request(running.url)
      .get('/partners')
      .set('Origin', A)
      .expect('Access-Control-Allow-Origin', A)
      .expect('Access-Control-Expose-Headers', 'X-Version-A');
  });

  it('refuses updates of a policy that does not exist, and values that are no policy', () => {
    expect(() => policies.update('nope', { origins: [A] })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ code: 'policy_unknown' })] }) as Error,
    );
    expect(() => policies.replace('partners', null as unknown as CorsPolicy)).toThrow(CorsConfigurationError);
    expect(() => policies.update('partners', { origins: ['https://a.example.com/path'] })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ code: 'origin_invalid' })] }) as Error,
    );
    expect(() => policies.update('partners', { origin: [B] } as CorsPolicy)).toThrow(CorsConfigurationError);
  });

  it("applies an update whose list is the caller's own array, changed in place since the last update", async () => {
    const tenants = [A];
    policies.update('partners', { origins: tenants });
    tenants.push(B);
    expect(policies.update('partners', { origins: tenants })).toEqual([`origins +${B}`]);
    await request(running.url).get('/partners').set('Origin', B).expect('Access-Control-Allow-Origin', B);
    tenants.splice(0, 1);
    expect(policies.update('partners', { origins: tenants })).toEqual([`origins −${A}`]);
    expect((await request(running.url).get('/partners').set('Origin', A)).headers).not.toHaveProperty(
      'access-control-allow-origin',
    );
    expect(Object.isFrozen(policies.get('partners')?.origins)).toBe(true);
  });

  it('refuses a patch read from JSON with a __proto__ field, as bootstrap does', () => {
    const patch = JSON.parse('{"__proto__": {"credentials": true}}') as CorsPolicy;
    expect(() => policies.update('partners', patch)).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ code: 'field_unknown' })] }) as Error,
    );
    expect(policies.get('partners')).not.toHaveProperty('credentials');
  });

  it('logs each update once with what changed, and nothing for an update that changes nothing', () => {
    const before = logger.cors('log').length;
    expect(policies.update('partners', { origins: [A, B], maxAge: 60 })).toEqual([`origins +${B}`, 'maxAge 100 → 60']);
    expect(policies.update('partners', { maxAge: 60 })).toEqual([]);
    const lines = logger.cors('log').slice(before);
    expect(lines).toEqual([`Policy 'partners' updated: origins +${B}; maxAge 100 → 60`]);
  });

  it('shows the current state in the audit and in explain()', async () => {
    const audit = running.app.get(CorsAuditService);
    policies.update('partners', { origins: [B], credentials: true });

    const route = audit.routes().find((r) => r.handler === 'PartnersController.list');
    expect(route?.policy).toMatchObject({ origins: [B], credentials: true });
    const explained = await audit.explain({ method: 'GET', path: '/partners', headers: { origin: B } });
    expect(explained).toMatchObject({ decision: 'allowed', headers: { 'access-control-allow-origin': B } });
  });

  it('finishes a request that was waiting for an origin callback under the policy it started with', async () => {
    const pending = request(running.url).get('/slow').set('Origin', WEB);
    const response = pending.then((r) => r);
    openGate = undefined;
    await waitFor(() => openGate !== undefined);
    policies.replace('slow', { origins: [B], exposedHeaders: ['X-Slow-New'] });
    openGate!(true);

    const finished = await response;
    expect(finished.headers['access-control-allow-origin']).toBe(WEB);
    expect(finished.headers['access-control-expose-headers']).toBe('X-Slow-Old');
    const next = await request(running.url).get('/slow').set('Origin', B).expect(200);
    expect(next.headers['access-control-expose-headers']).toBe('X-Slow-New');
  });

  it('serves every request under one whole version while updates switch versions under load', async () => {
    let stop = false;
    let switches = 0;
    const switcher = (async () => {
      while (!stop) {
        policies.replace('partners', switches % 2 === 0 ? VERSION_B : VERSION_A);
        switches++;
        // At uneven moments: a switch in step with the clients' round trips would show each one version only.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      }
    })();
    const seen = { a: 0, b: 0 };
    const client = async (origin: string, index: number): Promise<void> => {
      for (let i = 0; i < 40; i++) {
        const asPreflight = (i + index) % 2 === 0;
        const response = asPreflight
          ? await preflight('/partners', origin, origin === A ? 'PUT' : 'DELETE')
          : await request(running.url).get('/partners').set('Origin', origin);
        const version = versionOf(response.headers, asPreflight);
        if (version === 'a') expect(origin).toBe(A);
        if (version === 'b') expect(origin).toBe(B);
        if (version !== 'none') seen[version]++;
        expect(response.status).toBe(asPreflight ? (version === 'none' ? 403 : 204) : 200);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => client(i % 2 === 0 ? A : B, i)));
    stop = true;
    await switcher;
    expect(switches).toBeGreaterThan(10);
    expect(seen.a).toBeGreaterThan(0);
    expect(seen.b).toBeGreaterThan(0);
  });
});

/** Calls of the `tenants` callback, by origin. */
const tenantCalls = new Map<string, number>();
const tenantStore = new Set([A]);

@Controller('tenants')
@Cors('tenants')
class TenantsController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

describe.each(ADAPTERS)('runtime updates of a cached origin callback (%s)', (adapter) => {
  let running: RunningApp;
  let policies: CorsPolicyService;
  beforeEach(async () => {
    tenantCalls.clear();
    running = await startApp(adapter, {
      imports: [
        CorsModule.forRoot({
          policies: {
            tenants: {
              origins: (origin) => {
                tenantCalls.set(origin, (tenantCalls.get(origin) ?? 0) + 1);
                return tenantStore.has(origin);
              },
              originsCache: { ttl: 60_000, negativeTtl: 60_000 },
            },
          },
        }),
      ],
      controllers: [TenantsController],
    });
    policies = running.app.get(CorsPolicyService);
  });
  afterEach(() => running.close());

  const get = (origin: string) => request(running.url).get('/tenants').set('Origin', origin);

  it('asks the callback again for an invalidated origin only', async () => {
    await get(A).expect('Access-Control-Allow-Origin', A);
    await get(B).expect(200);
    tenantStore.add(B);
    expect((await get(B)).headers).not.toHaveProperty('access-control-allow-origin'); // cached refusal
    policies.invalidate('tenants', B);
    await get(B).expect('Access-Control-Allow-Origin', B);
    await get(A).expect('Access-Control-Allow-Origin', A);
    expect(Object.fromEntries(tenantCalls)).toEqual({ [A]: 1, [B]: 2 });
    tenantStore.delete(B);
  });

  it('forgets every verdict of the policy on invalidate() without an origin', async () => {
    await get(A).expect(200);
    policies.invalidate('tenants');
    await get(A).expect(200);
    expect(tenantCalls.get(A)).toBe(2);
  });

  it('keeps the cache warm across an update that keeps the callback', async () => {
    await get(A).expect('Access-Control-Allow-Origin', A);
    policies.update('tenants', { exposedHeaders: ['X-Tenant'] });
    await get(A).expect('Access-Control-Allow-Origin', A).expect('Access-Control-Expose-Headers', 'X-Tenant');
    expect(tenantCalls.get(A)).toBe(1);
  });

  it('refuses to invalidate a policy that does not exist', () => {
    expect(() => policies.invalidate('nope')).toThrow(CorsConfigurationError);
  });

  it.each(['https://a.example.com/', 'HTTPS://a.example.com', 'https://a.example.com:443', 'null'])(
    'refuses to invalidate %s, which no browser sends and so no verdict is kept under',
    (origin) => {
      expect(() => policies.invalidate('tenants', origin)).toThrow(
        expect.objectContaining({ problems: [expect.objectContaining({ code: 'origin_invalid' })] }) as Error,
      );
    },
  );
});

describe.each(ADAPTERS)('runtime policy updates with enforce: true (%s)', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(adapter, {
      imports: [CorsModule.forRoot(options({ enforce: true }))],
      controllers: [PartnersController],
    });
  });
  afterAll(() => running.close());

  it('refuses an origin removed by an update before the handler runs, and admits one added', async () => {
    await request(running.url).post('/partners').set('Origin', A).expect(201);
    running.app.get(CorsPolicyService).update('partners', { origins: [B] });
    await request(running.url).post('/partners').set('Origin', A).expect(403);
    await request(running.url).post('/partners').set('Origin', B).expect(201).expect('Access-Control-Allow-Origin', B);
  });
});

/**
 * Which version of the `partners` policy wrote a response: every header must agree, or the
 * response saw half of an update.
 */
function versionOf(headers: Record<string, string | undefined>, preflight: boolean): 'a' | 'b' | 'none' {
  const origin = headers['access-control-allow-origin'];
  if (origin === undefined) {
    expect(headers['access-control-expose-headers']).toBeUndefined();
    expect(headers['access-control-max-age']).toBeUndefined();
    return 'none';
  }
  const version = origin === A ? 'a' : 'b';
  const credentials = version === 'b' ? 'true' : undefined;
  expect(headers['access-control-allow-credentials']).toBe(credentials);
  if (preflight) {
    expect(headers['access-control-max-age']).toBe(version === 'a' ? '100' : '200');
    expect(headers['access-control-allow-methods']).toBe(version === 'a' ? 'PUT' : 'DELETE');
  } else {
    expect(headers['access-control-expose-headers']).toBe(version === 'a' ? 'X-Version-A' : 'X-Version-B');
  }
  return version;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}
