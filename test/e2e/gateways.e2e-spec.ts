/**
 * `@Cors()` on `@WebSocketGateway` classes, with real clients: socket.io-client over each
 * transport (long polling is CORS as for routes; WebSocket upgrades are checked by origin) and
 * `ws` against Nest's `WsAdapter`. In Node, socket.io-client sends `Origin` only when given in
 * `extraHeaders`, as a browser always would; a client without one is a non-browser client.
 */
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import WebSocket from 'ws';
import {
  Cors,
  CorsAuditService,
  CorsForeignLayerError,
  CorsModule,
  CorsPolicyService,
  type CorsModuleOptions,
} from '../../lib/index.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

const APP = 'https://app.example.com';
const LOBBY = 'https://lobby.example.com';
const LOOK_ALIKES = ['https://app.example.com.evil.org', 'http://app.example.com', 'https://app.example.com:8443'];

const OPTIONS: CorsModuleOptions = {
  global: { origins: [LOBBY] },
  policies: {
    partners: { origins: [APP], credentials: true, allowedHeaders: ['x-client'], exposedHeaders: ['x-trace'] },
  },
};

/** Answers `ping` with a `pong` message carrying its payload. */
abstract class EchoGateway {
  @SubscribeMessage('ping')
  ping(@MessageBody() data: unknown): { event: string; data: unknown } {
    return { event: 'pong', data };
  }
}

@Cors('partners')
@WebSocketGateway({ namespace: 'partners' })
class PartnersGateway extends EchoGateway {}

/** No `@Cors()`: the module's `global` policy. */
@WebSocketGateway({ namespace: 'lobby' })
class LobbyGateway extends EchoGateway {}

@Cors('partners')
@WebSocketGateway({ path: '/partners' })
class WsPartnersGateway extends EchoGateway {}

@WebSocketGateway({ path: '/lobby' })
class WsLobbyGateway extends EchoGateway {}

type Outcome = { connected: true; pong: unknown } | { connected: false; error: string };

/** Connects to `namespace` over one transport, sends `ping` and waits for the echo, or the refusal. */
async function socketIoExchange(
  url: string,
  namespace: string,
  transport: 'polling' | 'websocket',
  origin: string | undefined,
): Promise<Outcome> {
  const socket: Socket = io(`${url}${namespace}`, {
    transports: [transport],
    reconnection: false,
    forceNew: true,
    timeout: 3000,
    withCredentials: true,
    ...(origin === undefined ? {} : { extraHeaders: { origin } }),
  });
  try {
    return await new Promise<Outcome>((resolve) => {
      socket.on('connect', () => socket.emit('ping', { n: 1 }));
      socket.on('pong', (data: unknown) => resolve({ connected: true, pong: { event: 'pong', data } }));
      socket.on('connect_error', (error: Error) => resolve({ connected: false, error: error.message }));
    });
  } finally {
    socket.close();
  }
}

/** Opens a `ws` connection, sends `ping` and waits for `pong`, or the upgrade's refusal status. */
async function wsExchange(url: string, origin: string | undefined): Promise<Outcome> {
  const socket = new WebSocket(url, origin === undefined ? {} : { origin });
  try {
    return await new Promise<Outcome>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ event: 'ping', data: { n: 1 } })));
      socket.on('message', (data: Buffer) => resolve({ connected: true, pong: JSON.parse(data.toString()) }));
      socket.on('unexpected-response', (_request, response) =>
        resolve({ connected: false, error: `upgrade refused: ${response.statusCode}` }),
      );
      socket.on('error', (error) => resolve({ connected: false, error: error.message }));
    });
  } finally {
    socket.terminate();
  }
}

const POLL = '/socket.io/?EIO=4&transport=polling';

describe.each(ADAPTERS)('@Cors() on socket.io gateways, on %s', (adapter: AdapterName) => {
  let running: RunningApp;
  let logger: CaptureLogger;

  beforeAll(async () => {
    logger = new CaptureLogger();
    running = await startApp(
      adapter,
      { imports: [CorsModule.forRoot({ ...OPTIONS, debug: true })], providers: [PartnersGateway, LobbyGateway] },
      undefined,
      { logger },
    );
  });
  afterAll(() => running.close());

  it.each(['polling', 'websocket'] as const)(
    'lets a page of an allowed origin connect over %s and exchange a message',
    async (transport) => {
      await expect(socketIoExchange(running.url, '/partners', transport, APP)).resolves.toEqual({
        connected: true,
        pong: { event: 'pong', data: { n: 1 } },
      });
    },
  );

  it('decorates long-polling responses as routes are: origin, credentials, exposed headers, Vary', async () => {
    const response = await request(running.url).get(POLL).set('Origin', APP);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(APP);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-expose-headers']).toBe('x-trace');
    expect(response.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('answers a long-polling preflight of an allowed origin with 204 and the policy', async () => {
    const response = await request(running.url)
      .options(POLL)
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-client');
    expect(response.status).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'x-client',
    });
  });

  it('refuses a preflight for a method long polling does not serve', async () => {
    const response = await request(running.url)
      .options(POLL)
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'DELETE');
    expect(response.status).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  describe.each(LOOK_ALIKES)('from the look-alike %s', (origin) => {
    it('refuses the long-polling preflight with 403 and no Access-Control-Allow-Origin', async () => {
      const response = await request(running.url)
        .options(POLL)
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(response.status).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('refuses the long-polling handshake with 403: no session is opened', async () => {
      const response = await request(running.url).get(POLL).set('Origin', origin);
      expect(response.status).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.text).toBe('');
    });

    it('refuses the WebSocket upgrade with 403', async () => {
      await expect(
        wsExchange(`${running.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, origin),
      ).resolves.toEqual({ connected: false, error: 'upgrade refused: 403' });
    });

    it.each(['polling', 'websocket'] as const)('cannot connect over %s', async (transport) => {
      const outcome = await socketIoExchange(running.url, '/partners', transport, origin);
      expect(outcome.connected).toBe(false);
    });
  });

  it.each(['polling', 'websocket'] as const)(
    'lets a client without Origin (not a browser) connect over %s',
    async (transport) => {
      await expect(socketIoExchange(running.url, '/partners', transport, undefined)).resolves.toMatchObject({
        connected: true,
      });
    },
  );

  it.each(['polling', 'websocket'] as const)(
    'lets a page of the server’s own origin connect over %s without being listed',
    async (transport) => {
      await expect(socketIoExchange(running.url, '/partners', transport, running.url)).resolves.toMatchObject({
        connected: true,
      });
    },
  );

  it.each(['polling', 'websocket'] as const)(
    'applies `global` to a gateway without @Cors(), over %s',
    async (transport) => {
      await expect(socketIoExchange(running.url, '/lobby', transport, LOBBY)).resolves.toMatchObject({
        connected: true,
      });
    },
  );

  it.each([
    ['/lobby', APP],
    ['/partners', LOBBY],
  ])('refuses at %s an origin only another gateway on the server allows (%s)', async (namespace, origin) => {
    for (const transport of ['polling', 'websocket'] as const)
      await expect(socketIoExchange(running.url, namespace, transport, origin)).resolves.toEqual({
        connected: false,
        error: 'Forbidden',
      });
  });

  it('decorates the transport under the policy of the gateway that allows the origin', async () => {
    const response = await request(running.url).get(POLL).set('Origin', LOBBY);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(LOBBY);
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('logs each refusal through the refusal log', async () => {
    await request(running.url).get(POLL).set('Origin', LOOK_ALIKES[0]);
    expect(logger.cors('debug')).toContainEqual(
      expect.stringMatching(
        /^refused request "GET" "\/socket\.io\/\?EIO=4&transport=polling" from "https:\/\/app\.example\.com\.evil\.org": origin_not_allowed$/,
      ),
    );
  });

  it('lists the gateways in the audit, with their policies', () => {
    const audit = running.app.get(CorsAuditService);
    expect(audit.gateways()).toEqual([
      expect.objectContaining({
        gateway: 'PartnersGateway',
        transport: 'socket.io',
        path: '/socket.io',
        namespace: '/partners',
        policy: expect.objectContaining({ origins: [APP], credentials: true }),
      }),
      expect.objectContaining({
        gateway: 'LobbyGateway',
        namespace: '/lobby',
        policy: expect.objectContaining({ origins: [LOBBY] }),
      }),
    ]);
    expect(audit.formatTable()).toMatch(
      /WS +\/socket\.io \/partners +PartnersGateway +https:\/\/app\.example\.com +yes/,
    );
  });

  it('applies a policy updated at runtime from the next handshake on', async () => {
    const policies = running.app.get(CorsPolicyService);
    policies.update('partners', { origins: [APP, 'https://new.example.com'] });
    try {
      await expect(
        socketIoExchange(running.url, '/partners', 'websocket', 'https://new.example.com'),
      ).resolves.toMatchObject({
        connected: true,
      });
    } finally {
      policies.update('partners', { origins: [APP] });
    }
    await expect(
      socketIoExchange(running.url, '/partners', 'websocket', 'https://new.example.com'),
    ).resolves.toMatchObject({
      connected: false,
    });
  });
});

describe.each(ADAPTERS)('@Cors() on ws gateways (WsAdapter), on %s', (adapter: AdapterName) => {
  let running: RunningApp;
  let ws: string;

  beforeAll(async () => {
    running = await startApp(
      adapter,
      { imports: [CorsModule.forRoot(OPTIONS)], providers: [WsPartnersGateway, WsLobbyGateway] },
      (app) => app.useWebSocketAdapter(new WsAdapter(app)),
    );
    ws = running.url.replace('http', 'ws');
  });
  afterAll(() => running.close());

  it('lets a page of an allowed origin connect and exchange a message', async () => {
    await expect(wsExchange(`${ws}/partners`, APP)).resolves.toEqual({
      connected: true,
      pong: { event: 'pong', data: { n: 1 } },
    });
  });

  it.each(LOOK_ALIKES)('refuses the upgrade from the look-alike %s with 403', async (origin) => {
    await expect(wsExchange(`${ws}/partners`, origin)).resolves.toEqual({
      connected: false,
      error: 'upgrade refused: 403',
    });
  });

  it('lets a client without Origin connect', async () => {
    await expect(wsExchange(`${ws}/partners`, undefined)).resolves.toMatchObject({ connected: true });
  });

  it('checks each path under its own gateway’s policy', async () => {
    await expect(wsExchange(`${ws}/lobby`, LOBBY)).resolves.toMatchObject({ connected: true });
    await expect(wsExchange(`${ws}/lobby`, APP)).resolves.toEqual({ connected: false, error: 'upgrade refused: 403' });
    await expect(wsExchange(`${ws}/partners`, LOBBY)).resolves.toEqual({
      connected: false,
      error: 'upgrade refused: 403',
    });
  });
});

describe.each(ADAPTERS)('a second CORS layer on a gateway, on %s', (adapter: AdapterName) => {
  @Cors('partners')
  @WebSocketGateway({ cors: { origin: '*' } })
  class OwnCorsGateway extends EchoGateway {}

  it('fails bootstrap when a gateway under a policy sets engine.io’s own `cors`', async () => {
    const starting = startApp(adapter, { imports: [CorsModule.forRoot(OPTIONS)], providers: [OwnCorsGateway] });
    const error = await starting.then(
      async (running) => {
        await running.close();
        return undefined;
      },
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CorsForeignLayerError);
    expect((error as CorsForeignLayerError).layers).toEqual([
      { kind: 'socket_io_cors', description: expect.stringContaining('OwnCorsGateway') },
    ]);
  });

  it('starts with `allowOtherCorsLayers: true`', async () => {
    const running = await startApp(adapter, {
      imports: [CorsModule.forRoot({ ...OPTIONS, allowOtherCorsLayers: true })],
      providers: [OwnCorsGateway],
    });
    await running.close();
  });
});
