import { launchChromiumEngine } from './chromium.js';
import { launchFirefoxEngine } from './firefox.js';
import type { BrowserEngine, EngineName } from './page-fetch.js';
import { startPageServer, type PageServer } from './page-server.js';

export type { BrowserEngine, EngineName } from './page-fetch.js';

const ALL: readonly EngineName[] = ['chromium', 'firefox'];

/**
 * The engines every browser case runs in: both, unless `BROWSER_ENGINES` names some
 * (`BROWSER_ENGINES=firefox`, comma-separated) to run a part while working on it.
 */
export const ENGINES: readonly EngineName[] = (() => {
  const wanted = process.env.BROWSER_ENGINES?.split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (wanted === undefined || wanted.length === 0) return ALL;
  const unknown = wanted.filter((name) => !ALL.includes(name as EngineName));
  if (unknown.length > 0)
    throw new Error(`BROWSER_ENGINES names unknown engines: ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  return ALL.filter((name) => wanted.includes(name));
})();

/** Launches `engine` with every test host name served by the page server on `pageServerPort`. */
export function launchEngine(engine: EngineName, pageServerPort: number): Promise<BrowserEngine> {
  return engine === 'chromium' ? launchChromiumEngine(pageServerPort) : launchFirefoxEngine(pageServerPort);
}

/**
 * Starts the page server and every engine once for a spec file, from Jest's `beforeAll`, and
 * closes them in `afterAll`; `engine(name)` is a started engine, for a case's own `beforeAll`.
 */
export function useEngines(): { engine(name: EngineName): BrowserEngine } {
  let pageServer: PageServer | undefined;
  const engines = new Map<EngineName, BrowserEngine>();
  beforeAll(async () => {
    const server = await startPageServer();
    pageServer = server;
    const launching = await Promise.allSettled(ENGINES.map((name) => launchEngine(name, server.port)));
    for (const result of launching) if (result.status === 'fulfilled') engines.set(result.value.name, result.value);
    const failed = launching.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...engines.values()].map((engine) => engine.close()));
    await pageServer?.close();
  });
  return {
    engine(name) {
      const engine = engines.get(name);
      if (engine === undefined) throw new Error(`${name} did not start: see the first failure`);
      return engine;
    },
  };
}
