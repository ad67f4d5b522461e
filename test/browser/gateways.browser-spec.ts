/**
 * `@Cors()` on a socket.io gateway, judged by each engine (Chromium and Firefox): a page at the
 * allowed origin loads the socket.io client the server serves, connects over long polling
 * (`XMLHttpRequest` with credentials: the browser's own CORS check) and over WebSocket (which
 * browsers let any page open: only the server's origin check stands in the way), and gets its
 * message back; a page at a look-alike origin cannot connect over either.
 *
 * The app runs in this process; pages come from the page server of the main browser suite.
 */
import { jest } from '@jest/globals';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';
import { ENGINES, useEngines, type BrowserEngine, type EngineName } from './harness/engines.js';
import type { OriginPage } from './harness/page-fetch.js';

jest.setTimeout(30_000);

const APP = 'https://app.example.com';
const LOOK_ALIKES = ['https://app.example.com.evil.org', 'http://app.example.com'];

@Cors('partners')
@WebSocketGateway({ namespace: 'partners' })
class PartnersGateway {
  @SubscribeMessage('ping')
  ping(@MessageBody() data: unknown): { event: string; data: unknown } {
    return { event: 'pong', data };
  }
}

type Outcome = { connected: true; pong: unknown } | { connected: false; error: string };

const engines = useEngines();

describe.each(ENGINES)('in %s', (engineName: EngineName) =>
  describe.each(ADAPTERS)('a socket.io gateway under @Cors() on %s, connected to from pages', (adapter) => {
    let running: RunningApp;
    let engine: BrowserEngine;
    const pages = new Map<string, OriginPage>();

    beforeAll(async () => {
      running = await startApp(adapter, {
        imports: [CorsModule.forRoot({ policies: { partners: { origins: [APP], credentials: true } } })],
        providers: [PartnersGateway],
      });
      engine = engines.engine(engineName);
      for (const origin of [APP, ...LOOK_ALIKES]) pages.set(origin, await engine.open(origin));
    });

    afterAll(async () => {
      await Promise.all([...pages.values()].map((page) => page.close()));
      await running?.close();
    });

    /** Has the page at `origin` load the served client, connect over `transport` and send `ping`. */
    const exchange = (origin: string, transport: 'polling' | 'websocket'): Promise<Outcome> =>
      pages.get(origin)!.run(
        async ([base, only]) => {
          // The page's own DOM and the client's global (no DOM types in this project's lib).
          type Client = {
            on(event: string, listener: (value: { message?: string }) => void): void;
            emit(event: string, data: unknown): void;
            close(): void;
          };
          const page = globalThis as unknown as {
            io?: (url: string, options: object) => Client;
            document: {
              createElement(tag: 'script'): { src: string; onload: (() => void) | null; onerror: (() => void) | null };
              head: { append(element: unknown): void };
            };
          };
          if (page.io === undefined) {
            await new Promise<void>((resolve, reject) => {
              const script = page.document.createElement('script');
              script.onload = () => resolve();
              script.onerror = () => reject(new Error('the socket.io client did not load'));
              script.src = `${base}/socket.io/socket.io.js`;
              page.document.head.append(script);
            });
          }
          const socket = page.io!(`${base}/partners`, {
            transports: [only],
            withCredentials: true,
            reconnection: false,
            forceNew: true,
            timeout: 5000,
          });
          return new Promise<Outcome>((resolve) => {
            socket.on('connect', () => socket.emit('ping', { n: 1 }));
            socket.on('pong', (data) => {
              socket.close();
              resolve({ connected: true, pong: data });
            });
            socket.on('connect_error', (error) => {
              socket.close();
              resolve({ connected: false, error: String(error.message) });
            });
          });
        },
        [engine.apiUrl(running.url), transport] as const,
      );

    it.each(['polling', 'websocket'] as const)(
      'lets a page at the allowed origin connect over %s and get its message back',
      async (transport) => {
        await expect(exchange(APP, transport)).resolves.toEqual({ connected: true, pong: { n: 1 } });
      },
    );

    describe.each(LOOK_ALIKES)('a page at the look-alike %s', (origin) => {
      it('cannot connect over long polling: the browser sees no Access-Control-Allow-Origin', async () => {
        await expect(exchange(origin, 'polling')).resolves.toEqual({ connected: false, error: 'xhr poll error' });
      });

      it('cannot connect over WebSocket: the server refuses the upgrade', async () => {
        await expect(exchange(origin, 'websocket')).resolves.toEqual({ connected: false, error: 'websocket error' });
      });
    });
  }),
);
