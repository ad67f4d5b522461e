import { launchChromiumEngine } from './chromium.js';
import { launchFirefoxEngine } from './firefox.js';
import type { BrowserEngine, EngineName } from './page-fetch.js';

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
