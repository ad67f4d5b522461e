/**
 * The sample's GraphQL endpoint (R11, an addition to shared/sample-contract.md): `{ orders }` at
 * /api/graphql, Apollo under the global prefix, over the orders of the REST API, with the policy
 * `paths: { '/api/graphql': 'graphql' }` gives it. The sample as `npm start` builds it
 * (SampleAppModule), on both adapters.
 */
import request from 'supertest';
import { configureSampleApp } from '../../sample/app.factory.js';
import { startAppAsync } from '../support/async-app.js';
import { ADAPTERS, type RunningApp } from '../support/test-app.js';

const APP = 'https://app.example.com';
const PARTNER = 'https://a.partner.example.com'; // allowed by 'partners', not by 'graphql'
const LOOK_ALIKE = 'https://app.example.com.evil.org';
const GRAPHQL = '/api/graphql';
const ORDERS_QUERY = '{ orders { id item quantity } }';

/** @nestjs/graphql 14 and @nestjs/apollo 14, installed here, need Nest 12 (see other-modules.e2e-spec.ts). */
const NEST11 = process.env.NEST_MAJOR === '11';
const describeNest12 = NEST11 ? describe.skip : describe;
type SampleAppModules = typeof import('../../sample/sample-app.module.js');
const sample = (NEST11 ? undefined : await import('../../sample/sample-app.module.js')) as SampleAppModules;

function corsHeaders(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

describe.each(ADAPTERS)('the sample GraphQL endpoint on %s', (adapter) => {
  describeNest12(
    `R11 ${GRAPHQL} (paths: { '/api/graphql': 'graphql' })${NEST11 ? ' [skipped on Nest 11: the installed @nestjs/graphql needs Nest 12]' : ''}`,
    () => {
      let running: RunningApp;
      beforeAll(async () => {
        running = await startAppAsync(adapter, { imports: [sample.SampleAppModule] }, configureSampleApp);
      });
      afterAll(() => running?.close());

      it('lets https://app.example.com read the orders with credentials, the same orders as the REST API', async () => {
        const created = await request(running.url).post('/api/partners/orders').send({ item: 'Desk', quantity: 1 });
        expect(created.status).toBe(201);
        const res = await request(running.url)
          .post(GRAPHQL)
          .set('Origin', APP)
          .set('Cookie', 'session=1')
          .send({ query: ORDERS_QUERY });
        expect(res.status).toBe(200);
        expect(res.body.data.orders).toEqual(
          expect.arrayContaining([
            { id: 1, item: 'Keyboard', quantity: 2 },
            { id: created.body.id, item: 'Desk', quantity: 1 },
          ]),
        );
        expect(res.headers['access-control-allow-origin']).toBe(APP);
        expect(res.headers['access-control-allow-credentials']).toBe('true');
        expect(res.headers.vary).toMatch(/\bOrigin\b/);
      });

      it("answers the JSON POST's preflight with the 'graphql' policy", async () => {
        const res = await request(running.url)
          .options(GRAPHQL)
          .set('Origin', APP)
          .set('Access-Control-Request-Method', 'POST')
          .set('Access-Control-Request-Headers', 'content-type');
        expect(res.status).toBe(204);
        expect(res.headers).toMatchObject({
          'access-control-allow-origin': APP,
          'access-control-allow-credentials': 'true',
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'Content-Type, Apollo-Require-Preflight, X-Apollo-Operation-Name',
        });
      });

      it('lets https://app.example.com read a GET query sent with Apollo-Require-Preflight', async () => {
        const preflight = await request(running.url)
          .options(GRAPHQL)
          .set('Origin', APP)
          .set('Access-Control-Request-Method', 'GET')
          .set('Access-Control-Request-Headers', 'apollo-require-preflight');
        expect(preflight.status).toBe(204);
        const res = await request(running.url)
          .get(GRAPHQL)
          .query({ query: '{ orders { id } }' })
          .set('Origin', APP)
          .set('Apollo-Require-Preflight', 'true');
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBe(APP);
      });

      it.each([PARTNER, LOOK_ALIKE])('refuses %s: no CORS headers, preflight 403', async (origin) => {
        const res = await request(running.url).post(GRAPHQL).set('Origin', origin).send({ query: ORDERS_QUERY });
        expect(corsHeaders(res.headers)).toEqual([]);
        const preflight = await request(running.url)
          .options(GRAPHQL)
          .set('Origin', origin)
          .set('Access-Control-Request-Method', 'POST')
          .set('Access-Control-Request-Headers', 'content-type');
        expect(preflight.status).toBe(403);
        expect(corsHeaders(preflight.headers)).toEqual([]);
      });

      it('leaves the contract as it is: R1 /api/health still has no CORS at all (global: false)', async () => {
        const res = await request(running.url).get('/api/health').set('Origin', APP);
        expect(res.status).toBe(200);
        expect(corsHeaders(res.headers)).toEqual([]);
        const preflight = await request(running.url)
          .options('/api/health')
          .set('Origin', APP)
          .set('Access-Control-Request-Method', 'GET');
        expect(preflight.status).toBe(404);
      });
    },
  );
});
