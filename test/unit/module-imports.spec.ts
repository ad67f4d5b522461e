import type { DynamicModule } from '@nestjs/common';
import { DynamicModuleCache, firstDifference } from '../../lib/module/module-imports.js';

describe('firstDifference (are two CorsModule imports the same?)', () => {
  it('finds equal plain options equal, whatever the key order and keys set to undefined', () => {
    const origins = (origin: string) => origin.endsWith('.example.com');
    expect(
      firstDifference(
        { debug: true, policies: { a: { origins, maxAge: 1 } } },
        { policies: { a: { maxAge: 1, origins } }, debug: true, enforce: undefined },
      ),
    ).toBeUndefined();
    expect(
      firstDifference(
        { policies: { a: { origins: [/^https:\/\/a\.test$/i] } } },
        { policies: { a: { origins: [/^https:\/\/a\.test$/i] } } },
      ),
    ).toBeUndefined();
  });

  it('names the path of the first difference', () => {
    expect(
      firstDifference(
        { policies: { a: { origins: ['https://a.test'] } } },
        { policies: { a: { origins: ['https://b.test'] } } },
      ),
    ).toBe('policies.a.origins[0]');
    expect(firstDifference({ policies: { a: { origins: ['x'] } } }, { policies: { b: { origins: ['x'] } } })).toBe(
      'policies.a',
    );
    expect(firstDifference({ paths: { '/docs/*': false } }, { paths: { '/docs/*': true } })).toBe('paths["/docs/*"]');
    expect(firstDifference({ a: [1, 2] }, { a: [1] })).toBe('a[1]');
    expect(firstDifference({ a: /x/g }, { a: /x/ })).toBe('a');
  });

  it('tells functions apart by identity: two callbacks with the same text are two policies', () => {
    expect(firstDifference({ origins: () => true }, { origins: () => true })).toBe('origins');
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    const b: Record<string, unknown> = { x: 1 };
    b.self = b;
    expect(firstDifference(a, b)).toBeUndefined();
  });
});

describe('DynamicModuleCache', () => {
  class Marker {}
  const build = (options: object): DynamicModule => ({
    module: Marker,
    providers: [{ provide: 'options', useValue: options }],
  });

  it('gives equal options the same dynamic module, and other options another', () => {
    const cache = new DynamicModuleCache();
    const first = cache.get({ debug: true }, () => build({ debug: true }));
    expect(cache.get({ debug: true }, () => build({ debug: true }))).toBe(first);
    expect(cache.get({ debug: false }, () => build({ debug: false }))).not.toBe(first);
  });

  it('gives the same options object the same dynamic module', () => {
    const cache = new DynamicModuleCache();
    const options = { enforce: true };
    expect(cache.get(options, () => build(options))).toBe(cache.get(options, () => build(options)));
  });
});
