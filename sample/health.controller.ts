import { Controller, Get } from '@nestjs/common';

/** R1: no `@Cors()`, and the module's `global: false`: never any CORS header. */
@Controller('health')
export class HealthController {
  @Get()
  check(): { status: string } {
    return { status: 'ok' };
  }
}
