// A fresh Nest 12 ES-module app using the packed nest-cors through `import`.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Controller, Delete, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cors, CorsAuditService, CorsModule } from 'nest-cors';
import { probePreflight, probeRequest, browserProblems } from 'nest-cors/testing';

class OrdersController {
  list() {
    return [{ id: 1 }];
  }
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
  imports: [
    CorsModule.forRoot({ policies: { partners: { origins: ['https://app.example.com'], credentials: true } } }),
  ],
  controllers: [OrdersController],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
try {
  const preflight = await probePreflight(app, {
    path: '/orders/1',
    origin: 'https://admin.example.com',
    method: 'DELETE',
  });
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

// A fresh GraphQL (Apollo) app beside the packed module: routes no controller declares get their
// policy from `paths` (`global` would do too), preflights included.
{
  const { ApolloDriver } = await import('@nestjs/apollo');
  const { GraphQLModule, Query, Resolver } = await import('@nestjs/graphql');

  class OrdersResolver {
    orders() {
      return [{ id: 1 }, { id: 2 }];
    }
  }
  const resolverProto = OrdersResolver.prototype;
  Query('orders')(resolverProto, 'orders', Object.getOwnPropertyDescriptor(resolverProto, 'orders'));
  Resolver()(OrdersResolver);

  class GraphQLAppModule {}
  Module({
    imports: [
      CorsModule.forRoot({
        policies: {
          web: {
            origins: ['https://app.example.com'],
            credentials: true,
            allowedHeaders: ['content-type', 'apollo-require-preflight', 'x-apollo-operation-name'],
          },
        },
        paths: { '/graphql': 'web' },
      }),
      GraphQLModule.forRoot({
        driver: ApolloDriver,
        typeDefs: 'type Order { id: Int! } type Query { orders: [Order!]! }',
      }),
    ],
    providers: [OrdersResolver],
  })(GraphQLAppModule);

  const gql = await NestFactory.create(GraphQLAppModule, { logger: false });
  try {
    const preflight = await probePreflight(gql, {
      path: '/graphql',
      origin: 'https://app.example.com',
      method: 'POST',
      headers: ['content-type'],
    });
    assert.equal(preflight.status, 204);
    assert.deepEqual(browserProblems(preflight, true), []);
    const query = await probeRequest(gql, {
      path: '/graphql',
      origin: 'https://app.example.com',
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'session=1' },
      body: JSON.stringify({ query: '{ orders { id } }' }),
    });
    assert.equal(query.status, 200, query.body);
    assert.deepEqual(JSON.parse(query.body), { data: { orders: [{ id: 1 }, { id: 2 }] } });
    assert.equal(query.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(query.headers['access-control-allow-credentials'], 'true');
    assert.deepEqual(browserProblems(query, true), []);
    const refused = await probeRequest(gql, {
      path: '/graphql',
      origin: 'https://app.example.com.evil.org',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ orders { id } }' }),
    });
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    console.log('nest12-esm graphql: ok');
  } finally {
    await gql.close();
  }
}
