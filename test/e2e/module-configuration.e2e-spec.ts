import type { ServerResponse } from 'node:http';
import { Controller, Get, Header, Injectable, Module, Post, Res, Version, VersioningType } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsConfigurationError, CorsModule, type CorsModuleOptions } from '../../lib/index.js';
import { CorsPolicyRegistry } from '../../lib/cors-policy.registry.js';
import { GUARDS_METADATA } from '../../lib/nest-metadata.js';
import { CatalogV1Controller } from '../../sample/catalog.controllers.js';
import { configureSampleApp } from '../../sample/app.factory.js';
import { AppModule } from '../../sample/app.module.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

@Cors('partners')
@Controller('orders')
class OrdersController {
  @Get()
  list(): string {
    return 'list';
  }

  @Post()
  @Cors({ origins: ['https://admin.example.com/'], maxAge: -1 })
  create(): string {
    return 'created';
  }
}

@Controller('plain')
class PlainController {
  @Get()
  plain(): string {
    return 'plain';
  }

  @Get('vary')
  @Header('Cache-Control', 'no-store')
  vary(@Res({ passthrough: true }) res: { vary?(field: string): void; header(n: string, v: string): void }): string {
    // Express appends with res.vary(); what the module wrote must survive it.
    if (typeof res.vary === 'function') res.vary('Accept-Encoding');
    return 'vary';
  }
}

@Injectable()
class SettingsService {
  readonly origins = ['https://from-config.example.com'];
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

describe('configuration errors at bootstrap', () => {
  it.each(ADAPTERS)('refuses to start on %s, naming every controller, handler and field at fault', async (adapter) => {
    const options: CorsModuleOptions = {
      policies: { partners: { origins: '*', credentials: true } },
    };
    const start = startApp(adapter, { imports: [CorsModule.forRoot(options)], controllers: [OrdersController] });
    await expect(start).rejects.toThrow(CorsConfigurationError);
    const error = (await start.catch((e: unknown) => e)) as CorsConfigurationError;
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          location: 'OrdersController.create',
          field: 'origins[0]',
          code: 'origin_invalid',
          message: expect.stringMatching(/trailing slash/),
        }),
        expect.objectContaining({ location: 'OrdersController.create', field: 'maxAge', code: 'max_age_invalid' }),
        // Grouped across the named policy and the route that inherits it, code and all.
        expect.objectContaining({
          location: 'policies.partners, OrdersController.list',
          field: 'origins',
          code: 'origin_prohibited',
          message: expect.stringMatching(/credentials/),
        }),
      ]),
    );
    expect(error.message).toMatch(/^Invalid CORS configuration \(3 problems\):/);
    expect(error.message).toContain('OrdersController.create › maxAge:');
  });

  it('names an unknown policy name with the registered ones', async () => {
    const start = startApp('express', {
      imports: [CorsModule.forRoot({ policies: { partner: { origins: '*' } } })],
      controllers: [OrdersController],
    });
    await expect(start).rejects.toThrow(
      /OrdersController\.list, OrdersController\.create › controller @Cors: unknown policy name 'partners' \(registered: 'partner'\)/,
    );
    const error = (await start.catch((e: unknown) => e)) as CorsConfigurationError;
    expect(error.problems).toEqual([
      {
        location: 'OrdersController.list, OrdersController.create',
        field: 'controller @Cors',
        code: 'policy_unknown',
        message: expect.stringMatching(/^unknown policy name/),
      },
    ]);
  });

  it('names an unknown global policy', async () => {
    await expect(
      startApp('express', { imports: [CorsModule.forRoot({ global: 'nope' })], controllers: [PlainController] }),
    ).rejects.toThrow(
      /global, PlainController\.plain, PlainController\.vary › global: unknown policy name 'nope' \(registered: none\)/,
    );
  });
});

describe.each(ADAPTERS)('module options on %s', (adapter) => {
  describe('global', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(adapter, {
        imports: [
          CorsModule.forRoot({
            global: 'site',
            policies: { site: { origins: ['https://site.example.com'] } },
            defaults: { maxAge: 30 },
          }),
        ],
        controllers: [PlainController],
      });
    });
    afterAll(() => running.close());

    it('gives routes without @Cors the global policy, over the defaults', async () => {
      const res = await request(running.url)
        .options('/plain')
        .set('Origin', 'https://site.example.com')
        .set('Access-Control-Request-Method', 'GET');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-max-age']).toBe('30');
    });

    it("keeps the Vary names a handler adds next to the module's", async () => {
      const res = await request(running.url).get('/plain/vary').set('Origin', 'https://site.example.com');
      expect(res.headers['access-control-allow-origin']).toBe('https://site.example.com');
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
      if (adapter === 'express') expect(res.headers.vary).toMatch(/Accept-Encoding/);
    });
  });

  describe('forRootAsync', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(adapter, {
        imports: [
          CorsModule.forRootAsync({
            imports: [SettingsModule],
            inject: [SettingsService],
            useFactory: async (settings: SettingsService) => ({ global: { origins: settings.origins } }),
          }),
        ],
        controllers: [PlainController],
      });
    });
    afterAll(() => running.close());

    it('builds the policies from injected providers', async () => {
      const res = await request(running.url).get('/plain').set('Origin', 'https://from-config.example.com');
      expect(res.headers['access-control-allow-origin']).toBe('https://from-config.example.com');
    });
  });

  describe('enforce', () => {
    @Cors({ origins: ['https://app.example.com'] })
    @Controller('transfers')
    class TransfersController {
      static made = 0;
      @Post()
      make(): string {
        TransfersController.made++;
        return 'made';
      }
    }

    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(adapter, {
        imports: [CorsModule.forRoot({ enforce: true })],
        controllers: [TransfersController],
      });
    });
    afterAll(() => running.close());

    it('refuses a cross-origin POST from an origin the policy does not allow with 403, before the handler runs', async () => {
      const before = TransfersController.made;
      const res = await request(running.url).post('/transfers').set('Origin', 'https://evil.example.org');
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(TransfersController.made).toBe(before);
    });

    it('lets an allowed origin, a same-origin request and a request without Origin through', async () => {
      const api = request(running.url);
      expect((await api.post('/transfers').set('Origin', 'https://app.example.com')).status).toBe(201);
      expect(
        (await api.post('/transfers').set('Origin', 'https://self.example.com').set('Sec-Fetch-Site', 'same-origin'))
          .status,
      ).toBe(201);
      expect((await api.post('/transfers')).status).toBe(201);
    });
  });

  describe('header versioning, where a path alone cannot tell the handler', () => {
    @Cors({ origins: ['https://one.example.com'] })
    @Controller('report')
    class ReportV1 {
      @Get()
      @Version('1')
      get(): string {
        return 'v1';
      }
    }

    @Cors({ origins: ['https://two.example.com'] })
    @Controller('report')
    class ReportV2 {
      @Get()
      @Version('2')
      get(): string {
        return 'v2';
      }
    }

    /** Two versions under one policy on one path, the second writing its response by hand. */
    @Cors({ origins: ['https://three.example.com'] })
    @Controller('summary')
    class SummaryV1 {
      @Get()
      @Version('1')
      get(): string {
        return 's1';
      }
    }

    @Cors({ origins: ['https://three.example.com'] })
    @Controller('summary')
    class SummaryV2 {
      @Get()
      @Version('2')
      get(@Res() reply: { raw?: ServerResponse } & Partial<ServerResponse>): void {
        const res = reply.raw ?? (reply as ServerResponse);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('s2');
      }
    }

    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(
        adapter,
        { imports: [CorsModule.forRoot()], controllers: [ReportV1, ReportV2, SummaryV1, SummaryV2] },
        (app) => app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Version' }),
      );
    });
    afterAll(() => running.close());

    it("decorates each version's responses with its own handler's policy", async () => {
      const api = request(running.url);
      const v1 = await api.get('/report').set('X-Version', '1').set('Origin', 'https://one.example.com');
      expect([v1.text, v1.headers['access-control-allow-origin']]).toEqual(['v1', 'https://one.example.com']);
      const v2 = await api.get('/report').set('X-Version', '2').set('Origin', 'https://two.example.com');
      expect([v2.text, v2.headers['access-control-allow-origin']]).toEqual(['v2', 'https://two.example.com']);
      const crossed = await api.get('/report').set('X-Version', '2').set('Origin', 'https://one.example.com');
      expect(crossed.text).toBe('v2');
      expect(crossed.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('decorates a version that writes its response by hand beside one that does not', async () => {
      for (const [version, text] of [
        ['1', 's1'],
        ['2', 's2'],
      ]) {
        const res = await request(running.url)
          .get('/summary')
          .set('X-Version', version)
          .set('Origin', 'https://three.example.com');
        expect([res.text, res.headers['access-control-allow-origin']]).toEqual([text, 'https://three.example.com']);
        expect(res.headers.vary).toMatch(/\bOrigin\b/);
      }
    });

    it('allows a preflight only when every version it may reach allows it', async () => {
      const api = request(running.url);
      for (const origin of ['https://one.example.com', 'https://two.example.com', 'https://three.example.com']) {
        const refused = await api.options('/report').set('Origin', origin).set('Access-Control-Request-Method', 'GET');
        expect([refused.status, refused.headers['access-control-allow-origin']]).toEqual([403, undefined]);
      }
      const allowed = await api
        .options('/summary')
        .set('Origin', 'https://three.example.com')
        .set('Access-Control-Request-Method', 'GET');
      expect([allowed.status, allowed.headers['access-control-allow-origin']]).toEqual([
        204,
        'https://three.example.com',
      ]);
    });

    it('refuses a preflight asking for the version header when no version lists it', async () => {
      const res = await request(running.url)
        .options('/summary')
        .set('Origin', 'https://three.example.com')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'x-version');
      expect(res.status).toBe(403);
    });
  });
});

describe('where the guard runs', () => {
  const guarded = (running: RunningApp): string[] =>
    [...running.app.get(CorsPolicyRegistry, { strict: false }).guardedHandlers()].map((handler) => handler.name).sort();

  it('on no handler of the sample: the router tells every handler apart, versions included', async () => {
    const sample = await startApp('express', { imports: [AppModule] }, configureSampleApp);
    try {
      expect(guarded(sample)).toEqual([]);
      expect(Reflect.getMetadata(GUARDS_METADATA, CatalogV1Controller.prototype.list)).toBeUndefined(); // put back after bootstrap
    } finally {
      await sample.close();
    }
  });

  it('on every handler with a policy under enforce: true', async () => {
    const running = await startApp('express', {
      imports: [CorsModule.forRoot({ enforce: true, global: { origins: ['https://a.example.com'] } })],
      controllers: [PlainController],
    });
    try {
      expect(guarded(running)).toEqual(['plain', 'vary']);
    } finally {
      await running.close();
    }
  });
});
