import { Controller, Get, Query } from '@nestjs/common';
import { ActivityQuerySchema, type ProvidersView, type TenantsView } from '@agentq/contracts';
import type { Principal } from '@agentq/queue';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import { parseQueryOrThrow } from '../http/parse-or-throw.js';
import { CurrentPrincipal } from '../tenant.decorator.js';
import { ActivityService } from './activity.service.js';

/**
 * `GET /v1/tenants` (admin): every tenant's finished tasks and LLM use over the last hours;
 * `GET /v1/providers`: each LLM provider's circuit and use per model, of every tenant for an
 * admin key, of its own tenant otherwise.
 */
@Controller('v1')
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  @Get('tenants')
  @RequireScopes('admin')
  tenants(@Query() query: unknown): Promise<TenantsView> {
    const { hours } = parseQueryOrThrow(ActivityQuerySchema, query);
    return this.activity.tenants(hours);
  }

  @Get('providers')
  @RequireScopes('tasks:read')
  providers(
    @CurrentPrincipal() principal: Principal,
    @Query() query: unknown,
  ): Promise<ProvidersView> {
    const { hours } = parseQueryOrThrow(ActivityQuerySchema, query);
    const admin = principal.scopes.has('admin');
    return this.activity.providers(hours, admin ? undefined : principal.tenant);
  }
}
