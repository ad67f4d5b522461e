/**
 * helmet beside nest-cors, judged by each engine (Chromium and Firefox): helmet's default
 * `Cross-Origin-Resource-Policy: same-origin` does not touch CORS-mode reads (`fetch()`), which
 * the CORS policy decides, but blocks no-cors loads from other origins (`<img>`,
 * `fetch(…, { mode: 'no-cors' })`), whatever the CORS headers say. `<img crossorigin>` loads in
 * CORS mode and is decided by the policy; a route that sets `Cross-Origin-Resource-Policy:
 * cross-origin` can be embedded anywhere.
 *
 * The app runs in this process (helmet on Express, @fastify/helmet on Fastify); the page is
 * https://app.example.com from the page server of the main browser suite.
 *
 * Engine difference: each engine names a CORP refusal in its own words
 * (`CORP_BLOCKED_BY_RESPONSE` below).
 */
import { jest } from '@jest/globals';
import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import fastifyHelmet from '@fastify/helmet';
import helmet from 'helmet';
import { Cors, CorsModule } from '../../lib/index.js';
import { startAppAsync } from '../support/async-app.js';
import { ADAPTERS, type RunningApp } from '../support/test-app.js';
import { ENGINES, useEngines, type BrowserEngine, type EngineName } from './harness/engines.js';
import { loadImage, type OriginPage } from './harness/page-fetch.js';

jest.setTimeout(30_000);

const APP = 'https://app.example.com';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

@Cors('web')
@Controller()
class PixelController {
  /** helmet's default: `Cross-Origin-Resource-Policy: same-origin`. */
  @Get('pixel')
  pixel(): StreamableFile {
    return new StreamableFile(PNG, { type: 'image/png' });
  }

  /** For other sites to embed: the route relaxes helmet's CORP. */
  @Get('public-pixel')
  @Header('Cross-Origin-Resource-Policy', 'cross-origin')
  publicPixel(): StreamableFile {
    return new StreamableFile(PNG, { type: 'image/png' });
  }
}

/**
 * How each engine's network stack names a load refused for the response's
 * Cross-Origin-Resource-Policy (a different code for the same decision).
 */
const CORP_BLOCKED_BY_RESPONSE: Readonly<Record<EngineName, string>> = {
  chromium: 'net::ERR_BLOCKED_BY_RESPONSE.NotSameOrigin',
  firefox: 'NS_ERROR_DOM_CORP_FAILED',
};

/** What the page sees of one load. */
type Loaded = { ok: true; status?: number; type?: string } | { ok: false; error: string };

const engines = useEngines();

describe.each(ENGINES)('in %s', (engineName) =>
  describe.each(ADAPTERS)("helmet's Cross-Origin-Resource-Policy beside nest-cors on %s", (adapter) => {
    let running: RunningApp;
    let engine: BrowserEngine;
    let page: OriginPage;
    let n = 0;
    /** A URL the browser has not cached. */
    const fresh = (path: string): string => `${engine.apiUrl(running.url)}${path}?n=${++n}`;

    beforeAll(async () => {
      running = await startAppAsync(
        adapter,
        {
          imports: [CorsModule.forRoot({ policies: { web: { origins: [APP], credentials: true } } })],
          controllers: [PixelController],
        },
        async (app) => {
          if (adapter === 'express') app.use(helmet());
          else await (app as unknown as { register(plugin: unknown): Promise<unknown> }).register(fastifyHelmet);
        },
      );
      engine = engines.engine(engineName);
      page = await engine.open(APP); // checks the page runs at exactly APP
    });

    afterAll(async () => {
      await page?.close();
      await running?.close();
    });

    const fetchFromPage = (url: string, mode: 'cors' | 'no-cors'): Promise<Loaded> =>
      page.run(
        async ([target, requestMode]) => {
          try {
            const response = await fetch(target, { mode: requestMode, credentials: 'include' });
            return { ok: true as const, status: response.status, type: response.type };
          } catch (error) {
            return { ok: false as const, error: String(error) };
          }
        },
        [url, mode] as const,
      );

    const imageFromPage = async (url: string, crossOrigin?: 'anonymous' | 'use-credentials'): Promise<Loaded> =>
      (await loadImage(page, url, crossOrigin)) ? { ok: true } : { ok: false, error: 'error event' };

    it('sends helmet’s Cross-Origin-Resource-Policy: same-origin next to the CORS headers', async () => {
      const response = await fetch(fresh('/pixel'), { headers: { Origin: APP } });
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    });

    it('lets the allowed origin read the response with fetch() (CORS mode): CORP is not checked there', async () => {
      expect(await fetchFromPage(fresh('/pixel'), 'cors')).toEqual({ ok: true, status: 200, type: 'cors' });
    });

    it('blocks a no-cors fetch() and an <img> of the same response, although the CORS policy allows the origin', async () => {
      const noCors = fresh('/pixel');
      const image = fresh('/pixel');
      expect(await fetchFromPage(noCors, 'no-cors')).toMatchObject({
        ok: false,
        error: expect.stringMatching(/TypeError/),
      });
      expect(await imageFromPage(image)).toEqual({ ok: false, error: 'error event' });
      // The engine's own reason: the response's CORP, not CORS.
      const corp = CORP_BLOCKED_BY_RESPONSE[engine.name];
      expect([...page.failedLoads(noCors), ...page.failedLoads(image)]).toEqual([corp, corp]);
    });

    it('loads <img crossorigin="use-credentials"> of it: a CORS-mode load, decided by the policy', async () => {
      expect(await imageFromPage(fresh('/pixel'), 'use-credentials')).toEqual({ ok: true });
    });

    it('loads an <img> of a route that sets Cross-Origin-Resource-Policy: cross-origin', async () => {
      const response = await fetch(fresh('/public-pixel'));
      expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(await imageFromPage(fresh('/public-pixel'))).toEqual({ ok: true });
      expect(await fetchFromPage(fresh('/public-pixel'), 'no-cors')).toEqual({ ok: true, status: 0, type: 'opaque' });
    });
  }),
);
