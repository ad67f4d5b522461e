import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdapterName } from '../../../sample/app.factory.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO_ROOT, 'dist', 'sample', 'main.js');
const START_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;
const MAX_OUTPUT = 256 * 1024;

/** The sample app (`node dist/sample/main.js`), running as a child process on a free port. */
export interface SampleProcess {
  readonly adapter: AdapterName;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

class PortTakenError extends Error {}

/**
 * Starts the built sample exactly as `npm start` does, with `PORT`, `HOST` and `ADAPTER`. The
 * port is found free first (the sample prints the port it was given, so port 0 would leave it
 * unknown); if another process takes it in between, another port is tried.
 */
export async function startSample(adapter: AdapterName): Promise<SampleProcess> {
  assertBuildIsFresh();
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    try {
      return await launch(adapter, await freePort());
    } catch (error) {
      if (!(error instanceof PortTakenError)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(adapter: AdapterName, port: number): Promise<SampleProcess> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ADAPTER: adapter, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = ''; // shown if it fails to start
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const ready = `listening on http://127.0.0.1:${port}/api`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`the ${adapter} sample did not start within ${START_TIMEOUT_MS / 1000}s; it printed:\n${output}`),
      );
    }, START_TIMEOUT_MS);
    const onData = (): void => {
      if (!output.includes(ready)) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      if (output.includes('EADDRINUSE')) reject(new PortTakenError(`port ${port} was taken`));
      else
        reject(
          new Error(
            `the ${adapter} sample exited (${signal ?? `code ${code}`}) before listening; it printed:\n${output}`,
          ),
        );
    });
  });

  return {
    adapter,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The child runs the compiled sample: testing a `dist/` older than `lib/` would test the wrong
 * code (and a deliberately broken library would look fine). `npm run test:browser` builds first.
 */
function assertBuildIsFresh(): void {
  const stale: string[] = [];
  for (const dir of ['lib', 'sample']) {
    for (const source of typeScriptFiles(join(REPO_ROOT, dir))) {
      const compiled = join(REPO_ROOT, 'dist', relative(REPO_ROOT, source)).replace(/\.ts$/, '.js');
      if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs)
        stale.push(relative(REPO_ROOT, source));
    }
  }
  if (stale.length > 0) {
    throw new Error(
      `dist/ is missing or older than ${stale.join(', ')}: run \`npm run build\` (\`npm run test:browser\` does it first)`,
    );
  }
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
