import { Readable } from 'node:stream';
import {
  Catch,
  Controller,
  Get,
  HttpStatus,
  Injectable,
  Module,
  Post,
  Res,
  Sse,
  StreamableFile,
  type ArgumentsHost,
  type ExceptionFilter,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
  UseFilters,
  Body,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Observable } from 'rxjs';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

const ORIGIN = 'https://app.example.com';

class TeapotError extends Error {}

/** An exception filter that writes its own response through the adapter. */
@Catch(TeapotError)
class TeapotFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}
  catch(_error: TeapotError, host: ArgumentsHost): void {
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { teapot: true }, 418);
  }
}

/** A middleware that ends some responses itself, before any guard or handler. */
@Injectable()
class MaintenanceMiddleware implements NestMiddleware {
  use(req: { url?: string; originalUrl?: string }, res: { statusCode: number; setHeader(n: string, v: string): void; end(b: string): void }, next: () => void): void {
    if ((req.originalUrl ?? req.url ?? '').includes('maintenance')) {
      res.statusCode = 503;
      res.setHeader('Content-Type', 'text/plain');
      res.end('down for maintenance');
      return;
    }
    next();
  }
}

interface RawReply {
  raw?: { writeHead(status: number, headers: Record<string, string>): void; end(body: string): void };
  writeHead?(status: number, headers: Record<string, string>): void;
  end?(body: string): void;
}

@Cors({ origins: [ORIGIN], credentials: true, exposedHeaders: ['X-Custom'] })
@Controller('out')
@UseFilters(TeapotFilter)
class OutputsController {
  /** Writes the Node response by hand, as `@Res()` code does. */
  @Get('raw')
  raw(@Res() reply: RawReply): void {
    const res = reply.raw ?? reply;
    res.writeHead!(200, { 'Content-Type': 'text/plain', 'X-Custom': '1' });
    res.end!('raw');
  }

  @Get('file')
  file(): StreamableFile {
    return new StreamableFile(Readable.from([Buffer.from('file contents')]), { type: 'text/plain' });
  }

  @Sse('events')
  events(): Observable<{ data: string }> {
    return new Observable((subscriber) => {
      subscriber.next({ data: 'hello' });
      subscriber.complete();
    });
  }

  @Get('teapot')
  teapot(): never {
    throw new TeapotError();
  }

  @Get('maintenance')
  maintenance(): string {
    return 'never reached';
  }

  @Post('json')
  json(@Body() body: unknown): unknown {
    return body;
  }
}

@Module({ imports: [CorsModule.forRoot()], controllers: [OutputsController], providers: [TeapotFilter] })
class OutputsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(MaintenanceMiddleware).forRoutes('*');
  }
}

describe.each(ADAPTERS)('CORS headers on every kind of response on %s', (adapter) => {
  let running: RunningApp;
  let api: ReturnType<typeof request>;
  beforeAll(async () => {
    running = await startApp(adapter, { imports: [OutputsModule] });
    api = request(running.url);
  });
  afterAll(() => running.close());

  const expectAllowed = (headers: Record<string, string>): void => {
    expect(headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(headers['access-control-allow-credentials']).toBe('true');
    expect(headers.vary).toMatch(/\bOrigin\b/);
  };

  it('decorates a response written by hand through @Res()', async () => {
    const res = await api.get('/out/raw').set('Origin', ORIGIN);
    expect(res.text).toBe('raw');
    expectAllowed(res.headers);
    expect(res.headers['access-control-expose-headers']).toBe('X-Custom');
  });

  it('decorates a StreamableFile', async () => {
    const res = await api.get('/out/file').set('Origin', ORIGIN);
    expect(res.text).toBe('file contents');
    expectAllowed(res.headers);
  });

  it('decorates server-sent events', async () => {
    const res = await api.get('/out/events').set('Origin', ORIGIN).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (chunk: Buffer) => (text += chunk.toString()));
      r.on('end', () => cb(null, text));
    });
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    expect(String(res.body)).toContain('data: hello');
    expectAllowed(res.headers);
  });

  it("decorates an exception filter's own response", async () => {
    const res = await api.get('/out/teapot').set('Origin', ORIGIN);
    expect(res.status).toBe(418);
    expectAllowed(res.headers);
  });

  it('decorates a response a middleware ends by itself', async () => {
    const res = await api.get('/out/maintenance').set('Origin', ORIGIN);
    expect(res.status).toBe(503);
    expectAllowed(res.headers);
  });

  it('decorates the 400 of a malformed JSON body', async () => {
    const res = await api.post('/out/json').set('Origin', ORIGIN).set('Content-Type', 'application/json').send('{"broken":');
    expect(res.status).toBe(HttpStatus.BAD_REQUEST);
    expectAllowed(res.headers);
  });

  it('sends none of the allow headers to a refused origin on an error response', async () => {
    const res = await api.get('/out/teapot').set('Origin', 'https://evil.example.org');
    expect(res.status).toBe(418);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
    expect(res.headers.vary).toMatch(/\bOrigin\b/);
  });
});
