import 'reflect-metadata';
import type { INestApplication, ModuleMetadata, NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

export type AdapterName = 'express' | 'fastify';

/** Every e2e case runs on both adapters: `describe.each(ADAPTERS)('%s', (adapter) => …)`. */
export const ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];

export interface RunningApp {
  readonly app: INestApplication;
  /** `http://127.0.0.1:<port>`, for supertest. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a real Nest application over real HTTP on loopback, on the given adapter.
 * `configure` runs before `init`, for the global prefix, versioning and the like; `options` are
 * the application's own.
 */
export async function startApp(
  adapter: AdapterName,
  metadata: ModuleMetadata,
  configure: (app: INestApplication) => void = () => undefined,
  options: NestApplicationOptions = {},
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    ...options,
  });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
