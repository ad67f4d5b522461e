import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { BrowserEngine, OriginPage, PageFetchInit, PageFetchOutcome } from './page-fetch.js';

/** Debian's Chromium (`apt-get install chromium`, see scripts/ensure-chromium.sh); never a downloaded one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Launches headless Chromium with every host name resolved to the page server's loopback
 * port (`MAP * 127.0.0.1:<port>`), except `127.0.0.1` itself, where the API is called. So
 * `https://app.example.com/` is fetched from the page server while its origin stays
 * `https://app.example.com`, and no traffic leaves loopback.
 *
 * The page and the API both sit on loopback, so Chromium's Local Network Access checks (which
 * replaced Private Network Access) see no request into a more private address space and stay
 * out of the way; `http://127.0.0.1` is potentially trustworthy, so calling it from an https
 * page is not mixed content.
 */
export async function launchChromium(pageServerPort: number): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: run \`bash scripts/ensure-chromium.sh\` (\`npm run test:browser\` does it first)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--ignore-certificate-errors',
      `--host-resolver-rules=MAP * 127.0.0.1:${pageServerPort}, EXCLUDE 127.0.0.1`,
    ],
  });
}

interface TrackedRequest {
  readonly seq: number;
  readonly url: string;
  readonly method: string;
  readonly type: string | undefined;
  settled?:
    | { readonly failed: false }
    | { readonly failed: true; readonly netError: string; readonly corsError: string | undefined };
}

const SETTLE_TIMEOUT_MS = 10_000;

/** Chromium as the test cases use it: pages at exact origins, the API called at `http://127.0.0.1:<port>`. */
export async function launchChromiumEngine(pageServerPort: number): Promise<BrowserEngine> {
  const browser = await launchChromium(pageServerPort);
  return {
    name: 'chromium',
    apiUrl: (loopbackUrl) => loopbackUrl,
    open: (origin) => ChromiumOriginPage.open(browser, origin),
    close: () => browser.close(),
  };
}

/** One page at an exact origin, in a browser context of its own, whose `fetch()` calls the tests run. */
export class ChromiumOriginPage implements OriginPage {
  private readonly requests = new Map<string, TrackedRequest>();
  private readonly changes = new EventEmitter();
  private seq = 0;

  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
  ) {}

  /** Loads the blank page of `origin` in a new browser context, and checks the page runs at exactly that origin. */
  static async open(browser: Browser, origin: string): Promise<ChromiumOriginPage> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      const opened = new ChromiumOriginPage(context, page);
      await opened.watchNetwork(await context.newCDPSession(page));
      await page.goto(`${origin}/`);
      // The origin fetch() sends, as the page's own global scope serializes it.
      const actual = await page.evaluate(() => (globalThis as unknown as { origin: string }).origin);
      if (actual !== origin) throw new Error(`the page meant for ${origin} runs at ${actual}`);
      return opened;
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  /**
   * Runs `fetch(url, init)` in the page, as the page's own script, and reports what the page
   * could read, or that the fetch failed and why Chromium failed it.
   */
  async fetch(url: string, init: PageFetchInit = {}): Promise<PageFetchOutcome> {
    const method = init.method ?? 'GET';
    const since = this.seq;
    const result = await this.page.evaluate(
      async ([target, options]) => {
        try {
          const response = await fetch(target, options);
          const headers: [string, string][] = [];
          response.headers.forEach((value, name) => headers.push([name, value]));
          return { ok: true as const, status: response.status, headers, body: await response.text() };
        } catch (error) {
          return {
            ok: false as const,
            error: String(error),
            errorName: error instanceof Error ? error.name : typeof error,
          };
        }
      },
      [url, init] as const,
    );
    if (result.ok) {
      return {
        kind: 'readable',
        status: result.status,
        headers: Object.fromEntries(result.headers),
        body: result.body,
      };
    }
    // Why it failed, from Chromium's own record of the fetch (requestWillBeSent, then loadingFailed).
    const { settled } = await this.settledRequest(since, url, method);
    return {
      kind: 'blocked',
      error: result.error,
      errorName: result.errorName,
      corsError: settled?.failed ? settled.corsError : undefined,
      detail: settled?.failed ? settled.netError : 'the request did not fail in the network stack',
    };
  }

  run<A, T>(script: (arg: A) => T | Promise<T>, arg: A): Promise<T> {
    // The engine's evaluate types are stricter about serializable values than this interface says.
    const evaluate = this.page.evaluate.bind(this.page) as unknown as (
      script: (arg: A) => T | Promise<T>,
      arg: A,
    ) => Promise<T>;
    return evaluate(script, arg);
  }

  failedLoads(url: string): string[] {
    return [...this.requests.values()]
      .sort((a, b) => a.seq - b.seq)
      .flatMap((r) => (r.url === url && r.settled?.failed === true ? [r.settled.netError] : []));
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  private async watchNetwork(cdp: CDPSession): Promise<void> {
    cdp.on('Network.requestWillBeSent', (event) => {
      this.requests.set(event.requestId, {
        seq: ++this.seq,
        url: event.request.url,
        method: event.request.method,
        type: event.type,
      });
      this.changes.emit('change');
    });
    cdp.on('Network.loadingFinished', (event) => {
      const request = this.requests.get(event.requestId);
      if (request !== undefined) request.settled = { failed: false };
      this.changes.emit('change');
    });
    cdp.on('Network.loadingFailed', (event) => {
      const request = this.requests.get(event.requestId);
      if (request !== undefined) {
        request.settled = { failed: true, netError: event.errorText, corsError: event.corsErrorStatus?.corsError };
      }
      this.changes.emit('change');
    });
    await cdp.send('Network.enable');
  }

  /** The page's `fetch` of `method url` issued after `since`, once Chromium has finished or failed it. */
  private async settledRequest(since: number, url: string, method: string): Promise<TrackedRequest> {
    const find = (): TrackedRequest | undefined =>
      [...this.requests.values()].find(
        (r) => r.seq > since && r.type === 'Fetch' && r.url === url && r.method === method,
      );
    return new Promise<TrackedRequest>((resolve, reject) => {
      const check = (): void => {
        const request = find();
        if (request?.settled === undefined) return;
        clearTimeout(timer);
        this.changes.off('change', check);
        resolve(request);
      };
      const timer = setTimeout(() => {
        this.changes.off('change', check);
        reject(
          new Error(`Chromium reported no end for the page's ${method} ${url} (DevTools protocol Network events)`),
        );
      }, SETTLE_TIMEOUT_MS);
      this.changes.on('change', check);
      check();
    });
  }
}
