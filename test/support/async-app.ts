import 'reflect-metadata';
import { Module, type INestApplication, type ModuleMetadata, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AdapterName, RunningApp } from './test-app.js';

/**
 * `startApp()` with a `configure` that may be asynchronous, for what an app sets up with `await`
 * before it listens (`await app.register(helmet)` on Fastify), and built the way `main.ts`
 * builds apps: `NestFactory.create()` of a root module holding `metadata`. Not through
 * `Test.createTestingModule()`: there, modules that pick their setup from the HTTP adapter when
 * their providers are created see none yet (`compile()` runs before `createNestApplication()`
 * gives the adapter): `ServeStaticModule` then serves nothing at all.
 */
export async function startAppAsync(
  adapter: AdapterName,
  metadata: ModuleMetadata,
  configure: (app: INestApplication) => void | Promise<void> = () => undefined,
  options: NestApplicationOptions = {},
): Promise<RunningApp> {
  @Module(metadata)
  class TestRootModule {}
  const app = await NestFactory.create(
    TestRootModule,
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: false, ...options },
  );
  try {
    await configure(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
