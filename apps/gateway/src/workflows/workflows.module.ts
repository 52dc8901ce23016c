import { Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { PoolName } from '@agentq/contracts';
import { WorkflowEngine, type RedisClient } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { AdmissionModule } from '../admission/admission.module.js';
import { GATEWAY_CONFIG, REDIS, TASK_QUEUES, WORKFLOW_ENGINE } from '../tokens.js';
import { WorkflowChanges } from './workflow-changes.service.js';
import { WorkflowEventsController } from './workflow-events.controller.js';
import { WorkflowIndex } from './workflow-index.js';
import { WorkflowsController } from './workflows.controller.js';
import { WorkflowsService } from './workflows.service.js';

@Module({
  imports: [AdmissionModule],
  controllers: [WorkflowsController, WorkflowEventsController],
  providers: [
    WorkflowsService,
    WorkflowChanges,
    WorkflowIndex,
    {
      provide: WORKFLOW_ENGINE,
      inject: [GATEWAY_CONFIG, REDIS, TASK_QUEUES],
      useFactory: (
        config: GatewayConfig,
        redis: RedisClient,
        queues: ReadonlyMap<PoolName, Queue>,
      ): WorkflowEngine =>
        new WorkflowEngine({
          redis,
          prefix: config.prefix,
          retention: config.retention,
          queueFor: (pool) => {
            const queue = queues.get(pool);
            if (!queue) throw new Error(`no queue for pool ${pool}`);
            return queue;
          },
        }),
    },
  ],
})
export class WorkflowsModule {}
