import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { AppModule } from './app.module.js';
import { OrdersResolver } from './orders.resolver.js';

/**
 * The sample as `npm start` serves it: the orders API of the contract (`AppModule`) and, beside
 * it, a GraphQL endpoint at /api/graphql (Apollo, under the global prefix) over the same orders
 * (R11). The GraphQL module is kept out of `AppModule`, which the e2e suites also run against
 * Nest 11, where the installed @nestjs/graphql (Nest 12 only) cannot load.
 */
@Module({
  imports: [
    AppModule,
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true, // generated in memory from the code-first classes
      path: '/graphql',
      useGlobalPrefix: true, // /api/graphql
    }),
  ],
  providers: [OrdersResolver],
})
export class SampleAppModule {}
