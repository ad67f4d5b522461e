import { Controller, Get } from '@nestjs/common';
import { Cors } from '../lib/index.js';

/** R10: a device API on the private network, reachable from the public app (Private Network Access). */
@Cors({ origins: ['https://app.example.com'], allowPrivateNetwork: true })
@Controller('devices')
export class DevicesController {
  @Get('status')
  status(): { online: boolean } {
    return { online: true };
  }
}
