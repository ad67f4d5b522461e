import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { Cors } from '../lib/index.js';
import { DemoAuthGuard } from './demo-auth.guard.js';
import { OrdersStore, type Order } from './orders.store.js';

interface HeaderWriter {
  header(name: string, value: string): unknown;
}

/** R3, R4, R5: the partner orders API, under the named policy `partners`. */
@Cors('partners')
@Controller('partners/orders')
export class OrdersController {
  constructor(private readonly store: OrdersStore) {}

  /** R3: sets `X-Total-Count` (exposed by the policy) and `X-Secret-Internal` (not exposed). */
  @Get()
  list(@Res({ passthrough: true }) response: HeaderWriter): Order[] {
    const orders = this.store.list();
    response.header('X-Total-Count', String(orders.length));
    response.header('X-Secret-Internal', 'do-not-expose');
    return orders;
  }

  @Post()
  create(@Body() body: { item?: string; quantity?: number } | undefined): Order {
    return this.store.create(String(body?.item ?? 'unnamed'), Number(body?.quantity ?? 1));
  }

  /** R5: partners only with a bearer token; the 401 without one carries the CORS headers. */
  @Get(':id')
  @UseGuards(DemoAuthGuard)
  get(@Param('id', ParseIntPipe) id: number): Order {
    const order = this.store.get(id);
    if (order === undefined) throw new NotFoundException(`order ${id} not found`);
    return order;
  }

  /** R4: only the origins are overridden; credentials, maxAge and headers come from `partners`. */
  @Delete(':id')
  @HttpCode(204)
  @Cors({ origins: ['https://admin.example.com'] })
  remove(@Param('id', ParseIntPipe) id: number): void {
    if (!this.store.remove(id)) throw new NotFoundException(`order ${id} not found`);
  }
}
