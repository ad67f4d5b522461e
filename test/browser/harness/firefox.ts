import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type BrowserContext, type HTTPRequest, type Page } from 'puppeteer-core';
import type { BrowserEngine, CorsRefusal, OriginPage, PageFetchInit, PageFetchOutcome } from './page-fetch.js';

/** Debian's Firefox ESR (`apt-get install firefox-esr`, see scripts/ensure-firefox.sh); never a downloaded one. */
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/**
 * Launches Debian's headless Firefox ESR through puppeteer-core over WebDriver BiDi.
 *
 * Firefox has no `--host-resolver-rules`: it reaches every test host through the page server,
 * which is also its HTTP proxy (`page-server.ts`): `CONNECT app.example.com:443` is tunnelled
 * to the page server's TLS side, so `https://app.example.com/` keeps its real origin, and every
 * host that is no test host is refused there. `localhost` (where the API is called) bypasses
 * the proxy. The throw-away certificate is accepted (`acceptInsecureCerts`).
 */
export async function launchFirefox(pageServerPort: number): Promise<Browser> {
  if (!existsSync(FIREFOX_PATH)) {
    throw new Error(
      `${FIREFOX_PATH} is missing: run \`bash scripts/ensure-firefox.sh\` (\`npm run test:browser\` does it first)`,
    );
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    acceptInsecureCerts: true,
    extraPrefsFirefox: {
      // Every host through the page server (it refuses all but test hosts); localhost bypasses it.
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': pageServerPort,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': pageServerPort,
      'network.proxy.allow_hijacking_localhost': false,
      'network.proxy.failover_direct': false,
      // No lookups or connections of Firefox's own past the proxy (puppeteer points most of its
      // services at a dummy host already).
      'network.connectivity-service.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.dns.disablePrefetch': true,
      'network.trr.mode': 5,
      'network.dns.disableIPv6': true,
      'network.http.http3.enable': false,
      // http:// test origins (`http://app.example.com`) stay http.
      'dom.security.https_first': false,
      'dom.security.https_first_pbm': false,
      'dom.security.https_first_schemeless': false,
      'dom.security.https_only_mode': false,
      // The console reasons the harness reads are matched in English.
      'intl.locale.requested': 'en-US',
    },
  });
}

/** Firefox as the test cases use it: pages at exact origins, the API called at `http://localhost:<port>`. */
export async function launchFirefoxEngine(pageServerPort: number): Promise<BrowserEngine> {
  const browser = await launchFirefox(pageServerPort);
  return {
    name: 'firefox',
    // A host name, not an IP literal: see BrowserEngine.apiUrl.
    apiUrl: (loopbackUrl) => loopbackUrl.replace('://127.0.0.1:', '://localhost:'),
    open: (origin) => FirefoxOriginPage.open(browser, origin),
    close: () => browser.close(),
  };
}

/** One `Cross-Origin Request Blocked` message of Firefox's console. */
interface Refusal {
  readonly seq: number;
  readonly url: string;
  readonly reason: string;
}

interface TrackedRequest {
  readonly seq: number;
  readonly url: string;
  readonly method: string;
  /** Set once it ends: `failed` is Firefox's error when it failed in the network stack. */
  settled?: { readonly failed?: string };
}

const SETTLE_TIMEOUT_MS = 10_000;
/** Logged for any network failure (and for the actual request after a refused preflight): no CORS decision. */
const NOT_A_CORS_DECISION = 'CORS request did not succeed';
// Firefox quotes the URL in some of these messages (‘http://…’) and not in others.
const BLOCKED =
  /^Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘?([^\s‘’]+?)’?\. \(Reason: (.*)\)\.(?: Status code: .*)?$/s;

/** Firefox's console reason, as Chromium's `Network.CorsError` names it (without the `Preflight` prefix). */
function refusalOf(reason: string, preflight: boolean): CorsRefusal | undefined {
  const both = (actual: CorsRefusal, ofPreflight: CorsRefusal): CorsRefusal => (preflight ? ofPreflight : actual);
  if (/^CORS header ‘Access-Control-Allow-Origin’ missing$/.test(reason))
    return both('MissingAllowOriginHeader', 'PreflightMissingAllowOriginHeader');
  if (/^Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘\*’$/.test(reason))
    return both('WildcardOriginNotAllowed', 'PreflightWildcardOriginNotAllowed');
  if (/^CORS header ‘Access-Control-Allow-Origin’ does not match /.test(reason))
    return both('AllowOriginMismatch', 'PreflightAllowOriginMismatch');
  if (/^expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’$/.test(reason))
    return both('InvalidAllowCredentials', 'PreflightInvalidAllowCredentials');
  if (/^Did not find method in CORS header ‘Access-Control-Allow-Methods’$/.test(reason))
    return 'MethodDisallowedByPreflightResponse';
  if (/^missing token ‘.*’ in CORS header ‘Access-Control-Allow-Headers’/.test(reason))
    return 'HeaderDisallowedByPreflightResponse';
  if (/^CORS preflight response did not succeed/.test(reason)) return 'PreflightInvalidStatus';
  return undefined;
}

/**
 * A page at an exact origin in a browser context of its own (its own preflight cache, HTTP
 * cache and cookies). `fetch()` rejects with the same `TypeError` for a CORS refusal and for a
 * network failure; Firefox says which in its console (`Cross-Origin Request Blocked: … (Reason:
 * …)`, delivered over BiDi `log.entryAdded`), and its network events (`network.beforeRequestSent`,
 * `fetchError`) tell whether the refused exchange was the preflight.
 */
export class FirefoxOriginPage implements OriginPage {
  private readonly requests = new Map<HTTPRequest, TrackedRequest>();
  private readonly refusals: Refusal[] = [];
  private readonly changes = new EventEmitter();
  private seq = 0;

  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
  ) {}

  static async open(browser: Browser, origin: string): Promise<FirefoxOriginPage> {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const opened = new FirefoxOriginPage(context, page);
      opened.watch();
      await page.goto(`${origin}/`);
      const actual = await page.evaluate(() => (globalThis as unknown as { origin: string }).origin);
      if (actual !== origin) throw new Error(`the page meant for ${origin} runs at ${actual}`);
      return opened;
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  async fetch(url: string, init: PageFetchInit = {}): Promise<PageFetchOutcome> {
    const since = this.seq;
    const result = await this.page.evaluate(
      async (target: string, options: PageFetchInit) => {
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
      url,
      init,
    );
    if (result.ok) {
      return {
        kind: 'readable',
        status: result.status,
        headers: Object.fromEntries(result.headers),
        body: result.body,
      };
    }
    const { refusal, preflight } = await this.refusalOf(since, url);
    if (refusal === undefined) {
      return {
        kind: 'blocked',
        error: result.error,
        errorName: result.errorName,
        corsError: undefined,
        detail: 'Firefox logged no CORS reason for it',
      };
    }
    return {
      kind: 'blocked',
      error: result.error,
      errorName: result.errorName,
      corsError: refusalOf(refusal.reason, preflight) ?? refusal.reason,
      detail: `${preflight ? 'preflight refused: ' : ''}${refusal.reason}`,
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
    return [...this.requests.values()].flatMap((r) =>
      r.url === url && r.settled?.failed !== undefined ? [r.settled.failed] : [],
    );
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  private watch(): void {
    // BiDi network.beforeRequestSent, responseCompleted and fetchError, as puppeteer reports them.
    this.page.on('request', (request: HTTPRequest) => {
      this.requests.set(request, { seq: ++this.seq, url: request.url(), method: request.method() });
      this.changes.emit('change');
    });
    const settle = (request: HTTPRequest, settled: TrackedRequest['settled']): void => {
      const tracked = this.requests.get(request);
      if (tracked !== undefined) tracked.settled = settled;
      this.changes.emit('change');
    };
    this.page.on('requestfinished', (request: HTTPRequest) => settle(request, {}));
    this.page.on('requestfailed', (request: HTTPRequest) =>
      settle(request, { failed: request.failure()?.errorText ?? 'failed' }),
    );
    // Firefox's CORS messages arrive as BiDi log entries of type "javascript" (puppeteer's
    // `pageerror`); a console-API entry is read too in case a version logs them there.
    const onMessage = (text: string): void => {
      const match = BLOCKED.exec(text);
      if (match === null) return;
      this.refusals.push({ seq: ++this.seq, url: match[1], reason: match[2] });
      this.changes.emit('change');
    };
    this.page.on('pageerror', (error: unknown) => onMessage(error instanceof Error ? error.message : String(error)));
    this.page.on('console', (message) => onMessage(message.text()));
  }

  /**
   * Firefox's CORS reason for the page's fetch of `url` issued after `since` (`undefined` if it
   * logged none), and whether the refused exchange was its preflight: an OPTIONS request of that
   * fetch that failed in the network stack (a refused actual response still completes).
   */
  private refusalOf(since: number, url: string): Promise<{ refusal?: Refusal; preflight: boolean }> {
    const preflights = (): TrackedRequest[] =>
      [...this.requests.values()].filter((r) => r.seq > since && r.url === url && r.method === 'OPTIONS');
    const find = (): Refusal | undefined =>
      this.refusals.find((r) => r.seq > since && r.url === url && !r.reason.startsWith(NOT_A_CORS_DECISION));
    return new Promise((resolve) => {
      const check = (): void => {
        const refusal = find();
        if (refusal === undefined || preflights().some((r) => r.settled === undefined)) return;
        clearTimeout(timer);
        this.changes.off('change', check);
        resolve({ refusal, preflight: preflights().some((r) => r.settled?.failed !== undefined) });
      };
      const timer = setTimeout(() => {
        this.changes.off('change', check);
        resolve({ refusal: find(), preflight: preflights().some((r) => r.settled?.failed !== undefined) });
      }, SETTLE_TIMEOUT_MS);
      this.changes.on('change', check);
      check();
    });
  }
}
