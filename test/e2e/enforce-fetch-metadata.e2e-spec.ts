import { Controller, Get, Post, Version, VersioningType } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

/**
 * `enforce: true` as a resource isolation policy (lib/policy/resource-isolation.ts): a request
 * without `Origin` that Fetch Metadata says comes from another site, or a sibling origin of the
 * same site, is refused with 403 before the handler runs, unless it is a `GET`/`HEAD`
 * navigation. The headers are what Chromium sends for each kind of request.
 */
const imageLoad = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' };
const scriptInclude = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'script' };
const siblingImageLoad = { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' };
const objectLoad = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'object' };
const crossSiteLink = {
  'Sec-Fetch-Site': 'cross-site',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Dest': 'document',
  'Sec-Fetch-User': '?1',
};
const crossSiteIframe = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' };
const sameOriginImageLoad = { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' };
const typedInAddressBar = {
  'Sec-Fetch-Site': 'none',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Dest': 'document',
  'Sec-Fetch-User': '?1',
};
const crossSiteFetch = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' };

/** The handlers that ran, in order: a refused request must leave no trace here. */
const ran: string[] = [];

@Cors({ origins: ['https://app.example.com'], credentials: true })
@Controller('account')
class AccountController {
  @Get('export')
  export(): string {
    ran.push('export');
    return 'export';
  }

  @Post('transfer')
  transfer(): string {
    ran.push('transfer');
    return 'transfer';
  }

  @Get('tenant')
  @Cors({ origins: (origin) => origin.endsWith('.tenants.example.net') })
  tenant(): string {
    ran.push('tenant');
    return 'tenant';
  }

  @Get('badge')
  @Cors(false)
  badge(): string {
    ran.push('badge');
    return 'badge';
  }
}

@Cors({ origins: '*' })
@Controller('public')
class PublicController {
  @Get('logo')
  logo(): string {
    ran.push('logo');
    return 'logo';
  }
}

@Controller('plain')
class PlainController {
  @Get()
  plain(): string {
    ran.push('plain');
    return 'plain';
  }
}

/** Two handlers on one path that only the version header tells apart: the guard decides alone. */
@Cors({ origins: ['https://one.example.com'] })
@Controller('report')
class ReportV1 {
  @Get()
  @Version('1')
  get(): string {
    ran.push('report-v1');
    return 'v1';
  }
}

@Cors({ origins: ['https://two.example.com'] })
@Controller('report')
class ReportV2 {
  @Get()
  @Version('2')
  get(): string {
    ran.push('report-v2');
    return 'v2';
  }
}

/** One inherited handler under two controllers with different policies (on Nest 11, one route callback). */
abstract class MailboxController {
  @Get()
  list(): string {
    ran.push(this.constructor.name);
    return this.constructor.name;
  }
}

@Cors({ origins: ['https://one.example.com'] })
@Controller('inbox')
class InboxController extends MailboxController {}

@Cors({ origins: ['https://two.example.com'] })
@Controller('outbox')
class OutboxController extends MailboxController {}

describe.each(ADAPTERS)('enforce: true with Fetch Metadata, on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ enforce: true })],
        controllers: [
          AccountController,
          PublicController,
          PlainController,
          ReportV1,
          ReportV2,
          InboxController,
          OutboxController,
        ],
      },
      (app) => app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Version' }),
    );
  });
  afterAll(() => running.close());
  beforeEach(() => {
    ran.length = 0;
  });

  const api = () => request(running.url);

  describe('refuses with 403, before the handler runs', () => {
    it.each([
      ['a cross-site image load that carries no Origin', imageLoad],
      ['a cross-site <script> include (XSSI)', scriptInclude],
      ['a same-site image load from a sibling subdomain the policy cannot check', siblingImageLoad],
      ['a cross-site <object> load, a navigation in mode only', objectLoad],
    ])('%s', async (_request, headers) => {
      const res = await api().get('/account/export').set(headers);
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(ran).toEqual([]);
    });

    it('a cross-site HEAD that is not a navigation', async () => {
      const res = await api().head('/account/export').set(imageLoad);
      expect(res.status).toBe(403);
      expect(ran).toEqual([]);
    });

    it('a cross-site POST navigation that carries no Origin', async () => {
      const res = await api().post('/account/transfer').set(crossSiteLink);
      expect(res.status).toBe(403);
      expect(ran).toEqual([]);
    });

    it('a cross-site load of a route whose policy is an origin callback, which is never asked', async () => {
      const res = await api().get('/account/tenant').set(scriptInclude);
      expect(res.status).toBe(403);
      expect(ran).toEqual([]);
    });

    it('a cross-site load of a route only the guard can tell apart (header versioning)', async () => {
      for (const version of ['1', '2']) {
        const res = await api().get('/report').set('X-Version', version).set(imageLoad);
        expect(res.status).toBe(403);
      }
      expect(ran).toEqual([]);
    });

    it('a cross-site load of an inherited handler that two controllers with different policies share', async () => {
      for (const path of ['/inbox', '/outbox']) expect((await api().get(path).set(scriptInclude)).status).toBe(403);
      expect(ran).toEqual([]);
    });
  });

  describe('lets through', () => {
    it.each([
      ['a cross-site link (a top-level GET navigation)', crossSiteLink],
      ['a cross-site <iframe>', crossSiteIframe],
      ['a same-origin image load', sameOriginImageLoad],
      ['a request typed in the address bar (Sec-Fetch-Site: none)', typedInAddressBar],
      ['a request without Fetch Metadata (older browsers, plain HTTP, non-browser clients)', {}],
      [
        'a request with a Sec-Fetch-Site value it does not know, which the spec says to ignore',
        { 'Sec-Fetch-Site': 'same-planet', 'Sec-Fetch-Mode': 'no-cors' },
      ],
    ])('%s', async (_request, headers) => {
      const res = await api().get('/account/export').set(headers);
      expect([res.status, res.text]).toEqual([200, 'export']);
      expect(ran).toEqual(['export']);
    });

    it('a cross-site HEAD navigation', async () => {
      const res = await api().head('/account/export').set(crossSiteLink);
      expect(res.status).toBe(200);
    });

    it('a cross-site navigation to a route only the guard can tell apart', async () => {
      const res = await api().get('/report').set('X-Version', '2').set(crossSiteLink);
      expect([res.status, res.text]).toEqual([200, 'v2']);
      expect(ran).toEqual(['report-v2']);
    });

    it('a cross-site navigation to an inherited handler, and an allowed fetch of it', async () => {
      const res = await api().get('/outbox').set(crossSiteLink);
      expect([res.status, res.text]).toEqual([200, 'OutboxController']);
      const fetched = await api().get('/inbox').set(crossSiteFetch).set('Origin', 'https://one.example.com');
      expect([fetched.status, fetched.headers['access-control-allow-origin']]).toEqual([
        200,
        'https://one.example.com',
      ]);
      expect(ran).toEqual(['OutboxController', 'InboxController']);
    });

    it("a cross-site image load of a '*' route: it is public, and any site may fetch it with an Origin '*' allows", async () => {
      const res = await api().get('/public/logo').set(imageLoad);
      expect([res.status, res.text]).toEqual([200, 'logo']);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    });

    it('a cross-site image load of a route without a policy, or opted out with @Cors(false)', async () => {
      expect((await api().get('/plain').set(imageLoad)).status).toBe(200);
      expect((await api().get('/account/badge').set(imageLoad)).status).toBe(200);
      expect(ran).toEqual(['plain', 'badge']);
    });
  });

  describe('requests that carry Origin: the origin check decides, as before', () => {
    it('lets a cross-site fetch from an allowed origin through, with the CORS headers', async () => {
      const res = await api().get('/account/export').set(crossSiteFetch).set('Origin', 'https://app.example.com');
      expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, 'https://app.example.com']);
      expect(ran).toEqual(['export']);
    });

    it('lets a <img crossorigin> load from an allowed origin through: with Origin, no-cors metadata does not matter', async () => {
      const res = await api()
        .get('/account/export')
        .set({ ...imageLoad, 'Sec-Fetch-Mode': 'cors' })
        .set('Origin', 'https://app.example.com');
      expect(res.status).toBe(200);
    });

    it('refuses a cross-site form POST from an origin the policy does not allow', async () => {
      const res = await api().post('/account/transfer').set(crossSiteLink).set('Origin', 'https://evil.example.org');
      expect(res.status).toBe(403);
      expect(ran).toEqual([]);
    });

    it('refuses a same-site fetch from a sibling the policy does not list', async () => {
      const res = await api()
        .post('/account/transfer')
        .set({ 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' })
        .set('Origin', 'https://user-content.example.com');
      expect(res.status).toBe(403);
      expect(ran).toEqual([]);
    });

    it('lets a same-origin POST through, whose Origin the policy need not list', async () => {
      const res = await api()
        .post('/account/transfer')
        .set({ 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' })
        .set('Origin', 'https://self.example.com');
      expect(res.status).toBe(201);
      expect(ran).toEqual(['transfer']);
    });
  });
});
