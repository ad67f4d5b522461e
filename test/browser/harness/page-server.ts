import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Serves the blank pages that the test origins (`https://app.example.com`,
 * `http://app.example.com`, `https://app.example.com:8443`, ...) load in Chromium, on one
 * ephemeral loopback port. Chromium is pointed at this port for every host by
 * `--host-resolver-rules` (see `chromium.ts`), so the page's URL, and therefore its origin,
 * keeps the real scheme, host and (default) port, while nothing has to bind port 443: two
 * suites running at once on one machine never collide.
 *
 * TLS and plain HTTP share the port: the first byte of a connection tells them apart (a TLS
 * ClientHello starts with 0x16). The certificate is self-signed, made at start by the `openssl`
 * CLI and thrown away; the browsers are told to accept it.
 *
 * Firefox has no `--host-resolver-rules`, so the same port is also its HTTP proxy (`firefox.ts`):
 * `CONNECT app.example.com:443` (or `:8443`) is tunnelled back into this port, where the TLS side
 * serves the page; `GET http://app.example.com/` (absolute form) is answered as a page request.
 * Only test host names ({@link isTestHost}) are served: every other host Firefox asks for (its
 * own background traffic) is refused, so nothing leaves loopback. `localhost`, where Firefox
 * calls the API, never goes through a proxy.
 */
export interface PageServer {
  readonly port: number;
  /** Hosts (with port when not the default) pages were served for, in order: for diagnostics. */
  readonly served: readonly string[];
  close(): Promise<void>;
}

/** The host names the suite's origins use: the sample contract's domains and the look-alikes' `evil.org`. */
export function isTestHost(host: string): boolean {
  return /(^|\.)(example\.com|example\.net|example\.org|evil\.org)$/.test(host.toLowerCase());
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>nest-cors browser test page</title><p>Origin under test.</p>';
const TLS_HANDSHAKE = 0x16;

export async function startPageServer(): Promise<PageServer> {
  const served: string[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    // A proxy request (Firefox) names the page by absolute URL: http://app.example.com/.
    const absolute = request.url?.startsWith('http://') === true ? new URL(request.url) : undefined;
    if (absolute !== undefined && !isTestHost(absolute.hostname)) {
      response.writeHead(403, { 'Content-Length': '0' }).end();
      return;
    }
    if ((absolute?.pathname ?? request.url) === '/favicon.ico') {
      response.writeHead(404, { 'Content-Length': '0' }).end();
      return;
    }
    served.push(request.headers.host ?? '');
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(PAGE);
  };
  const https = createHttpsServer(selfSignedCertificate(), handler);
  const http = createHttpServer(handler);
  const sockets = new Set<Socket>();
  let port = 0;
  // Firefox's HTTPS through the proxy: a tunnel back into this port, for test hosts only.
  http.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const host = /^\[?([^\]]*)\]?:\d+$/.exec(request.url ?? '')?.[1] ?? '';
    if (!isTestHost(host)) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const tunnel = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) tunnel.write(head);
      tunnel.pipe(client);
      client.pipe(tunnel);
    });
    tunnel.on('error', () => client.destroy());
    client.once('close', () => tunnel.destroy());
  });
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      (chunk[0] === TLS_HANDSHAKE ? https : http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  ({ port } = front.address() as AddressInfo);
  return {
    port,
    served,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const server of [https, http] as HttpServer[]) server.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}

/** A throw-away self-signed certificate (EC P-256, valid one day), made with the `openssl` CLI. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nest-cors-browser-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=nest-cors browser tests',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'The browser tests make a throw-away TLS certificate with the openssl CLI, which is missing: apt-get install -y openssl',
      );
    }
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl could not make the test certificate: ${stderr || String(error)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
