import 'reflect-metadata';
import { CorsAuditService } from '../lib/index.js';
import { createSampleApp, type AdapterName } from './app.factory.js';

/**
 * `npm run audit`: the sample's whole cross-origin surface, as a table (or JSON with --json),
 * without listening on any port.
 */
const adapter: AdapterName = process.env.ADAPTER === 'fastify' ? 'fastify' : 'express';
const app = await createSampleApp(adapter, { logger: false });
await app.init();
const audit = app.get(CorsAuditService);
process.stdout.write(
  process.argv.includes('--json') ? `${JSON.stringify(audit.routes(), null, 2)}\n` : `${audit.formatTable()}\n`,
);
await app.close();
