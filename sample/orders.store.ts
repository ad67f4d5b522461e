import { Injectable } from '@nestjs/common';

export interface Order {
  readonly id: number;
  readonly item: string;
  readonly quantity: number;
}

/** Orders in memory: ids 1, 2 and 3 at start. */
@Injectable()
export class OrdersStore {
  private readonly orders = new Map<number, Order>([
    [1, { id: 1, item: 'Keyboard', quantity: 2 }],
    [2, { id: 2, item: 'Mouse', quantity: 1 }],
    [3, { id: 3, item: 'Monitor', quantity: 4 }],
  ]);
  private nextId = 4;

  list(): Order[] {
    return [...this.orders.values()];
  }

  get(id: number): Order | undefined {
    return this.orders.get(id);
  }

  create(item: string, quantity: number): Order {
    const order = { id: this.nextId++, item, quantity };
    this.orders.set(order.id, order);
    return order;
  }

  remove(id: number): boolean {
    return this.orders.delete(id);
  }
}
