import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import { WatchError } from 'redis';
import { Cors, CorsConfigurationError } from '../../lib/index.js';
import { DemoAuthGuard } from '../demo-auth.guard.js';
import { InvalidCorsPolicyMessage, type CorsPolicyCommand, type JsonCorsPolicy } from './cors-policy-message.js';
import { CorsPolicySync } from './cors-policy-sync.js';

/**
 * The fleet's CORS policies, changed through any one instance. Whoever can call this decides
 * which sites may read your users' data: it sits behind the sample's bearer-token guard (put
 * your admin authentication there), and no other site may call it (`@Cors(false)`).
 */
@Cors(false)
@UseGuards(DemoAuthGuard)
@Controller('admin/cors-policies')
export class CorsPolicyAdminController {
  constructor(private readonly sync: CorsPolicySync) {}

  /** Changes the fields the body sets: `PATCH /api/admin/cors-policies/partners {"maxAge": 60}`. */
  @Patch(':name')
  @HttpCode(204)
  update(@Param('name') name: string, @Body() policy: JsonCorsPolicy): Promise<void> {
    return this.send({ name, op: 'update', policy });
  }

  /** Replaces the policy as a whole: `PUT /api/admin/cors-policies/partners {"origins": [...]}`. */
  @Put(':name')
  @HttpCode(204)
  replace(@Param('name') name: string, @Body() policy: JsonCorsPolicy): Promise<void> {
    return this.send({ name, op: 'replace', policy });
  }

  /**
   * Makes every instance ask the policy's origin callback again, for one origin
   * (`{"origin": "https://new.tenants.example.net"}`) or all. Call it after the store the
   * callback reads has the change, or an instance may cache the old answer again.
   */
  @Post(':name/invalidate')
  @HttpCode(204)
  invalidate(@Param('name') name: string, @Body() body: { origin?: string } | undefined): Promise<void> {
    return this.send({ name, op: 'invalidate', origin: body?.origin });
  }

  /** A refused change is the caller's mistake (400, with every problem), a lost race a 409: never a 500. */
  private async send(command: CorsPolicyCommand): Promise<void> {
    try {
      await this.sync.publish(command);
    } catch (error) {
      if (error instanceof CorsConfigurationError)
        throw new BadRequestException({ message: error.message, problems: error.problems });
      if (error instanceof InvalidCorsPolicyMessage) throw new BadRequestException(error.message);
      if (error instanceof WatchError) throw new ConflictException('other changes kept coming in; try again');
      throw error;
    }
  }
}
