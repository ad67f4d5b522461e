import { Controller, Get } from '@nestjs/common';
import { Cors } from '../lib/index.js';

/** R8, version 1: public. */
@Cors({ origins: '*' })
@Controller({ path: 'catalog', version: '1' })
export class CatalogV1Controller {
  @Get()
  list(): { version: number; items: string[] } {
    return { version: 1, items: ['Keyboard', 'Mouse'] };
  }
}

/** R8, version 2: the app's own origin only. */
@Cors({ origins: ['https://app.example.com'] })
@Controller({ path: 'catalog', version: '2' })
export class CatalogV2Controller {
  @Get()
  list(): { version: number; items: { name: string }[] } {
    return { version: 2, items: [{ name: 'Keyboard' }, { name: 'Mouse' }] };
  }
}
