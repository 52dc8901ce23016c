import { Controller, Get, Query } from '@nestjs/common';
import { ErrorCode, type TenantUsageView } from '@agentq/contracts';
import { z } from 'zod';
import type { Principal } from '@agentq/queue';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import { ApiError } from '../http/api-error.js';
import { parseQueryOrThrow } from '../http/parse-or-throw.js';
import { CurrentPrincipal } from '../tenant.decorator.js';
import { LlmBudgets } from './llm-budgets.js';

const UsageQuerySchema = z.object({ tenant: z.string().min(1).max(128).optional() }).strict();

/**
 * `GET /v1/usage`: the tenant's LLM tokens and cost today and this month (UTC) and its
 * budget; an `admin` key may ask for any tenant with `?tenant=`.
 */
@Controller('v1/usage')
@RequireScopes('tasks:read')
export class UsageController {
  constructor(private readonly budgets: LlmBudgets) {}

  @Get()
  async get(
    @CurrentPrincipal() principal: Principal,
    @Query() query: unknown,
  ): Promise<TenantUsageView> {
    const { tenant } = parseQueryOrThrow(UsageQuerySchema, query);
    if (tenant === undefined || tenant === principal.tenant) {
      return this.budgets.view(principal.tenant);
    }
    if (!principal.scopes.has('admin')) {
      throw new ApiError(ErrorCode.Forbidden, "only an admin key may read another tenant's usage");
    }
    return this.budgets.view(tenant);
  }
}
