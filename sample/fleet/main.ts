import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { configureSampleApp } from '../app.factory.js';
import { AppModule } from '../app.module.js';
import { CorsFleetModule } from './cors-fleet.module.js';

/**
 * The sample orders API as one instance of a fleet: run two, change a policy through one,
 * watch the other follow.
 *
 *   npm run build
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=3001 node dist/sample/fleet/main.js
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=3002 ADAPTER=fastify node dist/sample/fleet/main.js
 *   curl -X PATCH localhost:3001/api/admin/cors-policies/partners -H 'Authorization: Bearer demo-token' \
 *     -H 'Content-Type: application/json' -d '{"origins":["https://new.example.com"]}'
 *   curl -i localhost:3002/api/partners/orders -H 'Origin: https://new.example.com'
 */
@Module({
  imports: [AppModule, CorsFleetModule.forRoot({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })],
})
class FleetInstanceModule {}

const fastify = process.env.ADAPTER === 'fastify';
const app = await NestFactory.create(FleetInstanceModule, fastify ? new FastifyAdapter() : new ExpressAdapter());
configureSampleApp(app);
app.enableShutdownHooks(); // SIGTERM closes the app: CorsPolicySync unsubscribes and quits Redis
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
await app.listen(port, host);
new Logger('Fleet').log(`orders API (${fastify ? 'fastify' : 'express'}) listening on http://${host}:${port}/api`);
