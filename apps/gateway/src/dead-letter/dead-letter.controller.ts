import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  DeadLetterListQuerySchema,
  DeadLetterRedriveSchema,
  type DeadLetterPage,
  type DeadLetterRedriven,
  type DeadLetterView,
} from '@agentq/contracts';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import { parseOrThrow, parseQueryOrThrow } from '../http/parse-or-throw.js';
import { Tenant } from '../tenant.decorator.js';
import { DeadLetterService } from './dead-letter.service.js';
import { TaskIdPipe } from '../http/id-format.pipe.js';

/** The caller's tasks that failed for good: list them, read one, run them again. */
@Controller('v1/dead-letter')
export class DeadLetterController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @Get()
  @RequireScopes('tasks:read')
  list(@Tenant() tenant: string, @Query() query: unknown): Promise<DeadLetterPage> {
    return this.deadLetters.list(tenant, parseQueryOrThrow(DeadLetterListQuerySchema, query));
  }

  /** Per id: re-driven, not found (unknown or another tenant's), or a conflict. */
  @Post('redrive')
  @RequireScopes('tasks:write')
  @HttpCode(200)
  redrive(@Tenant() tenant: string, @Body() body: unknown): Promise<DeadLetterRedriven> {
    return this.deadLetters.redrive(tenant, parseOrThrow(DeadLetterRedriveSchema, body, 'body'));
  }

  @Get(':id')
  @RequireScopes('tasks:read')
  get(@Tenant() tenant: string, @Param('id', TaskIdPipe) id: string): Promise<DeadLetterView> {
    return this.deadLetters.get(tenant, id);
  }
}
