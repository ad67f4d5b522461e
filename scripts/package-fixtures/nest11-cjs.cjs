// A fresh Nest 11 CommonJS app using the packed nest-cors through `require`, and proving that
// the ES-module build, loaded beside it, shares its module state (metadata keys, tokens).
require('reflect-metadata');
const assert = require('node:assert/strict');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { Cors, CorsModule, CORS_MODULE_OPTIONS } = require('nest-cors');
const { probeRequest, probePreflight } = require('nest-cors/testing');

async function main() {
  const esm = await import('nest-cors');
  assert.equal(esm.CORS_MODULE_OPTIONS, CORS_MODULE_OPTIONS);

  class ItemsController {
    list() {
      return [];
    }
  }
  const proto = ItemsController.prototype;
  Get()(proto, 'list', Object.getOwnPropertyDescriptor(proto, 'list'));
  // Declared with the ES-module build's decorator, enforced by the CommonJS build's module.
  esm.Cors({ origins: ['https://app.example.com'], maxAge: 60 })(ItemsController);
  Controller('items')(ItemsController);

  class AppModule {}
  Module({ imports: [CorsModule.forRoot()], controllers: [ItemsController] })(AppModule);
  void Cors;

  const app = await NestFactory.create(AppModule, { logger: false });
  try {
    const preflight = await probePreflight(app, {
      path: '/items',
      origin: 'https://app.example.com',
      method: 'GET',
      headers: [],
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-max-age'], '60');
    const refused = await probeRequest(app, { path: '/items', origin: 'https://evil.example.org' });
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    console.log('nest11-cjs: ok');
  } finally {
    await app.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
