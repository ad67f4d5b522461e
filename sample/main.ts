import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createSampleApp, type AdapterName } from './app.factory.js';

const adapter: AdapterName = process.env.ADAPTER === 'fastify' ? 'fastify' : 'express';
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const app = await createSampleApp(adapter);
await app.listen(port, host);
new Logger('Sample').log(`orders API (${adapter}) listening on http://${host}:${port}/api`);
