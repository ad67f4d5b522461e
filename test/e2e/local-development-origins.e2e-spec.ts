import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsAuditService, CorsConfigurationError, CorsModule } from '../../lib/index.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

/** The port wildcards a local front end needs, whatever port its dev server picks. */
const LOCAL = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

@Cors({ origins: ['https://app.example.com', ...LOCAL], credentials: true })
@Controller('orders')
class OrdersController {
  @Get()
  list(): string {
    return 'orders';
  }
}

@Controller('staging')
class StagingController {
  @Get()
  @Cors({ origins: ['https://app.example.com:*'] })
  list(): string {
    return 'staging';
  }
}

@Controller('staging')
class HatchedStagingController {
  @Get()
  @Cors({ origins: ['https://app.example.com:*'], dangerouslyAllow: { portWildcardOnAnyHost: true } })
  list(): string {
    return 'staging';
  }

  @Get('legacy')
  @Cors({
    origins: ['http://legacy.example.com'],
    credentials: true,
    dangerouslyAllow: { credentialsOverPlainHttp: true, wildcardUnderPublicSuffix: true },
  })
  legacy(): string {
    return 'legacy';
  }
}

/** The app's answer to `origin`: an actual request's `Access-Control-Allow-Origin`, and a preflight's status and header. */
async function answersTo(running: RunningApp, path: string, origin: string): Promise<unknown[]> {
  const actual = await request(running.url).get(path).set('Origin', origin);
  const preflight = await request(running.url)
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'GET');
  return [
    actual.status,
    actual.headers['access-control-allow-origin'],
    preflight.status,
    preflight.headers['access-control-allow-origin'],
  ];
}

async function bootstrapError(adapter: AdapterName, controller: new () => unknown): Promise<unknown> {
  return startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [controller] }).then(
    (running) => running.close().then(() => 'started'),
    (error: unknown) => error,
  );
}

describe.each(ADAPTERS)('local-development origins on %s', (adapter) => {
  describe('with port wildcards on loopback hosts', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [OrdersController] });
    });
    afterAll(() => running.close());

    it.each([
      ['a dev server port', 'http://localhost:5173'],
      ["the scheme's default port, which browsers leave out", 'http://localhost'],
      ['another port', 'http://localhost:3001'],
      ['an IPv4 loopback address', 'http://127.0.0.1:8080'],
      ['an IPv6 loopback address', 'http://[::1]:4200'],
    ])('allows %s', async (_name, origin) => {
      expect(await answersTo(running, '/orders', origin)).toEqual([200, origin, 204, origin]);
    });

    it.each([
      ['a look-alike host', 'http://localhost.evil.com:5173'],
      ['another host', 'http://evil.com:5173'],
      ['uppercase, which browsers never send', 'http://LOCALHOST:5173'],
      ['a subdomain of localhost', 'http://app.localhost:5173'],
      ['another scheme', 'https://localhost:5173'],
      ['the default port spelled out', 'http://localhost:80'],
      ['a port out of range', 'http://localhost:65536'],
      ['a trailing slash', 'http://localhost:5173/'],
      ['userinfo', 'http://evil.com@localhost:5173'],
    ])('refuses %s', async (_name, origin) => {
      expect(await answersTo(running, '/orders', origin)).toEqual([200, undefined, 403, undefined]);
    });

    it('lists credentials for a port wildcard among the route’s risks in the audit', () => {
      const [route] = running.app.get(CorsAuditService).routes();
      expect(route.policy?.origins).toEqual(['https://app.example.com', ...LOCAL]);
      expect(route.risks.map((risk) => risk.code)).toEqual(['credentials_with_pattern']);
    });
  });

  it('refuses a port wildcard on a host that is not loopback at bootstrap, naming the controller, handler and field', async () => {
    const error = await bootstrapError(adapter, StagingController);
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problems).toEqual([
      {
        location: 'StagingController.list',
        field: 'origins[0]',
        code: 'origin_port_wildcard_not_loopback',
        message: expect.stringMatching(/every port of 'app\.example\.com', which is not a loopback host/),
      },
    ]);
    expect((error as Error).message).toContain("StagingController.list › origins[0]: 'https://app.example.com:*'");
  });

  describe('with escape hatches', () => {
    let running: RunningApp;
    const logger = new CaptureLogger();
    beforeAll(async () => {
      running = await startApp(
        adapter,
        { imports: [CorsModule.forRoot()], controllers: [HatchedStagingController] },
        () => undefined,
        { logger },
      );
    });
    afterAll(() => running.close());

    it('starts, warning of each hatch in use and of one nothing needs, by route and field', () => {
      expect(logger.cors('warn')).toEqual([
        expect.stringMatching(
          /^HatchedStagingController\.list › origins\[0\]: 'https:\/\/app\.example\.com:\*' allows every port .*dangerouslyAllow\.portWildcardOnAnyHost/,
        ),
        expect.stringMatching(
          /^HatchedStagingController\.legacy › origins\[0\]: 'http:\/\/legacy\.example\.com' is plain http with credentials.*dangerouslyAllow\.credentialsOverPlainHttp/,
        ),
        expect.stringMatching(
          /^HatchedStagingController\.legacy › dangerouslyAllow\.wildcardUnderPublicSuffix: nothing needs it/,
        ),
      ]);
    });

    it('allows the origin a hatch lets through, on any port', async () => {
      for (const origin of ['https://app.example.com:8443', 'https://app.example.com']) {
        expect([origin, ...(await answersTo(running, '/staging', origin))]).toEqual([origin, 200, origin, 204, origin]);
      }
      expect(await answersTo(running, '/staging', 'https://app.example.com.evil.org:8443')).toEqual([
        200,
        undefined,
        403,
        undefined,
      ]);
    });

    it('lists every hatch set among the route’s risks in the audit', () => {
      const risks = Object.fromEntries(
        running.app
          .get(CorsAuditService)
          .routes()
          .map((route) => [route.handler, route.risks.map((risk) => risk.code)]),
      );
      expect(risks).toEqual({
        'HatchedStagingController.list': ['port_wildcard_on_any_host'],
        'HatchedStagingController.legacy': ['credentials_over_plain_http', 'wildcard_under_public_suffix'],
      });
    });
  });
});
