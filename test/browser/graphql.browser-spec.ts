/**
 * The sample's GraphQL endpoint (R11: Apollo at /api/graphql, policy `paths['/api/graphql']`),
 * judged by each engine (Chromium and Firefox, `harness/engines.ts`): a page at the allowed origin runs a GraphQL query with `fetch()` as Apollo
 * Client does (POST, `Content-Type: application/json`, `credentials: 'include'`), and look-alike
 * origins are refused at the preflight. Same harness as cors-policies.browser-spec.ts: the built
 * sample as a child process per adapter, a recording forwarder per case, pages at real origins.
 */
import { jest } from '@jest/globals';
import { ENGINES, launchEngine, type BrowserEngine, type EngineName } from './harness/engines.js';
import {
  OriginPages,
  type CorsRefusal,
  type PageFetchInit,
  type PageFetchOutcome,
  type ReadableOutcome,
} from './harness/page-fetch.js';
import { startPageServer, type PageServer } from './harness/page-server.js';
import type { AdapterName } from '../../sample/app.factory.js';
import { startSample, type SampleProcess } from './harness/sample-process.js';
import { TrafficRecorder, type RecordedExchange } from './harness/traffic-recorder.js';

jest.setTimeout(30_000);

const ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];

const APP = 'https://app.example.com';
const PARTNER = 'https://a.partner.example.com'; // may read the partner orders over REST, not GraphQL
const LOOK_ALIKES = ['https://app.example.com.evil.org', 'http://app.example.com', 'https://app.example.com:8443'];

const GRAPHQL = '/api/graphql';
const ORDERS_QUERY = JSON.stringify({ query: '{ orders { id item quantity } }' });
/** What Apollo Client sends for a query: a JSON POST with the page's cookies. */
const APOLLO_CLIENT_POST: PageFetchInit = {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: ORDERS_QUERY,
  credentials: 'include',
};

interface Order {
  readonly id: number;
  readonly item: string;
  readonly quantity: number;
}

function expectReadable(outcome: PageFetchOutcome, status: number): ReadableOutcome {
  if (outcome.kind === 'blocked') {
    throw new Error(
      `expected the page to read a ${status} response, but fetch() failed: ${outcome.error} (browser: ${outcome.detail}, CORS error ${outcome.corsError ?? 'none'})`,
    );
  }
  expect(outcome.status).toBe(status);
  return outcome;
}

function expectBlocked(outcome: PageFetchOutcome, corsError: CorsRefusal): void {
  if (outcome.kind === 'readable') {
    throw new Error(
      `expected the browser to refuse the response (${corsError}), but the page read a ${outcome.status}: ${outcome.body.slice(0, 200)}`,
    );
  }
  expect({ errorName: outcome.errorName, corsError: outcome.corsError }).toEqual({ errorName: 'TypeError', corsError });
}

function summary(
  exchanges: readonly RecordedExchange[],
): { method: string; preflightFor?: string; requestedHeaders?: string; status?: number }[] {
  return exchanges.map(({ method, preflightFor, requestedHeaders, status }) => ({
    method,
    ...(preflightFor !== undefined && { preflightFor }),
    ...(requestedHeaders !== undefined && { requestedHeaders }),
    ...(status !== undefined && { status }),
  }));
}

let pageServer: PageServer | undefined;
const engines = new Map<EngineName, { engine: BrowserEngine; pages: OriginPages }>();
const samples = new Map<AdapterName, SampleProcess>();
const recorders: TrafficRecorder[] = [];

beforeAll(async () => {
  const starting = Promise.allSettled(ADAPTERS.map((adapter) => startSample(adapter)));
  let launching: PromiseSettledResult<BrowserEngine>[] = [];
  try {
    const server = await startPageServer();
    pageServer = server;
    launching = await Promise.allSettled(ENGINES.map((name) => launchEngine(name, server.port)));
    for (const result of launching)
      if (result.status === 'fulfilled')
        engines.set(result.value.name, { engine: result.value, pages: new OriginPages(result.value) });
    // Every page of the run, opened at once in each engine.
    await Promise.all(
      [...engines.values()].flatMap(({ pages }) => [APP, ...LOOK_ALIKES, PARTNER].map((o) => pages.at(o))),
    );
  } finally {
    for (const result of await starting)
      if (result.status === 'fulfilled') samples.set(result.value.adapter, result.value);
  }
  const failed = [...launching, ...(await starting)].find(
    (result): result is PromiseRejectedResult => result.status === 'rejected',
  );
  if (failed !== undefined) throw failed.reason;
}, 120_000); // mostly the renderers' start: slow on a busy 2-core machine

afterAll(async () => {
  await Promise.all(recorders.map((recorder) => recorder.close()));
  await Promise.all(
    [...engines.values()].map(async ({ engine, pages }) => {
      await pages.close();
      await engine.close();
    }),
  );
  await pageServer?.close();
  await Promise.all([...samples.values()].map((sample) => sample.stop()));
});

describe.each(ENGINES)('in %s', (engineName) =>
  describe.each(ADAPTERS)('the sample GraphQL endpoint on %s, queried by fetch() from pages', (adapter) => {
    let traffic: TrafficRecorder;
    let recording = false;

    const callFrom = async (origin: string, path: string, init?: PageFetchInit): Promise<PageFetchOutcome> => {
      const { engine, pages } = engines.get(engineName)!;
      return (await pages.at(origin)).fetch(`${engine.apiUrl(traffic.url)}${path}`, init);
    };

    beforeEach(async () => {
      recording = false;
      const sample = samples.get(adapter);
      if (sample === undefined || !engines.has(engineName))
        throw new Error(`the ${adapter} sample or ${engineName} did not start: see the first failure`);
      traffic = await TrafficRecorder.start(sample.url);
      recorders.push(traffic);
      recording = true;
    });

    afterEach(() => {
      // The forwarder reached the app every time: no refusal above was a harness fault.
      if (recording) expect(traffic.upstreamErrors()).toEqual([]);
    });

    it('lets https://app.example.com run a GraphQL query as Apollo Client sends it (JSON POST with credentials), after one preflight', async () => {
      const result = expectReadable(await callFrom(APP, GRAPHQL, APOLLO_CLIENT_POST), 200);
      const orders = (JSON.parse(result.body) as { data: { orders: Order[] } }).data.orders;
      expect(orders).toEqual(expect.arrayContaining([{ id: 1, item: 'Keyboard', quantity: 2 }]));
      expect(summary(traffic.exchanges())).toEqual([
        { method: 'OPTIONS', preflightFor: 'POST', requestedHeaders: 'content-type', status: 204 },
        { method: 'POST', status: 200 },
      ]);
    });

    it('lets https://app.example.com run a GET query with Apollo-Require-Preflight, which Apollo needs to see it is no CSRF', async () => {
      const query = encodeURIComponent('{ orders { id } }');
      const result = expectReadable(
        await callFrom(APP, `${GRAPHQL}?query=${query}`, {
          headers: { 'Apollo-Require-Preflight': 'true' },
          credentials: 'include',
        }),
        200,
      );
      expect(JSON.parse(result.body)).toMatchObject({ data: { orders: expect.arrayContaining([{ id: 1 }]) } });
      expect(summary(traffic.exchanges())).toEqual([
        { method: 'OPTIONS', preflightFor: 'GET', requestedHeaders: 'apollo-require-preflight', status: 204 },
        { method: 'GET', status: 200 },
      ]);
    });

    it.each([...LOOK_ALIKES, PARTNER])(
      'refuses the query to %s at the preflight: the POST never reaches Apollo',
      async (origin) => {
        expectBlocked(await callFrom(origin, GRAPHQL, APOLLO_CLIENT_POST), 'PreflightMissingAllowOriginHeader');
        expect(summary(traffic.exchanges())).toEqual([
          { method: 'OPTIONS', preflightFor: 'POST', requestedHeaders: 'content-type', status: 403 },
        ]);
      },
    );
  }),
);
