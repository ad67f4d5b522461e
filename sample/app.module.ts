import { Module } from '@nestjs/common';
import { CorsModule } from '../lib/index.js';
import { CatalogV1Controller, CatalogV2Controller } from './catalog.controllers.js';
import { DevicesController } from './devices.controller.js';
import { HealthController } from './health.controller.js';
import { OrdersController } from './orders.controller.js';
import { OrdersStore } from './orders.store.js';
import { PartnersController } from './partners.controller.js';
import { PublicItemsController } from './public-items.controller.js';
import { TenantsController } from './tenants.controller.js';

@Module({
  imports: [
    CorsModule.forRoot({
      global: false, // routes without @Cors get no CORS headers at all
      debug: process.env.CORS_DEBUG === 'true',
      policies: {
        partners: {
          origins: ['https://app.example.com', 'https://*.partner.example.com'],
          credentials: true,
          maxAge: 600,
          methods: ['GET', 'POST', 'DELETE'],
          allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
          exposedHeaders: ['X-Total-Count', 'X-Request-Id'],
        },
        // R11: the web app's GraphQL client (Apollo). Apollo Server refuses, as CSRF, GET and
        // simple-content-type requests that carry neither Apollo-Require-Preflight nor
        // X-Apollo-Operation-Name, so a preflight must allow them (and Content-Type, for JSON).
        graphql: {
          origins: ['https://app.example.com'],
          credentials: true,
          methods: ['GET', 'POST'],
          allowedHeaders: ['Content-Type', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'],
        },
      },
      // Routes no controller declares, by the path they are registered at: the GraphQL endpoint
      // of SampleAppModule (sample/sample-app.module.ts). Matches nothing where it is not mounted.
      paths: { '/api/graphql': 'graphql' },
    }),
  ],
  controllers: [
    HealthController,
    PublicItemsController,
    OrdersController,
    PartnersController,
    CatalogV1Controller,
    CatalogV2Controller,
    TenantsController,
    DevicesController,
  ],
  providers: [OrdersStore],
  exports: [OrdersStore], // for the GraphQL resolver of SampleAppModule
})
export class AppModule {}
