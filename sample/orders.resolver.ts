import { Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { OrdersStore } from './orders.store.js';

/** An order, as GraphQL clients see it (code first: the schema is generated from these classes). */
@ObjectType('Order')
export class OrderType {
  @Field(() => Int)
  id!: number;

  @Field()
  item!: string;

  @Field(() => Int)
  quantity!: number;
}

/**
 * R11: `{ orders { id item quantity } }` at /api/graphql, over the same in-memory orders as the
 * REST API. A resolver is not a controller, so `@Cors()` here would do nothing: its policy is the
 * module's `paths['/api/graphql']` (sample/app.module.ts).
 */
@Resolver(() => OrderType)
export class OrdersResolver {
  constructor(private readonly store: OrdersStore) {}

  @Query(() => [OrderType])
  orders(): OrderType[] {
    return this.store.list();
  }
}
