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
  type CallHandler,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
  UseFilters,
  UseInterceptors,
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

class EndedError extends Error {}

/**
 * An exception filter written against HttpAdapterHost that ends the response through the
 * adapter's `end()`, which on Fastify writes the Node response around the reply.
 */
@Catch(EndedError)
class EndingFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}
  catch(_error: EndedError, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    httpAdapter.status(response, 503);
    httpAdapter.end(response, 'ended');
  }
}

/** A middleware that ends some responses itself, before any guard or handler. */
@Injectable()
class MaintenanceMiddleware implements NestMiddleware {
  use(
    req: { url?: string; originalUrl?: string },
    res: { statusCode: number; setHeader(n: string, v: string): void; end(b: string): void },
    next: () => void,
  ): void {
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
@UseFilters(TeapotFilter, EndingFilter)
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

  @Get('ended')
  ended(): never {
    throw new EndedError();
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

/** Where the Node response stood when the handler ran: whether the hook had written on it. */
@Injectable()
class HeaderPlacementProbe implements NestInterceptor {
  static rawHadOrigin: boolean | undefined;
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context
      .switchToHttp()
      .getResponse<{ raw?: { hasHeader(name: string): boolean }; hasHeader?(name: string): boolean }>();
    const raw = response.raw ?? (response as { hasHeader(name: string): boolean });
    HeaderPlacementProbe.rawHadOrigin = raw.hasHeader('access-control-allow-origin');
    return next.handle();
  }
}

@Cors({ origins: [ORIGIN], credentials: true })
@Controller('placement')
@UseInterceptors(HeaderPlacementProbe)
class PlacementController {
  @Get('plain')
  plain(): string {
    return 'plain';
  }

  @Get('passthrough')
  passthrough(@Res({ passthrough: true }) _reply: unknown): string {
    return 'passthrough';
  }
}

/** The application without middleware: on Fastify, headers may then go through the reply. */
@Module({
  imports: [CorsModule.forRoot()],
  controllers: [OutputsController, PlacementController],
  providers: [TeapotFilter, EndingFilter],
})
class OutputsModule {}

/** The same application with a module middleware, which gets the Node objects. */
@Module({
  imports: [CorsModule.forRoot()],
  controllers: [OutputsController, PlacementController],
  providers: [TeapotFilter, EndingFilter],
})
class OutputsWithMiddlewareModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(MaintenanceMiddleware).forRoutes('*');
  }
}

type Setup = 'no middleware' | 'module middleware' | 'app.use() middleware';
const SETUPS: readonly Setup[] = ['no middleware', 'module middleware', 'app.use() middleware'];
const CASES = ADAPTERS.flatMap((adapter) => SETUPS.map((setup) => [adapter, setup] as const));

describe.each(CASES)('CORS headers on every kind of response on %s, %s', (adapter, setup) => {
  let running: RunningApp;
  let api: ReturnType<typeof request>;
  beforeAll(async () => {
    const root = setup === 'module middleware' ? OutputsWithMiddlewareModule : OutputsModule;
    // As main.ts does it: app.use() before the application is initialized.
    const beforeInit =
      setup === 'app.use() middleware'
        ? (app: INestApplication) => void app.use(new MaintenanceMiddleware().use)
        : undefined;
    running = await startApp(adapter, { imports: [root] }, beforeInit);
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
    const res = await api
      .get('/out/events')
      .set('Origin', ORIGIN)
      .buffer(true)
      .parse((r, cb) => {
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

  it("decorates a response an exception filter ends through the adapter's end()", async () => {
    const res = await api.get('/out/ended').set('Origin', ORIGIN);
    expect(res.status).toBe(503);
    expect(res.text).toBe('ended');
    expectAllowed(res.headers);
  });

  if (setup !== 'no middleware') {
    it('decorates a response a middleware ends by itself', async () => {
      const res = await api.get('/out/maintenance').set('Origin', ORIGIN);
      expect(res.status).toBe(503);
      expect(res.text).toBe('down for maintenance');
      expectAllowed(res.headers);
    });
  }

  it('decorates the 400 of a malformed JSON body', async () => {
    const res = await api
      .post('/out/json')
      .set('Origin', ORIGIN)
      .set('Content-Type', 'application/json')
      .send('{"broken":');
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

  it('decorates a handler that takes @Res({ passthrough: true })', async () => {
    const res = await api.get('/placement/passthrough').set('Origin', ORIGIN);
    expect(res.text).toBe('passthrough');
    expectAllowed(res.headers);
  });

  // Fastify merges the Node response's headers into every reply at a cost (see
  // lib/adapters/http-exchange.ts); the reply's own header object is cheaper, where safe.
  const throughReply = adapter === 'fastify' && setup === 'no middleware';
  it(`writes a plain handler's headers ${throughReply ? "through Fastify's reply, not" : 'on'} the Node response`, async () => {
    HeaderPlacementProbe.rawHadOrigin = undefined;
    const res = await api.get('/placement/plain').set('Origin', ORIGIN);
    expect(res.text).toBe('plain');
    expectAllowed(res.headers);
    expect(HeaderPlacementProbe.rawHadOrigin).toBe(!throughReply);
  });

  it('writes the headers of a handler that takes @Res() on the Node response', async () => {
    HeaderPlacementProbe.rawHadOrigin = undefined;
    await api.get('/placement/passthrough').set('Origin', ORIGIN).expect(200);
    expect(HeaderPlacementProbe.rawHadOrigin).toBe(true);
  });
});
