import request from 'supertest';
import { configureSampleApp } from '../../sample/app.factory.js';
import { AppModule } from '../../sample/app.module.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

const APP = 'https://app.example.com';
const PARTNER = 'https://a.partner.example.com';
const ADMIN = 'https://admin.example.com';
const EVIL = 'https://evil.example.org';

/** Names of every CORS response header, to assert a response has none of them. */
function corsHeaders(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

describe.each(ADAPTERS)('the sample contract on %s', (adapter) => {
  let running: RunningApp;
  let api: ReturnType<typeof request>;
  beforeAll(async () => {
    running = await startApp(adapter, { imports: [AppModule] }, configureSampleApp);
    api = request(running.url);
  });
  afterAll(() => running.close());

  describe('R1 /api/health (no @Cors)', () => {
    it('never sends a CORS header, even to a listed origin', async () => {
      const res = await api.get('/api/health').set('Origin', APP);
      expect(res.status).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
      expect(res.headers.vary).toBeUndefined();
    });

    it('leaves a preflight to Nest, which answers 404', async () => {
      const res = await api.options('/api/health').set('Origin', APP).set('Access-Control-Request-Method', 'GET');
      expect(res.status).toBe(404);
      expect(corsHeaders(res.headers)).toEqual([]);
    });
  });

  describe('R2 /api/public/items (origins: *)', () => {
    it('lets any origin read, with * and no Vary: Origin', async () => {
      const res = await api.get('/api/public/items').set('Origin', EVIL);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers.vary ?? '').not.toMatch(/origin/i);
    });

    it('serves HEAD with the GET policy', async () => {
      const res = await api.head('/api/public/items/1').set('Origin', EVIL);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    });

    it('answers a preflight for a path parameter route', async () => {
      const res = await api
        .options('/api/public/items/2')
        .set('Origin', EVIL)
        .set('Access-Control-Request-Method', 'GET');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toBe('GET');
    });

    it('refuses a preflight for a method the route does not serve', async () => {
      const res = await api
        .options('/api/public/items/2')
        .set('Origin', EVIL)
        .set('Access-Control-Request-Method', 'DELETE');
      expect(corsHeaders(res.headers)).toEqual([]);
      expect(res.status).toBe(404);
    });
  });

  describe("R2b the app's own OPTIONS handler", () => {
    it('still receives plain OPTIONS requests', async () => {
      const res = await api.options('/api/public/items');
      expect(res.status).toBe(200);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
      expect(res.body).toEqual({ allow: ['GET', 'HEAD', 'OPTIONS'] });
    });

    it('does not receive real preflights: the module answers them', async () => {
      const res = await api.options('/api/public/items').set('Origin', APP).set('Access-Control-Request-Method', 'GET');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers.allow).toBeUndefined();
    });
  });

  describe("R3 /api/partners/orders (@Cors('partners'))", () => {
    it('lets an exact origin read with credentials and exposes only the listed headers', async () => {
      const res = await api.get('/api/partners/orders').set('Origin', APP);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-expose-headers']).toBe('X-Total-Count, X-Request-Id');
      expect(res.headers['access-control-max-age']).toBeUndefined();
      expect(res.headers['x-total-count']).toBe(String(res.body.length));
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
    });

    it('lets a wildcard subdomain origin read', async () => {
      const res = await api.get('/api/partners/orders').set('Origin', 'https://x.y.partner.example.com');
      expect(res.headers['access-control-allow-origin']).toBe('https://x.y.partner.example.com');
    });

    it.each([
      ['the apex of the wildcard', 'https://partner.example.com'],
      ['a look-alike', 'https://app.example.com.evil.org'],
      ['plain http', 'http://app.example.com'],
      ['an unlisted origin', EVIL],
      ['the null origin', 'null'],
    ])('refuses %s but still varies on Origin', async (_name, origin) => {
      const res = await api.get('/api/partners/orders').set('Origin', origin);
      expect(res.status).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
    });

    it('varies on Origin for requests without one, for cache safety', async () => {
      const res = await api.get('/api/partners/orders');
      expect(corsHeaders(res.headers)).toEqual([]);
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
    });

    it('answers a preflight for a JSON POST with the policy headers and max age', async () => {
      const res = await api
        .options('/api/partners/orders')
        .set('Origin', PARTNER)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,x-request-id');
      expect(res.status).toBe(204);
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': PARTNER,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Content-Type, Authorization, X-Request-Id',
        'access-control-max-age': '600',
      });
      expect(res.headers['access-control-expose-headers']).toBeUndefined();
      expect(res.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    });

    it('refuses a preflight asking for a header the policy does not list', async () => {
      const res = await api
        .options('/api/partners/orders')
        .set('Origin', APP)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'x-unlisted');
      expect(res.status).toBe(403);
      expect(corsHeaders(res.headers)).toEqual([]);
      expect(res.headers.vary).toMatch(/Origin/);
    });

    it('creates an order with POST (201) readable by a partner', async () => {
      const res = await api.post('/api/partners/orders').set('Origin', APP).send({ item: 'Desk', quantity: 1 });
      expect(res.status).toBe(201);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    });
  });

  describe('R4 DELETE /api/partners/orders/:id (origins overridden by the handler)', () => {
    it('answers a preflight from the admin origin with the rest of the partners policy', async () => {
      const res = await api
        .options('/api/partners/orders/2')
        .set('Origin', ADMIN)
        .set('Access-Control-Request-Method', 'DELETE')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.status).toBe(204);
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': ADMIN,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'DELETE',
        'access-control-max-age': '600',
      });
    });

    it('refuses a DELETE preflight from a partner origin and never runs the handler', async () => {
      const res = await api
        .options('/api/partners/orders/1')
        .set('Origin', APP)
        .set('Access-Control-Request-Method', 'DELETE');
      expect(res.status).toBe(403);
      expect(corsHeaders(res.headers)).toEqual([]);
      const order = await api.get('/api/partners/orders/1').set('Authorization', 'Bearer demo-token');
      expect(order.status).toBe(200);
    });

    it('deletes for the admin origin (204 with CORS headers)', async () => {
      const res = await api.delete('/api/partners/orders/3').set('Origin', ADMIN);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });
  });

  describe('R5 GET /api/partners/orders/:id (bearer token)', () => {
    it('answers a preflight for Authorization without running the auth guard', async () => {
      const res = await api
        .options('/api/partners/orders/1')
        .set('Origin', APP)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    });

    it("carries the CORS headers on the guard's 401", async () => {
      const res = await api.get('/api/partners/orders/1').set('Origin', APP);
      expect(res.status).toBe(401);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });

    it('returns the order with the token', async () => {
      const res = await api.get('/api/partners/orders/2').set('Origin', APP).set('Authorization', 'Bearer demo-token');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 2 });
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    });
  });

  describe('R6 /api/partners/report (@Cors(false))', () => {
    it('sends no CORS headers', async () => {
      const res = await api.get('/api/partners/report').set('Origin', APP);
      expect(res.status).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
    });

    it('does not allow a preflight', async () => {
      const res = await api
        .options('/api/partners/report')
        .set('Origin', APP)
        .set('Access-Control-Request-Method', 'GET');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.status).toBeGreaterThanOrEqual(400);
    });
  });

  describe('R7 /api/partners/boom', () => {
    it('carries the CORS headers on the 500', async () => {
      const res = await api.get('/api/partners/boom').set('Origin', PARTNER);
      expect(res.status).toBe(500);
      expect(res.headers['access-control-allow-origin']).toBe(PARTNER);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });
  });

  describe('R8 /api/v1/catalog and /api/v2/catalog', () => {
    it('lets any origin read v1', async () => {
      const res = await api.get('/api/v1/catalog').set('Origin', EVIL);
      expect(res.body.version).toBe(1);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    });

    it('lets only the app origin read v2', async () => {
      const allowed = await api.get('/api/v2/catalog').set('Origin', APP);
      expect(allowed.body.version).toBe(2);
      expect(allowed.headers['access-control-allow-origin']).toBe(APP);
      const refused = await api.get('/api/v2/catalog').set('Origin', EVIL);
      expect(corsHeaders(refused.headers)).toEqual([]);
    });

    it('answers preflights per version', async () => {
      const v1 = await api.options('/api/v1/catalog').set('Origin', EVIL).set('Access-Control-Request-Method', 'GET');
      const v2 = await api.options('/api/v2/catalog').set('Origin', EVIL).set('Access-Control-Request-Method', 'GET');
      expect([v1.status, v1.headers['access-control-allow-origin']]).toEqual([204, '*']);
      expect([v2.status, v2.headers['access-control-allow-origin']]).toEqual([403, undefined]);
    });
  });

  describe('R9 /api/tenants/:tenant/profile (async origin callback)', () => {
    it('lets a registered tenant origin read with credentials', async () => {
      const res = await api.get('/api/tenants/acme/profile').set('Origin', 'https://acme.tenants.example.net');
      expect(res.headers['access-control-allow-origin']).toBe('https://acme.tenants.example.net');
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });

    it('refuses an unregistered tenant', async () => {
      const res = await api.get('/api/tenants/acme/profile').set('Origin', 'https://initech.tenants.example.net');
      expect(res.status).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
    });

    it('answers a PUT preflight for a JSON body from a tenant', async () => {
      const res = await api
        .options('/api/tenants/globex/profile')
        .set('Origin', 'https://globex.tenants.example.net')
        .set('Access-Control-Request-Method', 'PUT')
        .set('Access-Control-Request-Headers', 'content-type');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-methods']).toBe('PUT');
      expect(res.headers['access-control-allow-headers']).toBe('Content-Type');
    });

    it('refuses a PUT preflight asking for Authorization', async () => {
      const res = await api
        .options('/api/tenants/globex/profile')
        .set('Origin', 'https://globex.tenants.example.net')
        .set('Access-Control-Request-Method', 'PUT')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.status).toBe(403);
    });
  });

  describe('R10 /api/devices/status (Private Network Access)', () => {
    it('allows a private-network preflight from the app origin', async () => {
      const res = await api
        .options('/api/devices/status')
        .set('Origin', APP)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Private-Network', 'true');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-private-network']).toBe('true');
      expect(res.headers.vary).toContain('Access-Control-Request-Private-Network');
    });

    it('refuses a private-network preflight to a route that does not allow it', async () => {
      const res = await api
        .options('/api/partners/orders')
        .set('Origin', APP)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Private-Network', 'true');
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-private-network']).toBeUndefined();
    });
  });
});
