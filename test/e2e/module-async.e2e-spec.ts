import { Controller, Get, Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import {
  Cors,
  CorsConfigurationError,
  CorsModule,
  type CorsModuleAsyncOptions,
  type CorsModuleOptions,
  type CorsOptionsFactory,
} from '../../lib/index.js';
import { ADAPTERS, startApp, type AdapterName, type RunningApp } from '../support/test-app.js';

/** `CorsModule.forRootAsync()` in each of Nest's forms: useFactory, useClass, useExisting. */

@Cors('partners')
@Controller('orders')
class OrdersController {
  @Get()
  list(): string {
    return 'list';
  }
}

/** A `ConfigService` look-alike: settings by key, from a module that exports it. */
@Injectable()
class ConfigService {
  private readonly values: Record<string, unknown> = {
    PARTNER_ORIGIN: 'https://partner.example.com',
    CORS_MAX_AGE: 600,
  };
  get<T>(key: string): T {
    return this.values[key] as T;
  }
}

@Module({ providers: [ConfigService], exports: [ConfigService] })
class ConfigModule {}

/** Builds the options every form below gives, from the config. */
function partnerOptions(config: ConfigService): CorsModuleOptions {
  return {
    policies: {
      partners: {
        origins: [config.get<string>('PARTNER_ORIGIN')],
        credentials: true,
        maxAge: config.get<number>('CORS_MAX_AGE'),
      },
    },
  };
}

@Injectable()
class CorsConfig implements CorsOptionsFactory {
  constructor(private readonly config: ConfigService) {}
  async createCorsOptions(): Promise<CorsModuleOptions> {
    return partnerOptions(this.config);
  }
}

/** An options factory another module provides and exports, for `useExisting`. */
@Injectable()
class CorsSettings implements CorsOptionsFactory {
  static created = 0;
  constructor(readonly config: ConfigService) {
    CorsSettings.created++;
  }
  createCorsOptions(): CorsModuleOptions {
    return partnerOptions(this.config);
  }
}

@Module({ imports: [ConfigModule], providers: [CorsSettings], exports: [CorsSettings] })
class SettingsModule {}

const PARTNER = 'https://partner.example.com';

async function expectPartnerPreflight(url: string): Promise<void> {
  const allowed = await request(url)
    .options('/orders')
    .set('Origin', PARTNER)
    .set('Access-Control-Request-Method', 'GET');
  expect(allowed.status).toBe(204);
  expect(allowed.headers['access-control-allow-origin']).toBe(PARTNER);
  expect(allowed.headers['access-control-allow-credentials']).toBe('true');
  expect(allowed.headers['access-control-max-age']).toBe('600');
  const refused = await request(url)
    .options('/orders')
    .set('Origin', 'https://other.example.com')
    .set('Access-Control-Request-Method', 'GET');
  expect(refused.status).toBe(403);
  expect(refused.headers['access-control-allow-origin']).toBeUndefined();
}

function corsModuleCount(app: INestApplication): number {
  return [...app.get(ModulesContainer).values()].filter((module) => module.metatype === CorsModule).length;
}

async function bootstrapError(adapter: AdapterName, async: CorsModuleAsyncOptions): Promise<CorsConfigurationError> {
  const error = await startApp(adapter, {
    imports: [CorsModule.forRootAsync(async)],
    controllers: [OrdersController],
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CorsConfigurationError);
  return error as CorsConfigurationError;
}

describe.each(ADAPTERS)('CorsModule.forRootAsync on %s', (adapter) => {
  describe('answers a preflight with the policy built', () => {
    let running: RunningApp | undefined;
    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    it('by useFactory, from an injected ConfigService-like provider', async () => {
      running = await startApp(adapter, {
        imports: [
          CorsModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: partnerOptions }),
        ],
        controllers: [OrdersController],
      });
      await expectPartnerPreflight(running.url);
    });

    it('by useClass, a CorsOptionsFactory the module instantiates with its own dependencies', async () => {
      running = await startApp(adapter, {
        imports: [CorsModule.forRootAsync({ imports: [ConfigModule], useClass: CorsConfig })],
        controllers: [OrdersController],
      });
      await expectPartnerPreflight(running.url);
    });

    it('by useClass, with a dependency from extraProviders', async () => {
      const CONFIG = 'CORS_TEST_CONFIG';
      @Injectable()
      class TokenCorsConfig implements CorsOptionsFactory {
        constructor(@Inject(CONFIG) private readonly config: ConfigService) {}
        createCorsOptions(): CorsModuleOptions {
          return partnerOptions(this.config);
        }
      }
      running = await startApp(adapter, {
        imports: [
          CorsModule.forRootAsync({
            useClass: TokenCorsConfig,
            extraProviders: [{ provide: CONFIG, useClass: ConfigService }],
          }),
        ],
        controllers: [OrdersController],
      });
      await expectPartnerPreflight(running.url);
    });

    it('by useExisting, reusing the provider an imported module exports rather than making another', async () => {
      const before = CorsSettings.created;
      running = await startApp(adapter, {
        imports: [SettingsModule, CorsModule.forRootAsync({ imports: [SettingsModule], useExisting: CorsSettings })],
        controllers: [OrdersController],
      });
      await expectPartnerPreflight(running.url);
      expect(CorsSettings.created - before).toBe(1);
    });

    it('by useExisting, with a string token', async () => {
      @Module({
        imports: [ConfigModule],
        providers: [{ provide: 'CORS_SETTINGS', useClass: CorsSettings }],
        exports: ['CORS_SETTINGS'],
      })
      class TokenSettingsModule {}
      running = await startApp(adapter, {
        imports: [CorsModule.forRootAsync({ imports: [TokenSettingsModule], useExisting: 'CORS_SETTINGS' })],
        controllers: [OrdersController],
      });
      await expectPartnerPreflight(running.url);
    });
  });

  describe('one import', () => {
    it.each([
      ['useClass', (): CorsModuleAsyncOptions => ({ imports: [ConfigModule], useClass: CorsConfig })],
      ['useExisting', (): CorsModuleAsyncOptions => ({ imports: [SettingsModule], useExisting: CorsSettings })],
    ])('%s with the same class and equal imports, imported by two modules, is one CorsModule', async (_form, async) => {
      @Module({ imports: [CorsModule.forRootAsync(async())], controllers: [OrdersController] })
      class OrdersModule {}
      const running = await startApp(adapter, { imports: [CorsModule.forRootAsync(async()), OrdersModule] });
      try {
        expect(corsModuleCount(running.app)).toBe(1);
        await expectPartnerPreflight(running.url);
      } finally {
        await running.close();
      }
    });
  });

  describe('fails bootstrap with CorsConfigurationError and codes', () => {
    it('when the factory builds invalid options', async () => {
      const error = await bootstrapError(adapter, {
        useFactory: async () =>
          ({
            policies: { partners: { origins: '*', credentials: true, maxAge: -1 } },
            enforced: true,
          }) as CorsModuleOptions,
      });
      expect(error.problems).toEqual([
        {
          location: 'CorsModule',
          field: 'enforced',
          code: 'option_unknown',
          message: expect.stringMatching(/unknown module option/),
        },
        {
          location: 'policies.partners, OrdersController.list',
          field: 'origins',
          code: 'origin_prohibited',
          message: expect.stringMatching(/credentials/),
        },
        {
          location: 'policies.partners, OrdersController.list',
          field: 'maxAge',
          code: 'max_age_invalid',
          message: expect.stringMatching(/from 0 to 86400/),
        },
      ]);
      expect(error.message).toMatch(
        /^Invalid CORS configuration \(3 problems\):\n {2}- CorsModule › enforced: unknown module option/,
      );
    });

    it('when a useClass factory builds invalid options', async () => {
      @Injectable()
      class BadCorsConfig implements CorsOptionsFactory {
        createCorsOptions(): CorsModuleOptions {
          return { policies: { partners: { origins: ['https://partner.example.com/'] } }, global: 'nope' };
        }
      }
      const error = await bootstrapError(adapter, { useClass: BadCorsConfig });
      expect(error.problems.map(({ field, code }) => [field, code])).toEqual([
        ['origins[0]', 'origin_invalid'],
        ['global', 'policy_unknown'],
      ]);
    });

    it('when the factory gives no options object', async () => {
      const error = await bootstrapError(adapter, { useFactory: () => undefined as unknown as CorsModuleOptions });
      expect(error.problems).toEqual([
        {
          location: 'CorsModule.forRootAsync',
          field: 'useFactory',
          code: 'option_invalid',
          message: 'the useFactory function returned undefined: it must return the module options, an object',
        },
      ]);
    });

    it('when the existing provider is no CorsOptionsFactory', async () => {
      @Module({ providers: [ConfigService], exports: [ConfigService] })
      class PlainConfigModule {}
      const error = await bootstrapError(adapter, {
        imports: [PlainConfigModule],
        useExisting: ConfigService as never,
      });
      expect(error.problems).toEqual([
        expect.objectContaining({
          field: 'useExisting',
          code: 'option_invalid',
          message: expect.stringMatching(/^ConfigService has no createCorsOptions\(\) method/),
        }),
      ]);
    });
  });
});

describe('CorsModule.forRootAsync() options', () => {
  it('refuses none or two of useFactory, useClass and useExisting when called', () => {
    expect(() => CorsModule.forRootAsync({ imports: [ConfigModule] } as unknown as CorsModuleAsyncOptions)).toThrow(
      CorsConfigurationError,
    );
    let error: unknown;
    try {
      CorsModule.forRootAsync({ useClass: CorsConfig, useExisting: CorsSettings } as unknown as CorsModuleAsyncOptions);
    } catch (e) {
      error = e;
    }
    expect((error as CorsConfigurationError).problems).toEqual([
      expect.objectContaining({
        location: 'CorsModule.forRootAsync',
        code: 'option_invalid',
        message: expect.stringMatching(/given: useClass, useExisting/),
      }),
    ]);
  });

  it('gives the same dynamic module for the same class or existing token with equal imports, and another otherwise', () => {
    const byClass = CorsModule.forRootAsync({ imports: [ConfigModule], useClass: CorsConfig });
    expect(CorsModule.forRootAsync({ imports: [ConfigModule], useClass: CorsConfig })).toBe(byClass);
    expect(CorsModule.forRootAsync({ imports: [SettingsModule], useClass: CorsConfig })).not.toBe(byClass);
    expect(CorsModule.forRootAsync({ imports: [ConfigModule], useExisting: CorsConfig })).not.toBe(byClass);
    const byToken = CorsModule.forRootAsync({ imports: [SettingsModule], useExisting: 'CORS_SETTINGS' });
    expect(CorsModule.forRootAsync({ imports: [SettingsModule], useExisting: 'CORS_SETTINGS' })).toBe(byToken);
    expect(CorsModule.forRootAsync({ imports: [SettingsModule], useExisting: CorsSettings })).not.toBe(byToken);
    @Injectable()
    class OtherCorsConfig extends CorsConfig {}
    expect(CorsModule.forRootAsync({ imports: [ConfigModule], useClass: OtherCorsConfig })).not.toBe(byClass);
  });
});
