import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  WaitQuerySchema,
  WorkflowListQuerySchema,
  type WorkflowPage,
  type WorkflowView,
} from '@agentq/contracts';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import { parseQueryOrThrow } from '../http/parse-or-throw.js';
import type { Principal } from '@agentq/queue';
import { CurrentPrincipal, Tenant } from '../tenant.decorator.js';
import { WorkflowsService } from './workflows.service.js';
import { WorkflowIdPipe } from '../http/id-format.pipe.js';

@Controller('v1/workflows')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  /** 201 for a new workflow, 200 with the first one for a repeated Idempotency-Key. */
  @Post()
  @RequireScopes('tasks:write')
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WorkflowView> {
    const { view, repeat } = await this.workflows.submit(principal, body, idempotencyKey);
    void reply.status(repeat ? 200 : 201);
    return view;
  }

  /** The tenant's workflows, newest first (an admin key's own tenant, as for tasks). */
  @Get()
  @RequireScopes('tasks:read')
  list(@Tenant() tenant: string, @Query() query: unknown): Promise<WorkflowPage> {
    return this.workflows.list(tenant, parseQueryOrThrow(WorkflowListQuerySchema, query));
  }

  @Get(':id')
  @RequireScopes('tasks:read')
  get(
    @Tenant() tenant: string,
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: unknown,
  ): Promise<WorkflowView> {
    const { wait } = parseQueryOrThrow(WaitQuerySchema, query);
    return wait === undefined
      ? this.workflows.get(tenant, id)
      : this.workflows.waitFor(tenant, id, wait);
  }

  /** 202: pending steps are cancelled and running ones asked to stop; 409 once ended. */
  @Post(':id/cancel')
  @RequireScopes('tasks:write')
  @HttpCode(202)
  cancel(@Tenant() tenant: string, @Param('id', WorkflowIdPipe) id: string): Promise<WorkflowView> {
    return this.workflows.cancel(tenant, id);
  }
}
