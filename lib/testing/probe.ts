import { request as httpRequest } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { CorsExchange } from './browser-check.js';

/** A preflight to send: what a browser sends before a non-simple request. */
export interface PreflightProbe {
  readonly path: string;
  readonly origin: string;
  /** The method of the request the preflight asks about. */
  readonly method: string;
  /** Request headers the page's request would set (sent lowercase, as browsers do). */
  readonly headers?: readonly string[];
  readonly privateNetwork?: boolean;
}

/** An actual request to send. */
export interface RequestProbe {
  readonly path: string;
  readonly origin?: string;
  /** @defaultValue `'GET'` */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Sends a preflight to a Nest application over real HTTP (listening on 127.0.0.1:0 if it is not yet). */
export async function probePreflight(app: INestApplication, probe: PreflightProbe): Promise<CorsExchange> {
  const requestedHeaders = [...new Set((probe.headers ?? []).map((h) => h.toLowerCase()))].sort();
  const headers: Record<string, string> = { origin: probe.origin, 'access-control-request-method': probe.method };
  if (requestedHeaders.length > 0) headers['access-control-request-headers'] = requestedHeaders.join(',');
  if (probe.privateNetwork === true) headers['access-control-request-private-network'] = 'true';
  const response = await send(app, 'OPTIONS', probe.path, headers, undefined);
  return {
    kind: 'preflight',
    method: probe.method,
    path: probe.path,
    origin: probe.origin,
    requestedHeaders,
    privateNetwork: probe.privateNetwork === true,
    ...response,
  };
}

/** Sends an actual request to a Nest application over real HTTP. */
export async function probeRequest(app: INestApplication, probe: RequestProbe): Promise<CorsExchange> {
  const method = probe.method ?? 'GET';
  const headers: Record<string, string> = { ...(probe.headers ?? {}) };
  if (probe.origin !== undefined) headers.origin = probe.origin;
  const response = await send(app, method, probe.path, headers, probe.body);
  return {
    kind: 'request',
    method,
    path: probe.path,
    origin: probe.origin,
    requestedHeaders: [],
    privateNetwork: false,
    ...response,
  };
}

async function send(
  app: INestApplication,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Pick<CorsExchange, 'status' | 'headers' | 'body'>> {
  const server = app.getHttpServer() as { listening?: boolean };
  if (server.listening !== true) await app.listen(0, '127.0.0.1');
  const base = new URL(await app.getUrl());
  if (base.hostname === '[::1]' || base.hostname === 'localhost' || base.hostname === '0.0.0.0')
    base.hostname = '127.0.0.1';
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
