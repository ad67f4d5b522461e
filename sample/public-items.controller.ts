import { Controller, Get, Header, NotFoundException, Options, Param } from '@nestjs/common';
import { Cors } from '../lib/index.js';

const ITEMS = [
  { id: 1, name: 'Keyboard' },
  { id: 2, name: 'Mouse' },
];

/** R2: readable by any origin, without credentials. */
@Cors({ origins: '*' })
@Controller('public/items')
export class PublicItemsController {
  @Get()
  list(): typeof ITEMS {
    return ITEMS;
  }

  @Get(':id')
  get(@Param('id') id: string): (typeof ITEMS)[number] {
    const item = ITEMS.find((i) => String(i.id) === id);
    if (item === undefined) throw new NotFoundException(`item ${id} not found`);
    return item;
  }

  /** R2b: the app's own OPTIONS handler; only plain OPTIONS requests reach it. */
  @Options()
  @Header('Allow', 'GET, HEAD, OPTIONS')
  allow(): { allow: string[] } {
    return { allow: ['GET', 'HEAD', 'OPTIONS'] };
  }
}
