import { Controller, Get } from '@nestjs/common';
import { Cors } from '../lib/index.js';

@Cors('partners')
@Controller('partners')
export class PartnersController {
  /** R6: CORS switched off for this handler: no headers, no preflight. */
  @Get('report')
  @Cors(false)
  report(): { revenue: number } {
    return { revenue: 1234 };
  }

  /** R7: the 500 still carries the CORS headers. */
  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }
}
