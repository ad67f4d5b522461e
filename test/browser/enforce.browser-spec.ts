/**
 * `enforce: true` with Fetch Metadata, judged by each engine (Chromium and Firefox): a cross-site
 * `<img>` sends no `Origin`, only `Sec-Fetch-Site: cross-site`, and is refused with 403 before
 * the handler runs; the same load in CORS mode (`<img crossorigin>`) sends `Origin`, which the
 * policy decides. What the server saw of each request is recorded, so the test checks the
 * headers the engine really sent, not what the test assumes it sends.
 *
 * The app runs in this process; the pages come from the page server of the main browser suite.
 */
import { jest } from '@jest/globals';
import { Controller, Get, StreamableFile } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Cors, CorsModule } from '../../lib/index.js';
import { startAppAsync } from '../support/async-app.js';
import { ADAPTERS, type RunningApp } from '../support/test-app.js';
import { ENGINES, useEngines, type BrowserEngine } from './harness/engines.js';
import { loadImage } from './harness/page-fetch.js';

jest.setTimeout(30_000);

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.org';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** Handler runs, by query string: a refused request must never appear here. */
const ran: string[] = [];

@Cors({ origins: [APP], credentials: true })
@Controller()
class PixelController {
  @Get('pixel')
  pixel(): StreamableFile {
    return new StreamableFile(PNG, { type: 'image/png' });
  }
}

/** What the server saw of one request, and what it answered. */
interface Seen {
  readonly url: string;
  readonly status: number;
  readonly origin: string | undefined;
  readonly site: string | undefined;
  readonly mode: string | undefined;
}

const engines = useEngines();

describe.each(ENGINES)('in %s', (engineName) =>
  describe.each(ADAPTERS)('enforce: true with Fetch Metadata on %s', (adapter) => {
    let running: RunningApp;
    let engine: BrowserEngine;
    const seen: Seen[] = [];
    let n = 0;
    /** A URL the browser has not cached. */
    const fresh = (): string => `${engine.apiUrl(running.url)}/pixel?n=${engineName}-${adapter}-${++n}`;
    const seenOf = (url: string): Seen[] => seen.filter((s) => url.endsWith(s.url));

    beforeAll(async () => {
      running = await startAppAsync(
        adapter,
        { imports: [CorsModule.forRoot({ enforce: true })], controllers: [PixelController] },
        (app) => {
          // Nest middleware gets the Node objects on both adapters: note each answer as it goes out.
          app.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
            const { origin, 'sec-fetch-site': site, 'sec-fetch-mode': mode } = request.headers;
            const url = request.url ?? '';
            response.on('finish', () => {
              seen.push({ url, status: response.statusCode, origin, site: site, mode: mode });
              if (response.statusCode === 200) ran.push(url);
            });
            next();
          });
        },
      );
      engine = engines.engine(engineName);
    });

    afterAll(() => running?.close());

    it('refuses a cross-site <img> that carries no Origin with 403, before the handler runs', async () => {
      const page = await engine.open(EVIL);
      try {
        const url = fresh();
        expect(await loadImage(page, url)).toBe(false);
        expect(seenOf(url)).toEqual([
          { url: expect.any(String), status: 403, origin: undefined, site: 'cross-site', mode: 'no-cors' },
        ]);
        expect(ran.some((u) => url.endsWith(u))).toBe(false);
      } finally {
        await page.close();
      }
    });

    it('refuses the same load in CORS mode from an origin the policy does not allow', async () => {
      const page = await engine.open(EVIL);
      try {
        const url = fresh();
        expect(await loadImage(page, url, 'use-credentials')).toBe(false);
        expect(seenOf(url)).toEqual([
          { url: expect.any(String), status: 403, origin: EVIL, site: 'cross-site', mode: 'cors' },
        ]);
      } finally {
        await page.close();
      }
    });

    it('loads <img crossorigin> from the allowed origin: Origin sent, the policy allows it', async () => {
      const page = await engine.open(APP);
      try {
        const url = fresh();
        expect(await loadImage(page, url, 'use-credentials')).toBe(true);
        expect(seenOf(url)).toEqual([
          { url: expect.any(String), status: 200, origin: APP, site: 'cross-site', mode: 'cors' },
        ]);
      } finally {
        await page.close();
      }
    });
  }),
);
