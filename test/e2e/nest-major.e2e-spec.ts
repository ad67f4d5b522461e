import { NestApplication } from '@nestjs/core';

/**
 * `npm run test:e2e:nest11` maps every @nestjs/* import to compat/nest11. This pins that the
 * suites really run against the Nest major they claim, by an API only Nest 12 has
 * (`app.enableCsrfProtection()`, new in 12.5).
 */
describe('the Nest major under test', () => {
  const major = process.env.NEST_MAJOR ?? '12';

  it(`is Nest ${major}`, () => {
    const hasCsrfProtection =
      typeof (NestApplication.prototype as { enableCsrfProtection?: unknown }).enableCsrfProtection === 'function';
    expect(hasCsrfProtection ? '12' : '11').toBe(major);
  });
});
