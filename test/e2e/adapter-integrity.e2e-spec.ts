import { setFlagsFromString } from 'node:v8';
import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

// V8's own verdict on an object's representation. The flag only affects code compiled after it
// is set, hence the function built from a string.
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;

@Cors({ origins: ['https://app.example.com'] })
@Controller('things')
class ThingsController {
  @Get()
  list(): string[] {
    return [];
  }
}

@Controller('plain')
class PlainController {
  @Get()
  list(): string[] {
    return [];
  }
}

describe.each(ADAPTERS)('the HTTP adapter after bootstrap on %s', (adapter) => {
  let withCors: RunningApp;
  let without: RunningApp;
  beforeAll(async () => {
    withCors = await startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [ThingsController] });
    without = await startApp(adapter, { controllers: [PlainController] });
  });
  afterAll(async () => {
    await withCors.close();
    await without.close();
  });

  it('keeps the adapter an object with fast properties, as an application without the module has', () => {
    // Nest calls the adapter's methods on every request: a dictionary-mode adapter (what
    // `delete` on it leaves behind) made every request of the application slower.
    expect(hasFastProperties(without.app.getHttpAdapter())).toBe(true);
    expect(hasFastProperties(withCors.app.getHttpAdapter())).toBe(true);
  });

  it("hands back the adapter's own route methods once routes are registered", () => {
    const httpAdapter = withCors.app.getHttpAdapter() as unknown as Record<string, unknown>;
    const prototype = Object.getPrototypeOf(httpAdapter) as Record<string, unknown>;
    for (const verb of ['get', 'post', 'put', 'delete', 'patch', 'options', 'head', 'all']) expect(httpAdapter[verb]).toBe(prototype[verb]);
  });

  it('still answers CORS after handing the methods back', async () => {
    const response = await request(withCors.url).get('/things').set('Origin', 'https://app.example.com').expect(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});
