/**
 * What a test page's `fetch()` may carry and what it saw, in words that mean the same in every
 * browser engine the suite drives (`chromium.ts`, `firefox.ts`, chosen in `engines.ts`).
 */

/** The browser engines the suite runs in. */
export type EngineName = 'chromium' | 'firefox';

/** What `fetch()` may carry from a page; plain data, handed to the page as is. */
export interface PageFetchInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly credentials?: 'omit' | 'same-origin' | 'include';
  /** `'no-store'` to read the server's current state, past the browser's HTTP cache. */
  readonly cache?: 'default' | 'no-store';
}

/** The page could read the response: what page JavaScript sees of it. */
export interface ReadableOutcome {
  readonly kind: 'readable';
  readonly status: number;
  /** Response headers visible to the page (lowercase names): CORS-safelisted and exposed ones only. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Why the browser's CORS check refused a response, named as Chromium's `Network.CorsError`
 * names it. Chromium reports these itself (DevTools protocol); the Firefox harness maps the
 * reason Firefox logs (`Cross-Origin Request Blocked: … (Reason: …)`) onto the same names, and
 * tells a refused preflight from a refused actual response by its own network events.
 */
export type CorsRefusal =
  | 'MissingAllowOriginHeader'
  | 'WildcardOriginNotAllowed'
  | 'AllowOriginMismatch'
  | 'InvalidAllowCredentials'
  | 'PreflightMissingAllowOriginHeader'
  | 'PreflightWildcardOriginNotAllowed'
  | 'PreflightAllowOriginMismatch'
  | 'PreflightInvalidAllowCredentials'
  | 'PreflightInvalidStatus'
  | 'MethodDisallowedByPreflightResponse'
  | 'HeaderDisallowedByPreflightResponse';

/** `fetch()` rejected: what the page saw, and the engine's own reason. */
export interface BlockedOutcome {
  readonly kind: 'blocked';
  /** The rejection, as the page saw it (`TypeError: Failed to fetch`, `TypeError: NetworkError when …`). */
  readonly error: string;
  readonly errorName: string;
  /**
   * The CORS check that failed, a {@link CorsRefusal} for those the cases expect (another
   * `Network.CorsError` name, or Firefox's own reason when it maps to none); `undefined` when
   * the failure was no CORS decision (a network error, …).
   */
  readonly corsError: string | undefined;
  /** The engine's own words for the failure, for diagnostics (net error, console reason). */
  readonly detail: string;
}

export type PageFetchOutcome = ReadableOutcome | BlockedOutcome;

/** A page at one exact origin, in a browser context of its own, whose `fetch()` calls the tests run. */
export interface OriginPage {
  /** Runs `fetch(url, init)` as the page's own script; reports what the page read, or why the browser refused. */
  fetch(url: string, init?: PageFetchInit): Promise<PageFetchOutcome>;
  /** Runs `script(arg)` in the page (serializable `arg` and result), for loads other than `fetch()`. */
  run<A, T>(script: (arg: A) => T | Promise<T>, arg: A): Promise<T>;
  /** The engine's own error for each load of exactly `url` that failed in its network stack, in order. */
  failedLoads(url: string): string[];
  close(): Promise<void>;
}

/** One launched browser, as the test cases use it. */
export interface BrowserEngine {
  readonly name: EngineName;
  /**
   * The base URL pages call for an API the suite serves at `http://127.0.0.1:<port>`. Firefox
   * calls it as `http://localhost:<port>`: Firefox's preflight cache checks the target host's
   * DNS-cache record (`CORSCacheEntry::CheckDNSCache`), which an IP literal never has, and builds
   * have been seen to re-send every preflight to one, so that a case meant to catch a cached
   * preflight standing in for another could not fail. (Firefox 153.8 ESR reuses it for
   * `127.0.0.1` too; a host name keeps those cases meaningful either way.)
   */
  apiUrl(loopbackUrl: string): string;
  /** Opens (in a browser context of its own) and checks a page at exactly `origin`. */
  open(origin: string): Promise<OriginPage>;
  close(): Promise<void>;
}

/**
 * One page per origin, opened on first use and kept for the whole run: starting a renderer is
 * the slow part of a case. Cases stay independent because each calls the API at an origin no
 * other case of the run uses (a forwarder on a port of its own, see `TrafficRecorder`): both
 * engines key their preflight cache and their HTTP cache by request URL.
 */
export class OriginPages {
  private readonly pages = new Map<string, Promise<OriginPage>>();

  constructor(private readonly engine: BrowserEngine) {}

  at(origin: string): Promise<OriginPage> {
    let page = this.pages.get(origin);
    if (page === undefined) {
      page = this.engine.open(origin);
      this.pages.set(origin, page);
      page.catch(() => this.pages.delete(origin));
    }
    return page;
  }

  async close(): Promise<void> {
    const pages = [...this.pages.values()];
    this.pages.clear();
    await Promise.all(pages.map(async (page) => (await page.catch(() => undefined))?.close()));
  }
}

/**
 * Has `page` load `url` as an `<img>` (in CORS mode with `crossOrigin`): `true` on its `load`
 * event, `false` on `error`. A no-cors load's response is opaque to the page; the server's
 * records tell what it answered.
 */
export function loadImage(
  page: OriginPage,
  url: string,
  crossOrigin?: 'anonymous' | 'use-credentials',
): Promise<boolean> {
  return page.run(
    ([target, cors]) =>
      new Promise<boolean>((resolve) => {
        // The page's own HTMLImageElement (no DOM types in this project's lib).
        const ImageElement = (
          globalThis as unknown as {
            Image: new () => {
              crossOrigin: string | null;
              src: string;
              onload: (() => void) | null;
              onerror: (() => void) | null;
            };
          }
        ).Image;
        const image = new ImageElement();
        if (cors !== undefined) image.crossOrigin = cors;
        image.onload = () => resolve(true);
        image.onerror = () => resolve(false);
        image.src = target;
      }),
    [url, crossOrigin] as const,
  );
}
