import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsConfigurationError, CorsModule } from '../../lib/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

/** `https://` and 30 `a`s, then a mismatch: seconds of backtracking for `(a+)+`. */
const ATTACK_ORIGIN = `https://${'a'.repeat(30)}.example.co`;

@Cors({ origins: ['https://app.example.com'] })
@Controller('tenants')
class TenantsController {
  @Get()
  list(): string {
    return 'list';
  }

  @Get('nested')
  @Cors({ origins: ['https://app.example.com', /^https:\/\/(a+)+\.example\.com$/] })
  nested(): string {
    return 'nested';
  }
}

@Controller('subdomains')
class SubdomainsController {
  @Get()
  @Cors({ origins: [/^https:\/\/[a-z0-9-]+\.example\.com$/] })
  list(): string {
    return 'list';
  }
}

describe.each(ADAPTERS)('RegExp origins that can backtrack catastrophically on %s', (adapter) => {
  it('refuses a RegExp origin with nested quantifiers at bootstrap, naming the controller, handler and field', async () => {
    const error = await startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [TenantsController] }).then(
      (running) => running.close().then(() => 'started'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problems).toEqual([
      {
        location: 'TenantsController.nested',
        field: 'origins[1]',
        code: 'origin_backtracking',
        message: expect.stringMatching(/can backtrack catastrophically/),
      },
    ]);
    expect((error as Error).message).toContain(
      'TenantsController.nested › origins[1]: /^https:\\/\\/(a+)+\\.example\\.com$/ can backtrack catastrophically',
    );
  });

  describe('with an anchored RegExp origin that matches each character one way', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(adapter, { imports: [CorsModule.forRoot()], controllers: [SubdomainsController] });
    });
    afterAll(() => running.close());

    it('starts, allows an origin the RegExp matches and refuses the attack origin', async () => {
      const allowed = await request(running.url).get('/subdomains').set('Origin', 'https://shop.example.com');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      const refused = await request(running.url).get('/subdomains').set('Origin', ATTACK_ORIGIN);
      expect(refused.status).toBe(200);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
