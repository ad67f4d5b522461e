import { connect } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Controller, Get, Put } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { rawRequest } from '../support/raw-http.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

/**
 * Origin callbacks that fail: throw, reject, never settle, settle too late (alone and under
 * many parallel requests), or answer something other than `true`. Each time the request is
 * denied cleanly (normal status, no `Access-Control-Allow-Origin`), a preflight is refused with
 * 403, a warning is logged, and the application keeps serving.
 */

/** Short, so the never-settling cases end quickly; the slow callback takes many times longer. */
const TIMEOUT_MS = 100;
const SLOW_MS = 2_000;
const GOOD = 'https://good.example.com';

/** Calls of the never-settling callback. */
let neverCalls = 0;
const never = (): Promise<boolean> => {
  neverCalls++;
  return new Promise<boolean>(() => undefined);
};
const after = <T>(ms: number, value: T): Promise<T> =>
  new Promise<T>((resolve) => {
    setTimeout(() => resolve(value), ms).unref();
  });

/** What the callbacks of the app under test were called with. */
const seenByRecorder: string[] = [];
/** Requests that reached the handler behind a never-settling callback. */
let hungHandlerRuns = 0;

@Controller('faults')
class FaultsController {
  @Get('throws')
  @Cors({
    origins: (): boolean => {
      throw new Error('tenant store unreachable');
    },
  })
  throws(): { ok: true } {
    return { ok: true };
  }

  @Put('throws')
  @Cors({
    origins: (): boolean => {
      throw new Error('tenant store unreachable');
    },
  })
  throwsPut(): { ok: true } {
    return { ok: true };
  }

  @Get('rejects')
  @Cors({ origins: (): Promise<boolean> => Promise.reject(new Error('tenant query rejected')) })
  rejects(): { ok: true } {
    return { ok: true };
  }

  @Put('rejects')
  @Cors({ origins: (): Promise<boolean> => Promise.reject(new Error('tenant query rejected')) })
  rejectsPut(): { ok: true } {
    return { ok: true };
  }

  @Get('hangs')
  @Cors({ origins: never })
  hangs(): { ok: true } {
    hungHandlerRuns++;
    return { ok: true };
  }

  @Put('hangs')
  @Cors({ origins: never })
  hangsPut(): { ok: true } {
    return { ok: true };
  }

  /** Would allow, but only long after the timeout. */
  @Get('slow')
  @Cors({ origins: (origin: string): Promise<boolean> => after(SLOW_MS, origin === GOOD) })
  slow(): { ok: true } {
    return { ok: true };
  }

  /** A truthy value that is not `true`, returned by mistake. */
  @Get('truthy')
  @Cors({ origins: ((): unknown => 'yes') as unknown as () => boolean })
  truthy(): { ok: true } {
    return { ok: true };
  }

  /** Allows GOOD only; records every origin it is asked about. */
  @Get('recording')
  @Cors({
    origins: (origin: string): boolean => {
      seenByRecorder.push(origin);
      return origin === GOOD;
    },
  })
  recording(): { ok: true } {
    return { ok: true };
  }
}

let delayCounter = 0;
/** 0 to 20 ms, varying from call to call so that verdicts settle out of order. */
function varyingDelay(): number {
  delayCounter = (delayCounter * 7 + 3) % 21;
  return delayCounter;
}

/** Allows `https://<anything>.good.example.com` after a short, varying delay. */
@Controller('busy')
class BusyController {
  @Get()
  @Cors({
    origins: (origin: string): Promise<boolean> =>
      after(varyingDelay(), /^https:\/\/[a-z0-9-]+\.good\.example\.com$/.test(origin)),
  })
  get(): { ok: true } {
    return { ok: true };
  }
}

async function startFaultsApp(
  adapter: (typeof ADAPTERS)[number],
  logger: CaptureLogger,
  originCallbackTimeout = TIMEOUT_MS,
): Promise<RunningApp> {
  return startApp(
    adapter,
    { imports: [CorsModule.forRoot({ originCallbackTimeout })], controllers: [FaultsController, BusyController] },
    (app: INestApplication) => app.useLogger(logger),
  );
}

function expectDenied(res: request.Response): void {
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ ok: true });
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
}

describe.each(ADAPTERS)('origin callback faults on %s', (adapter) => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  beforeAll(() => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    expect(uncaught).toEqual([]);
  });

  describe('actual requests and preflights', () => {
    const logger = new CaptureLogger();
    let running: RunningApp;
    beforeAll(async () => {
      running = await startFaultsApp(adapter, logger);
    });
    afterAll(() => running.close());

    /** The app still answers an allowed origin through a healthy callback. */
    async function expectServing(): Promise<void> {
      const res = await request(running.url).get('/faults/recording').set('Origin', GOOD);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(GOOD);
    }

    it.each([
      { path: 'throws', fault: 'throws' },
      { path: 'rejects', fault: 'rejects' },
      { path: 'hangs', fault: 'never settles (timeout)' },
      { path: 'slow', fault: 'would allow, but only after the timeout' },
      { path: 'truthy', fault: 'returns a truthy value that is not `true`' },
    ])('denies an actual request when the callback $fault, and keeps serving', async ({ path }) => {
      expectDenied(await request(running.url).get(`/faults/${path}`).set('Origin', GOOD));
      await expectServing();
    });

    it.each([
      { path: 'throws', fault: 'throws' },
      { path: 'rejects', fault: 'rejects' },
      { path: 'hangs', fault: 'never settles (timeout)' },
    ])('refuses a preflight with a clean 403 when the callback $fault, and keeps serving', async ({ path }) => {
      const res = await request(running.url)
        .options(`/faults/${path}`)
        .set('Origin', GOOD)
        .set('Access-Control-Request-Method', 'PUT');
      expect(res.status).toBe(403);
      expect(res.text).toBe('');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
      await expectServing();
    });

    it('denies every one of many parallel requests whose callbacks never settle or settle too late, and keeps serving', async () => {
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const path = ['hangs', 'slow', 'throws', 'rejects'][i % 4];
          return i % 8 < 4
            ? request(running.url).get(`/faults/${path}`).set('Origin', GOOD)
            : request(running.url)
                .options(`/faults/${path === 'slow' ? 'hangs' : path}`)
                .set('Origin', GOOD)
                .set('Access-Control-Request-Method', 'PUT');
        }),
      );
      responses.forEach((res, i) => {
        if (i % 8 < 4) expectDenied(res);
        else expect([res.status, res.headers['access-control-allow-origin']]).toEqual([403, undefined]);
      });
      await expectServing();
    });

    it('survives clients hanging up while their origin callbacks are pending', async () => {
      const [callsBefore, runsBefore] = [neverCalls, hungHandlerRuns];
      const port = Number(new URL(running.url).port);
      const sockets = Array.from({ length: 10 }, () => {
        const socket = connect({ port, host: '127.0.0.1' });
        socket.on('error', () => undefined);
        socket.write(rawRequest(['GET /faults/hangs HTTP/1.1', 'Host: 127.0.0.1', `Origin: ${GOOD}`]));
        return socket;
      });
      await waitFor(() => neverCalls >= callsBefore + 10);
      for (const socket of sockets) socket.destroy();
      // Once the callbacks time out, the requests go on to their handler, whose client is gone.
      await waitFor(() => hungHandlerRuns >= runsBefore + 10);
      await expectServing();
    });

    it('only ever asks the callback about browser-serialized origins, never null or garbage', async () => {
      seenByRecorder.length = 0;
      const hostile = [
        'null',
        'HTTPS://GOOD.EXAMPLE.COM',
        `${GOOD}/`,
        `${GOOD}.`,
        `${GOOD}:443`,
        'https://user@good.example.com',
        'good.example.com',
        `${GOOD}, https://evil.example.org`,
        `https://${'a'.repeat(400)}.com`,
      ];
      for (const origin of hostile)
        expectDenied(await request(running.url).get('/faults/recording').set('Origin', origin));
      expect(seenByRecorder).toEqual([]);
      await request(running.url).get('/faults/recording').set('Origin', 'https://other.example.com');
      expect(seenByRecorder).toEqual(['https://other.example.com']);
    });
  });

  describe('logging', () => {
    const logger = new CaptureLogger();
    let running: RunningApp;
    beforeAll(async () => {
      running = await startFaultsApp(adapter, logger);
    });
    afterAll(() => running.close());

    it.each([
      ['throws', 'GET', 'tenant store unreachable'],
      ['rejects', 'GET', 'tenant query rejected'],
      ['hangs', 'GET', `did not settle within ${TIMEOUT_MS}ms`],
      ['throws', 'PUT', 'tenant store unreachable'],
      ['hangs', 'PUT', `did not settle within ${TIMEOUT_MS}ms`],
    ])('logs a CorsModule warning when the callback of /faults/%s fails (%s)', async (path, method, cause) => {
      logger.lines.length = 0;
      const req = request(running.url);
      if (method === 'GET') expectDenied(await req.get(`/faults/${path}`).set('Origin', GOOD));
      else
        expect(
          (await req.options(`/faults/${path}`).set('Origin', GOOD).set('Access-Control-Request-Method', 'PUT')).status,
        ).toBe(403);
      const warnings = logger.cors('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('origin callback failed');
      expect(warnings[0]).toContain(`/faults/${path}`);
      expect(warnings[0]).toContain(JSON.stringify(GOOD));
      expect(warnings[0]).toContain(cause);
    });

    it('logs nothing when the callback simply says no', async () => {
      logger.lines.length = 0;
      expectDenied(await request(running.url).get('/faults/recording').set('Origin', 'https://other.example.com'));
      expect(logger.cors('warn')).toEqual([]);
    });
  });

  describe('a slow but healthy callback under concurrency', () => {
    const logger = new CaptureLogger();
    let running: RunningApp;
    beforeAll(async () => {
      // Generous: these callbacks are meant to succeed, however loaded the machine is.
      running = await startFaultsApp(adapter, logger, 10_000);
    });
    afterAll(() => running.close());

    it('gives each of many parallel requests the verdict on its own origin, settling out of order', async () => {
      const origins = Array.from({ length: 80 }, (_, i) =>
        i % 3 === 0 ? `https://t${i}.bad.example.com` : `https://t${i}.good.example.com`,
      );
      const responses = await Promise.all(
        origins.map((origin, i) =>
          i % 2 === 0
            ? request(running.url).get('/busy').set('Origin', origin)
            : request(running.url).options('/busy').set('Origin', origin).set('Access-Control-Request-Method', 'GET'),
        ),
      );
      responses.forEach((res, i) => {
        const allowed = origins[i].endsWith('.good.example.com');
        const preflight = i % 2 === 1;
        expect([res.status, res.headers['access-control-allow-origin']]).toEqual([
          preflight ? (allowed ? 204 : 403) : 200,
          allowed ? origins[i] : undefined,
        ]);
      });
      expect(logger.cors('warn')).toEqual([]);
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
