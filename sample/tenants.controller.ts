import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { Cors } from '../lib/index.js';
import { isTenantOrigin } from './tenant-registry.js';

/** R9: each tenant's own origin, decided at request time by an async callback. */
@Cors({ origins: isTenantOrigin, credentials: true, methods: ['GET', 'PUT'], allowedHeaders: ['Content-Type'] })
@Controller('tenants/:tenant')
export class TenantsController {
  private readonly profiles = new Map<string, Record<string, unknown>>();

  @Get('profile')
  get(@Param('tenant') tenant: string): Record<string, unknown> {
    return this.profiles.get(tenant) ?? { tenant, name: tenant.toUpperCase() };
  }

  @Put('profile')
  update(@Param('tenant') tenant: string, @Body() body: Record<string, unknown> | undefined): Record<string, unknown> {
    const profile = { ...(body ?? {}), tenant };
    this.profiles.set(tenant, profile);
    return profile;
  }
}
