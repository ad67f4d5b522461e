import type { INestApplication } from '@nestjs/common';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SampleAppModule } from './sample-app.module.js';

export type AdapterName = 'express' | 'fastify';

/** What the contract fixes for every sample app, whoever creates it (main.ts or a test). */
export function configureSampleApp(app: INestApplication): void {
  app.setGlobalPrefix('api');
  app.enableVersioning({ type: VersioningType.URI });
}

export async function createSampleApp(
  adapter: AdapterName,
  options: { logger?: false } = {},
): Promise<INestApplication> {
  const app =
    adapter === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(SampleAppModule, new FastifyAdapter(), options)
      : await NestFactory.create<NestExpressApplication>(SampleAppModule, new ExpressAdapter(), options);
  configureSampleApp(app);
  return app;
}
