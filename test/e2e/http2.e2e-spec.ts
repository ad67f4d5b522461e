import { once } from 'node:events';
import http2 from 'node:http2';
import { Controller, Get, Module, Put, Res, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Cors, CorsModule } from '../../lib/index.js';

/**
 * Fastify also serves HTTP/2 (`new FastifyAdapter({ http2: true })`), where Node hands Nest
 * `Http2ServerRequest`/`Http2ServerResponse` objects instead of HTTP/1.1 ones. Browsers speak it
 * to most APIs; the CORS protocol is the same, and so must be the answers.
 */

const APP = 'https://app.example.com';

@Cors({
  origins: [APP],
  credentials: true,
  maxAge: 600,
  allowedHeaders: ['Content-Type'],
  exposedHeaders: ['X-Total-Count'],
})
@Controller('items')
class ItemsController {
  @Get()
  list(): string[] {
    return ['widget'];
  }

  @Put()
  update(): string {
    return 'updated';
  }

  /** Writes the HTTP/2 compatibility response by hand, as `@Res()` code does. */
  @Get('raw')
  raw(
    @Res()
    reply: {
      raw: { writeHead(status: number, headers: Record<string, string>): void; end(body: string): void };
    },
  ): void {
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.end('raw');
  }
}

@Module({ imports: [CorsModule.forRoot()], controllers: [ItemsController] })
class Http2Module {}

interface Http2Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
}

/** One request over a fresh HTTP/2 (h2c) connection. */
async function h2(url: string, headers: http2.OutgoingHttpHeaders): Promise<Http2Answer> {
  const client = http2.connect(url);
  try {
    const stream = client.request(headers);
    stream.setEncoding('utf8');
    const [responseHeaders] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    let body = '';
    for await (const chunk of stream) body += chunk as string;
    return { status: Number(responseHeaders[':status']), headers: responseHeaders, body };
  } finally {
    // Not close(): the server would keep its side of the session until its idle timeout, and
    // app.close() waits for that.
    client.destroy();
  }
}

describe('CORS over HTTP/2 on fastify', () => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [Http2Module] }).compile();
    app = moduleRef.createNestApplication(
      new FastifyAdapter({ http2: true } as ConstructorParameters<typeof FastifyAdapter>[0]),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  });
  afterAll(() => app.close());

  it('answers a preflight for PUT from an allowed origin', async () => {
    const answer = await h2(url, {
      ':method': 'OPTIONS',
      ':path': '/items',
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type',
    });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
    expect(answer.headers['access-control-allow-methods']).toBe('PUT');
    expect(answer.headers['access-control-allow-headers']).toBe('Content-Type');
    expect(answer.headers['access-control-max-age']).toBe('600');
    expect(answer.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('refuses a preflight from another origin without any allow header', async () => {
    const answer = await h2(url, {
      ':method': 'OPTIONS',
      ':path': '/items',
      origin: 'https://evil.example.org',
      'access-control-request-method': 'PUT',
    });
    expect(answer.status).toBe(403);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('decorates an actual response to an allowed origin', async () => {
    const answer = await h2(url, { ':method': 'GET', ':path': '/items', origin: APP });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('["widget"]');
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
    expect(answer.headers['access-control-expose-headers']).toBe('X-Total-Count');
    expect(answer.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('decorates a response written by hand through @Res()', async () => {
    const answer = await h2(url, { ':method': 'GET', ':path': '/items/raw', origin: APP });
    expect(answer.body).toBe('raw');
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(answer.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('sends Vary but no allow header to a request from another origin, or without one', async () => {
    for (const origin of ['https://evil.example.org', undefined]) {
      const answer = await h2(url, {
        ':method': 'GET',
        ':path': '/items',
        ...(origin === undefined ? {} : { origin }),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers.vary).toMatch(/\bOrigin\b/);
    }
  });
});
