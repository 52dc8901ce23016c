import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  BatchSubmitSchema,
  IdempotencyKeySchema,
  ErrorCode,
  TaskListQuerySchema,
  TaskSpecSchema,
  WaitQuerySchema,
  type BatchAccepted,
  type TaskAccepted,
  type TaskAttempts,
  type TaskLogs,
  type TaskPage,
  type TaskView,
} from '@agentq/contracts';
import { ApiError } from '../http/api-error.js';
import { parseOrThrow, parseQueryOrThrow } from '../http/parse-or-throw.js';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import type { Principal } from '@agentq/queue';
import { ChargedByHandler } from '../auth/charged-by-handler.decorator.js';
import { RateLimits, RequestCharge } from '../rate-limit/rate-limits.service.js';
import { CurrentPrincipal, Tenant } from '../tenant.decorator.js';
import { TaskSubmitter } from './task-submitter.js';
import { TasksService } from './tasks.service.js';
import { TaskIdPipe } from '../http/id-format.pipe.js';

const SINGLE = { body: 'body', input: 'input' };

@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly submitter: TaskSubmitter,
    private readonly rateLimits: RateLimits,
  ) {}

  /** 201 for a new task, 200 with the first task for a repeated idempotency key. */
  @Post()
  @RequireScopes('tasks:write')
  @ChargedByHandler()
  submit(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('idempotency-key') headerKey: string | undefined,
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaskAccepted | TaskView> {
    const charge = new RequestCharge(principal, reply);
    return this.rateLimits.chargedBy(charge, async () => {
      const { wait } = parseQueryOrThrow(WaitQuerySchema, query);
      const spec = parseOrThrow(TaskSpecSchema, withHeaderKey(body, headerKey), 'body');
      const tenant = principal.tenant;
      const [submitted] = await this.submitter.submit(principal, [spec], () => SINGLE, charge);
      if (!submitted) throw new Error('submit answered nothing');
      void reply.status(submitted.repeat ? 200 : 201);
      if (wait !== undefined) return this.tasks.waitFor(tenant, submitted.id, wait);
      if (!submitted.repeat) return { id: submitted.id, state: submitted.state };
      const current = await this.tasks.read(tenant, submitted.id);
      return { id: submitted.id, state: current?.state ?? submitted.state };
    });
  }

  /** Up to 1,000 tasks: all are validated and admitted, or none is queued. */
  @Post('batch')
  @RequireScopes('tasks:write')
  @ChargedByHandler()
  @HttpCode(201)
  submitBatch(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BatchAccepted> {
    const charge = new RequestCharge(principal, reply);
    return this.rateLimits.chargedBy(charge, async () => {
      const { tasks } = parseOrThrow(BatchSubmitSchema, body, 'body');
      // Each task of a batch counts toward the key's task budget (in the gate).
      const submitted = await this.submitter.submit(
        principal,
        tasks,
        (index) => ({ body: `body.tasks.${index}`, input: `body.tasks.${index}.input` }),
        charge,
      );
      return { tasks: submitted.map(({ id, state }) => ({ id, state })) };
    });
  }

  @Get()
  @RequireScopes('tasks:read')
  list(@Tenant() tenant: string, @Query() query: unknown): Promise<TaskPage> {
    return this.tasks.list(tenant, parseQueryOrThrow(TaskListQuerySchema, query));
  }

  @Get(':id')
  @RequireScopes('tasks:read')
  get(
    @Tenant() tenant: string,
    @Param('id', TaskIdPipe) id: string,
    @Query() query: unknown,
  ): Promise<TaskView> {
    const { wait } = parseQueryOrThrow(WaitQuerySchema, query);
    return wait === undefined ? this.tasks.get(tenant, id) : this.tasks.waitFor(tenant, id, wait);
  }

  @Get(':id/logs')
  @RequireScopes('tasks:read')
  logs(@Tenant() tenant: string, @Param('id', TaskIdPipe) id: string): Promise<TaskLogs> {
    return this.tasks.logs(tenant, id);
  }

  @Get(':id/attempts')
  @RequireScopes('tasks:read')
  attempts(@Tenant() tenant: string, @Param('id', TaskIdPipe) id: string): Promise<TaskAttempts> {
    return this.tasks.attempts(tenant, id);
  }

  /** 200 when the task was removed before it started, 202 when its worker was asked to stop. */
  @Post(':id/cancel')
  @RequireScopes('tasks:write')
  async cancel(
    @Tenant() tenant: string,
    @Param('id', TaskIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaskView> {
    const { accepted, view } = await this.tasks.cancel(tenant, id);
    void reply.status(accepted ? 202 : 200);
    return view;
  }

  @Post(':id/retry')
  @RequireScopes('tasks:write')
  @HttpCode(200)
  retry(@Tenant() tenant: string, @Param('id', TaskIdPipe) id: string): Promise<TaskView> {
    return this.tasks.retry(tenant, id);
  }
}

/** The `Idempotency-Key` header stands for the body field; both at once must agree. */
function withHeaderKey(body: unknown, headerKey: string | undefined): unknown {
  if (headerKey === undefined) return body;
  // Checked on its own, so a bad header is reported as the header, not as a body field.
  parseOrThrow(IdempotencyKeySchema, headerKey, 'headers.idempotency-key');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const fieldKey = (body as { idempotencyKey?: unknown }).idempotencyKey;
  if (fieldKey !== undefined && fieldKey !== headerKey) {
    throw new ApiError(ErrorCode.ValidationFailed, 'Idempotency-Key header and body field differ', [
      {
        path: 'headers.idempotency-key',
        message: 'must equal body.idempotencyKey when both are given',
      },
    ]);
  }
  return { ...body, idempotencyKey: headerKey };
}
