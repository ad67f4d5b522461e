import { Controller, Get, Post } from '@nestjs/common';
import { NestApplication } from '@nestjs/core';
import request from 'supertest';
import { Cors, CorsForeignLayerError, CorsModule, type CorsModuleOptions } from '../../lib/index.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

@Cors({ origins: ['https://app.example.com'], methods: ['GET', 'POST'], allowedHeaders: ['Content-Type'] })
@Controller('things')
class ThingsController {
  @Get()
  list(): string[] {
    return [];
  }

  @Post()
  create(): string {
    return 'created';
  }
}

async function start(
  adapter: AdapterName,
  options: CorsModuleOptions,
  enableCors = false,
): Promise<{ running: RunningApp; logger: CaptureLogger }> {
  const logger = new CaptureLogger();
  const running = await startApp(
    adapter,
    { imports: [CorsModule.forRoot(options)], controllers: [ThingsController] },
    (app) => {
      app.useLogger(logger);
      if (enableCors) app.enableCors();
    },
  );
  return { running, logger };
}

describe.each(ADAPTERS)('diagnostics on %s', (adapter) => {
  describe('with debug: true', () => {
    let running: RunningApp;
    let logger: CaptureLogger;
    beforeAll(async () => ({ running, logger } = await start(adapter, { debug: true })));
    afterAll(() => running.close());

    it('logs one line per refusal with the route, the origin and a reason code', async () => {
      const api = request(running.url);
      await api
        .options('/things')
        .set('Origin', 'https://evil.example.org')
        .set('Access-Control-Request-Method', 'POST');
      await api
        .options('/things')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'x-other');
      await api.get('/things').set('Origin', 'https://evil.example.org');
      expect(logger.cors('debug')).toEqual([
        'refused preflight "POST" "/things" from "https://evil.example.org": origin_not_allowed',
        'refused preflight "POST" "/things" from "https://app.example.com": header_not_allowed',
        'refused request "GET" "/things" from "https://evil.example.org": origin_not_allowed',
      ]);
    });

    it('quotes hostile values instead of writing them raw into the log', async () => {
      await request(running.url)
        .get('/things')
        .set('Origin', `https://x.example.org"\\u001b[31m${'a'.repeat(300)}`);
      const line = logger.cors('debug').at(-1)!;
      expect(line.length).toBeLessThan(300);
      expect(line).toContain('…');
    });

    it('rate-limits refusal lines under a flood', async () => {
      const before = logger.cors('debug').length;
      await Promise.all(
        Array.from({ length: 60 }, () => request(running.url).get('/things').set('Origin', 'https://evil.example.org')),
      );
      expect(logger.cors('debug').length - before).toBeLessThanOrEqual(20);
    });
  });

  it('logs nothing for refusals without debug', async () => {
    const { running, logger } = await start(adapter, {});
    await request(running.url).get('/things').set('Origin', 'https://evil.example.org');
    await running.close();
    expect(logger.cors('debug')).toEqual([]);
  });

  it('refuses to start when app.enableCors() runs beside the module (one-cors-layer.e2e-spec.ts has the rest)', async () => {
    await expect(start(adapter, {}, true)).rejects.toThrow(CorsForeignLayerError);
  });

  it('does not warn about enableCors when it is not used', async () => {
    const { running, logger } = await start(adapter, {});
    await running.close();
    expect(logger.cors('warn')).toEqual([]);
  });

  it('logs the route table at bootstrap with logRoutes: true', async () => {
    const { running, logger } = await start(adapter, { logRoutes: true });
    await running.close();
    expect(logger.cors('log')).toEqual([
      expect.stringMatching(
        /^CORS routes:\nMETHOD\s+PATH[^\n]*\nGET\s+\/things\s+ThingsController\.list\s+https:\/\/app\.example\.com/,
      ),
    ]);
  });
});

describe.each(ADAPTERS)('the CSRF cross-check at bootstrap on %s', (adapter) => {
  it('warns once per credentialed origin the CSRF protection would refuse on an unsafe route', async () => {
    const { running, logger } = await start(adapter, { csrfTrustedOrigins: [] });
    await running.close();
    // ThingsController's policy has no credentials: nothing to warn about.
    expect(logger.cors('warn')).toEqual([]);
  });

  it('names the route, the handler and the origin', async () => {
    const logger = new CaptureLogger();
    @Cors({ origins: ['https://app.example.com', 'https://admin.example.com'], credentials: true })
    @Controller('accounts')
    class AccountsController {
      @Post()
      open(): string {
        return 'opened';
      }
    }
    const running = await startApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ csrfTrustedOrigins: ['https://app.example.com'] })],
        controllers: [AccountsController],
      },
      (app) => app.useLogger(logger),
    );
    await running.close();
    expect(logger.cors('warn')).toEqual([
      'CSRF protection: POST /accounts (AccountsController.open): https://admin.example.com is allowed by CORS but not in trustedOrigins; its requests get 403 from CSRF protection',
    ]);
  });
});

/** Nest 12.5's CSRF protection, where the cross-check above matters (absent from Nest 11). */
const csrfAvailable =
  typeof (NestApplication.prototype as { enableCsrfProtection?: unknown }).enableCsrfProtection === 'function';

(csrfAvailable ? describe.each(ADAPTERS) : describe.skip.each(ADAPTERS))(
  'beside app.enableCsrfProtection() on %s',
  (adapter) => {
    @Cors({ origins: ['https://app.example.com', 'https://admin.example.com'], credentials: true })
    @Controller('transfers')
    class TransfersController {
      @Post()
      make(): string {
        return 'made';
      }
    }

    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        adapter,
        { imports: [CorsModule.forRoot()], controllers: [TransfersController] },
        (app) =>
          (app as unknown as { enableCsrfProtection(o: { trustedOrigins: string[] }): void }).enableCsrfProtection({
            trustedOrigins: ['https://app.example.com'],
          }),
      );
    });
    afterAll(() => running.close());

    it('lets a trusted credentialed origin through', async () => {
      const res = await request(running.url)
        .post('/transfers')
        .set('Origin', 'https://app.example.com')
        .set('Sec-Fetch-Site', 'cross-site');
      expect(res.status).toBe(201);
    });

    it('gets a CORS-readable 403 for an origin CORS allows but CSRF protection does not trust, as checkCsrfProtection says', async () => {
      const res = await request(running.url)
        .post('/transfers')
        .set('Origin', 'https://admin.example.com')
        .set('Sec-Fetch-Site', 'cross-site');
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    });

    it('still answers preflights, which CSRF protection never blocks', async () => {
      const res = await request(running.url)
        .options('/transfers')
        .set('Origin', 'https://admin.example.com')
        .set('Access-Control-Request-Method', 'POST');
      expect(res.status).toBe(204);
    });
  },
);
