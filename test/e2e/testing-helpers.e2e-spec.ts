import type { INestApplication } from '@nestjs/common';
import { CorsAuditService } from '../../lib/index.js';
import { corsMatchers, probePreflight, probeRequest } from '../../lib/testing/index.js';
import { configureSampleApp } from '../../sample/app.factory.js';
import { AppModule } from '../../sample/app.module.js';
import { ADAPTERS, startApp } from '../support/test-app.js';

expect.extend(corsMatchers);

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';

describe.each(ADAPTERS)('nest-cors/testing and the audit on the sample (%s)', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = (await startApp(adapter, { imports: [AppModule] }, configureSampleApp)).app;
  });
  afterAll(() => app.close());

  describe('matchers', () => {
    it('judge an allowed credentialed DELETE preflight as a browser would', async () => {
      const exchange = await probePreflight(app, {
        path: '/api/partners/orders/1',
        origin: ADMIN,
        method: 'DELETE',
        headers: ['Authorization'],
      });
      expect(exchange).toBeAllowedByCors({ credentials: true });
    });

    it('judge a refused preflight, and explain what was missing', async () => {
      const exchange = await probePreflight(app, { path: '/api/partners/orders/1', origin: APP, method: 'DELETE' });
      expect(exchange).toBeRefusedByCors({ credentials: true });
      expect(() => expect(exchange).toBeAllowedByCors()).toThrow(
        /refused because:\n {2}- no Access-Control-Allow-Origin header\n {2}- the preflight's status is 403/,
      );
    });

    it('refuse a credentialed read of a wildcard route, as browsers do', async () => {
      const exchange = await probeRequest(app, { path: '/api/public/items', origin: APP });
      expect(exchange).toBeAllowedByCors();
      expect(exchange).toBeRefusedByCors({ credentials: true });
      expect(() => expect(exchange).toBeAllowedByCors({ credentials: true })).toThrow(
        /Access-Control-Allow-Origin is \* but the request has credentials/,
      );
    });

    it('tell exposed response headers from the others', async () => {
      const exchange = await probeRequest(app, { path: '/api/partners/orders', origin: APP });
      expect(exchange).toExposeHeader('X-Total-Count', { credentials: true });
      expect(exchange).not.toExposeHeader('X-Secret-Internal', { credentials: true });
      expect(() => expect(exchange).toExposeHeader('X-Secret-Internal')).toThrow(/does not name it/);
    });

    it('refuse a preflight asking for a header the route does not allow', async () => {
      const exchange = await probePreflight(app, {
        path: '/api/tenants/acme/profile',
        origin: 'https://acme.tenants.example.net',
        method: 'PUT',
        headers: ['Authorization'],
      });
      expect(exchange).toBeRefusedByCors({ credentials: true });
    });
  });

  describe('CorsAuditService', () => {
    it('lists every route with its full path, handler, policy and risks', () => {
      const routes = app.get(CorsAuditService).routes();
      expect(routes).toHaveLength(15);
      expect(routes).toContainEqual(
        expect.objectContaining({
          method: 'DELETE',
          path: '/api/partners/orders/:id',
          handler: 'OrdersController.remove',
          policy: expect.objectContaining({ origins: [ADMIN], credentials: true, maxAge: 600 }),
          risks: [],
        }),
      );
      expect(routes.find((r) => r.handler === 'OrdersController.list')?.risks.map((r) => r.code)).toEqual([
        'credentials_with_pattern',
      ]);
      expect(routes.find((r) => r.handler === 'TenantsController.get')?.risks.map((r) => r.code)).toEqual([
        'credentials_with_callback',
      ]);
      expect(routes.find((r) => r.handler === 'DevicesController.status')?.risks.map((r) => r.code)).toEqual([
        'private_network_access',
      ]);
      expect(routes.find((r) => r.handler === 'HealthController.check')?.policy).toBeNull();
    });

    it('formats the routes as a table', () => {
      const table = app.get(CorsAuditService).formatTable();
      expect(table.split('\n')[0]).toMatch(/^METHOD\s+PATH\s+HANDLER\s+ORIGINS\s+CREDENTIALS\s+MAX-AGE\s+RISKS$/);
      expect(table).toMatch(
        /DELETE\s+\/api\/partners\/orders\/:id\s+OrdersController\.remove\s+https:\/\/admin\.example\.com\s+yes\s+600/,
      );
    });

    it('explains a refused preflight with its reason and the headers it would get', async () => {
      const explanation = await app.get(CorsAuditService).explain({
        method: 'OPTIONS',
        path: '/api/partners/orders/1',
        headers: { Origin: APP, 'Access-Control-Request-Method': 'DELETE' },
      });
      expect(explanation).toEqual({
        kind: 'preflight',
        route: { method: 'DELETE', path: '/api/partners/orders/:id', handler: 'OrdersController.remove' },
        policy: expect.objectContaining({ origins: [ADMIN] }),
        decision: 'refused',
        reason: 'origin_not_allowed',
        status: 403,
        headers: { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' },
      });
    });

    it('explains an allowed request to an async callback route', async () => {
      const explanation = await app.get(CorsAuditService).explain({
        method: 'GET',
        path: '/api/tenants/globex/profile',
        headers: { origin: 'https://globex.tenants.example.net' },
      });
      expect(explanation.decision).toBe('allowed');
      expect(explanation.headers).toEqual({
        vary: 'Origin',
        'access-control-allow-origin': 'https://globex.tenants.example.net',
        'access-control-allow-credentials': 'true',
      });
    });

    it('explains a request no policy applies to', async () => {
      const explanation = await app
        .get(CorsAuditService)
        .explain({ method: 'GET', path: '/api/health', headers: { origin: APP } });
      expect([explanation.decision, explanation.reason, explanation.route?.handler]).toEqual([
        'not-applicable',
        'no_policy',
        'HealthController.check',
      ]);
      const unknown = await app
        .get(CorsAuditService)
        .explain({ method: 'GET', path: '/api/nope', headers: { origin: APP } });
      expect([unknown.decision, unknown.reason, unknown.route]).toEqual(['not-applicable', 'no_route', null]);
    });
  });
});

describe('CorsAuditService.checkCsrfProtection on the sample', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = (await startApp('express', { imports: [AppModule] }, configureSampleApp)).app;
  });
  afterAll(() => app.close());

  it('names every credentialed origin on an unsafe route that CSRF protection would refuse', () => {
    const findings = app.get(CorsAuditService).checkCsrfProtection(['https://app.example.com']);
    expect(findings).toEqual([
      'POST /api/partners/orders (OrdersController.create): https://*.partner.example.com cannot be listed in trustedOrigins; requests from it get 403 from CSRF protection',
      'DELETE /api/partners/orders/:id (OrdersController.remove): https://admin.example.com is allowed by CORS but not in trustedOrigins; its requests get 403 from CSRF protection',
      'PUT /api/tenants/:tenant/profile (TenantsController.update): origins are a callback; CSRF protection trusts only listed origins',
    ]);
  });

  it('finds nothing to report once every exact origin is trusted, except what cannot be listed', () => {
    const findings = app
      .get(CorsAuditService)
      .checkCsrfProtection(['https://app.example.com', 'https://admin.example.com']);
    expect(findings).toHaveLength(2);
  });
});
