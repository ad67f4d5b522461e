// A fresh Nest 12 ES-module app using the packed nest-cors through `import`.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Controller, Delete, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cors, CorsAuditService, CorsModule } from 'nest-cors';
import { probePreflight, probeRequest, browserProblems } from 'nest-cors/testing';

class OrdersController {
  list() { return [{ id: 1 }]; }
  remove() {}
}
const proto = OrdersController.prototype;
Get()(proto, 'list', Object.getOwnPropertyDescriptor(proto, 'list'));
Delete(':id')(proto, 'remove', Object.getOwnPropertyDescriptor(proto, 'remove'));
Cors({ origins: ['https://admin.example.com'] })(proto, 'remove', Object.getOwnPropertyDescriptor(proto, 'remove'));
Cors('partners')(OrdersController);
Controller('orders')(OrdersController);

class AppModule {}
Module({
  imports: [CorsModule.forRoot({ policies: { partners: { origins: ['https://app.example.com'], credentials: true } } })],
  controllers: [OrdersController],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
try {
  const preflight = await probePreflight(app, { path: '/orders/1', origin: 'https://admin.example.com', method: 'DELETE' });
  assert.deepEqual(browserProblems(preflight, true), []);
  const refused = await probePreflight(app, { path: '/orders/1', origin: 'https://app.example.com', method: 'DELETE' });
  assert.equal(refused.status, 403);
  const read = await probeRequest(app, { path: '/orders', origin: 'https://app.example.com' });
  assert.equal(read.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(app.get(CorsAuditService).routes().length, 2);
  console.log('nest12-esm: ok');
} finally {
  await app.close();
}
