import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AdapterName, RunningApp } from './test-app.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = fileURLToPath(new URL('./swc-register.mjs', import.meta.url));
const SERVE = fileURLToPath(new URL('./fixtures/serve-module.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;

/**
 * Serves the Nest module `exportName` of `moduleFile` (a TypeScript file of this repository) in a
 * plain Node process, over real HTTP on loopback: for packages Jest's module runtime cannot load
 * beside Nest 12 (a CommonJS package that require()s Nest's ES modules works in Node ≥ 20.19,
 * not in Jest on Node < 24.9). The child compiles lib/ and the fixture from source with the same
 * SWC options as Jest (swc-loader.mjs), so it runs the code under test, not dist/.
 */
export async function startChildApp(adapter: AdapterName, moduleFile: URL, exportName: string): Promise<RunningApp> {
  const child = spawn(process.execPath, ['--no-warnings', '--import', REGISTER, SERVE], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ADAPTER: adapter,
      FIXTURE_MODULE: fileURLToPath(moduleFile),
      FIXTURE_EXPORT: exportName,
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${exportName} on ${adapter} did not listen within ${START_TIMEOUT_MS / 1000}s; it printed:\n${output}`,
        ),
      );
    }, START_TIMEOUT_MS);
    const onData = (): void => {
      const match = /^LISTENING (\S+)$/m.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${exportName} on ${adapter} exited (${signal ?? `code ${code}`}) before listening; it printed:\n${output}`,
        ),
      );
    });
  });

  return {
    // No application object across a process boundary: tests use `url`.
    get app(): never {
      throw new Error('an app in a child process has no INestApplication here: use url');
    },
    url,
    close: async () => {
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
