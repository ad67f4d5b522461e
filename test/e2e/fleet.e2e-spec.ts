import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Controller, Get, Post } from '@nestjs/common';
import { createClient } from 'redis';
import request from 'supertest';
import { Cors, CorsModule, type CorsModuleOptions } from '../../lib/index.js';
import { CorsFleetModule } from '../../sample/fleet/cors-fleet.module.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

/**
 * The fleet example (sample/fleet, docs/fleets.md): instances on both adapters, one real
 * redis-server, changes made through one instance's admin endpoint applied by all of them.
 * The cases of a block run in order, as one story: each starts from the state the last left.
 */

const PARTNER = 'https://app.example.com';
const NEW = 'https://new.example.com';
const LATER = 'https://later.example.com';
const ACME = 'https://acme.tenants.example.net';
const INITECH = 'https://initech.tenants.example.net';
const AUTH = 'Bearer demo-token';

/** The tenant table every instance's callback reads: a shared database, in this process. */
const tenantStore = new Set([ACME]);

@Cors('partners')
@Controller('partners')
class PartnersController {
  @Get()
  list(): { ok: true } {
    return { ok: true };
  }

  @Post()
  create(): { ok: true } {
    return { ok: true };
  }
}

@Cors('tenants')
@Controller('tenants')
class TenantsController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

const corsOptions = (): CorsModuleOptions => ({
  policies: {
    partners: { origins: [PARTNER], exposedHeaders: ['X-Total-Count'], maxAge: 600, methods: ['GET', 'POST'] },
    tenants: { origins: (origin) => tenantStore.has(origin), originsCache: { ttl: 60_000, negativeTtl: 60_000 } },
  },
});

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 20_000);
afterAll(() => redis?.stop());

describe.each([
  ['express', 'fastify'],
  ['fastify', 'express'],
] as const)('a fleet kept in step over Redis (admin on %s, follower on %s)', (adminAdapter, followerAdapter) => {
  const fleet = { channel: `cors:${adminAdapter}:changes`, key: `cors:${adminAdapter}:state` };
  const logger = new CaptureLogger();
  let admin: RunningApp;
  let follower: RunningApp;
  let redisClient: Awaited<ReturnType<typeof connectRedis>>;

  const startInstance = (adapter: AdapterName): Promise<RunningApp> =>
    startApp(
      adapter,
      {
        imports: [CorsModule.forRoot(corsOptions()), CorsFleetModule.forRoot({ url: redis.url, ...fleet })],
        controllers: [PartnersController, TenantsController],
      },
      // One logger for every instance: Nest's Logger override is per process.
      (app) => app.useLogger(logger),
    );

  beforeAll(async () => {
    tenantStore.delete(INITECH);
    [admin, follower] = await Promise.all([startInstance(adminAdapter), startInstance(followerAdapter)]);
    redisClient = await connectRedis(redis.url);
  }, 20_000);
  afterAll(async () => {
    await Promise.all([admin?.close(), follower?.close()]);
    await redisClient?.close();
  });

  const preflight = (instance: RunningApp, origin: string) =>
    request(instance.url).options('/partners').set('Origin', origin).set('Access-Control-Request-Method', 'POST');
  const adminCall = (method: 'patch' | 'put' | 'post', path: string, body: object) =>
    request(admin.url)[method](`/admin/cors-policies/${path}`).set('Authorization', AUTH).send(body);
  const allows = async (instance: RunningApp, origin: string, path?: string) =>
    (await get(instance, origin, path)).headers['access-control-allow-origin'] === origin;
  const storedState = async (name: string) => JSON.parse((await redisClient.hGet(fleet.key, name)) ?? 'null');

  /** What every instance must answer alike: the CORS headers of a request and of a preflight. */
  const corsView = async (instance: RunningApp, origin: string) => ({
    get: corsHeaders((await get(instance, origin)).headers),
    preflight: corsHeaders((await preflight(instance, origin)).headers),
  });

  it('applies an update made through one instance on every instance, which then answer alike', async () => {
    expect(await allows(follower, NEW)).toBe(false);

    await adminCall('patch', 'partners', { origins: [PARTNER, NEW] }).expect(204);

    expect(await allows(admin, NEW)).toBe(true); // the admin's instance applied it before answering
    await eventually(async () => expect(await allows(follower, NEW)).toBe(true));
    const view = await corsView(admin, NEW);
    expect(view.get).toMatchObject({
      'access-control-allow-origin': NEW,
      'access-control-expose-headers': 'X-Total-Count',
    });
    expect(view.preflight).toMatchObject({ 'access-control-allow-methods': 'POST', 'access-control-max-age': '600' });
    expect(await corsView(follower, NEW)).toEqual(view);
    expect(await corsView(follower, PARTNER)).toEqual(await corsView(admin, PARTNER));
  });

  it('refuses an invalid change with 400 and every problem, storing and sending nothing', async () => {
    const before = await storedState('partners');
    const refused = await adminCall('patch', 'partners', { origins: '*', credentials: true }).expect(400);
    expect(refused.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'origins' })]));
    await adminCall('put', 'nope', { origins: [NEW] }).expect(400);
    await adminCall('patch', 'partners', ['not', 'a', 'policy']).expect(400);
    await request(admin.url)
      .patch('/admin/cors-policies/partners')
      .send({ origins: [LATER] })
      .expect(401);

    expect(await storedState('partners')).toEqual(before);
    for (const instance of [admin, follower]) {
      expect(await allows(instance, NEW)).toBe(true);
      expect((await get(instance, NEW)).headers).not.toHaveProperty('access-control-allow-credentials');
    }
  });

  it('logs and ignores bad messages on the channel, and keeps applying good ones', async () => {
    const before = logger.lines.filter((l) => l.context === 'CorsPolicySync' && l.level === 'error').length;
    const bad = [
      'not json',
      JSON.stringify({ name: 'partners', op: 'delete' }),
      JSON.stringify({ name: 'partners', op: 'update', policy: { origins: [LATER] } }), // no rev
      JSON.stringify({ name: 'partners', op: 'update', policy: { origins: '*', credentials: true }, rev: 1000 }),
      JSON.stringify({ name: 'nope', op: 'replace', policy: { origins: [LATER] }, rev: 1000 }),
    ];
    for (const message of bad) await redisClient.publish(fleet.channel, message);

    // Each of the two instances logs each bad message once, with why.
    await eventually(() => expect(syncErrors().length - before).toBe(bad.length * 2));
    const logged = syncErrors().slice(before).join('\n');
    expect(logged).toContain("`op` must be 'update', 'replace' or 'invalidate'");
    expect(logged).toContain('`rev` must be a positive integer');
    expect(logged).toContain('Invalid CORS configuration');
    expect(logged).toContain("unknown policy name 'nope'");
    for (const instance of [admin, follower]) {
      expect(await allows(instance, NEW)).toBe(true);
      expect(await allows(instance, LATER)).toBe(false);
    }

    // Still subscribed, and the refused rev 1000 did not make later states look old.
    await adminCall('patch', 'partners', { maxAge: 300 }).expect(204);
    await eventually(async () =>
      expect((await preflight(follower, NEW)).headers['access-control-max-age']).toBe('300'),
    );
  });

  it('drops a cached origin verdict on every instance with one invalidate message', async () => {
    for (const instance of [admin, follower]) expect(await allows(instance, INITECH, '/tenants')).toBe(false);
    tenantStore.add(INITECH);
    for (const instance of [admin, follower]) expect(await allows(instance, INITECH, '/tenants')).toBe(false); // cached

    await adminCall('post', 'tenants/invalidate', { origin: INITECH }).expect(204);

    expect(await allows(admin, INITECH, '/tenants')).toBe(true);
    await eventually(async () => expect(await allows(follower, INITECH, '/tenants')).toBe(true));
    expect(await allows(follower, ACME, '/tenants')).toBe(true);
  });

  it('converges on the last stored state when instances publish at the same time', async () => {
    const [a, b] = await Promise.all([startInstance(followerAdapter), startInstance(adminAdapter)]);
    try {
      const patch = (instance: RunningApp, maxAge: number) =>
        request(instance.url)
          .patch('/admin/cors-policies/partners')
          .set('Authorization', AUTH)
          .send({ maxAge })
          .expect(204);
      await Promise.all(Array.from({ length: 12 }, (_, i) => patch([admin, follower, a, b][i % 4], 1000 + i)));

      const stored = await storedState('partners');
      expect(stored.policy.maxAge).toBeGreaterThanOrEqual(1000);
      const expected = String(stored.policy.maxAge);
      for (const instance of [admin, follower, a, b])
        await eventually(async () =>
          expect((await preflight(instance, NEW)).headers['access-control-max-age']).toBe(expected),
        );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('gives an instance that starts later the current state before it serves', async () => {
    const late = await startInstance(followerAdapter);
    try {
      // No waiting: the snapshot was read before the app listened.
      expect(await allows(late, NEW)).toBe(true);
      expect(await corsView(late, NEW)).toEqual(await corsView(admin, NEW));
      expect(await allows(late, INITECH, '/tenants')).toBe(true); // its callback reads the shared store
    } finally {
      await late.close();
    }
  });

  it('catches up after a reconnect on what it missed meanwhile', async () => {
    const stored = await storedState('partners');
    // A state stored while the instances' subscriptions were down: they never got the message.
    const missed = { ...stored, policy: { ...stored.policy, origins: [PARTNER, NEW, LATER] }, rev: stored.rev + 1 };
    await redisClient.hSet(fleet.key, 'partners', JSON.stringify(missed));
    expect(await allows(follower, LATER)).toBe(false);

    await redisClient.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);

    for (const instance of [admin, follower])
      await eventually(async () => expect(await allows(instance, LATER)).toBe(true));
  });

  it('unsubscribes and closes its connections when the app closes', async () => {
    const late = await startInstance(adminAdapter);
    const subscribers = async () => (await redisClient.pubSubNumSub(fleet.channel))[fleet.channel];
    const clients = async () => (await redisClient.clientList()).length;
    const [subscribedBefore, clientsBefore] = [await subscribers(), await clients()];

    await late.close();

    await eventually(async () => expect(await subscribers()).toBe(subscribedBefore - 1));
    await eventually(async () => expect(await clients()).toBe(clientsBefore - 2));
  });

  function syncErrors(): string[] {
    return logger.lines.filter((l) => l.context === 'CorsPolicySync' && l.level === 'error').map((l) => l.message);
  }
});

/** The test's own connection, to look at and tamper with what the fleet keeps. */
function connectRedis(url: string) {
  return createClient({ url }).connect();
}

describe.each(ADAPTERS)('a fleet instance whose Redis is gone (%s)', (adapter) => {
  it('still closes, without waiting for Redis to come back', async () => {
    const lost = await startRedisServer();
    const logger = new CaptureLogger();
    const instance = await startApp(
      adapter,
      {
        imports: [CorsModule.forRoot(corsOptions()), CorsFleetModule.forRoot({ url: lost.url })],
        controllers: [PartnersController],
      },
      (app) => app.useLogger(logger),
    );
    await lost.stop();
    await eventually(() =>
      expect(logger.lines.some((l) => l.context === 'CorsPolicySync' && l.level === 'warn')).toBe(true),
    );
    expect((await get(instance, PARTNER)).headers['access-control-allow-origin']).toBe(PARTNER); // serves on

    await instance.close();
  });
});

const get = (instance: RunningApp, origin: string, path = '/partners') =>
  request(instance.url).get(path).set('Origin', origin);

function corsHeaders(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'),
  );
}

/** Retries `assertion` until it passes, for at most `timeoutMs`: messages take a moment to arrive. */
async function eventually(assertion: () => unknown, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

interface RedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** A throw-away redis-server on a free loopback port, keeping nothing on disk. */
async function startRedisServer(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error)
    throw new Error(
      "redis-server is not installed: the fleet example is tested against a real Redis. Install Debian's " +
        'package (sudo apt-get install redis-server, or bash scripts/ensure-redis.sh as CI does).',
    );
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitUntilReady(child);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail('did not get ready within 10 s'), 10_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server ${why}:\n${output}`));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(`exited with ${code}`));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
