import { Module } from '@nestjs/common';
import { UsageModule } from '../usage/usage.module.js';
import { AdmissionPipeline } from './admission-pipeline.js';
import { BacklogLimit } from './backlog-limit.js';
import { IdempotencyStore } from './idempotency.store.js';
import { PoolInserts } from './pool-inserts.js';
import { SubmitGate } from './submit-gate.js';
import { TaskIndex } from './task-index.js';
import { UnfinishedTasks } from './unfinished-tasks.js';

/** The admission pipeline, and the policies it runs: how tasks and workflows get queued. */
@Module({
  imports: [UsageModule],
  providers: [
    AdmissionPipeline,
    SubmitGate,
    PoolInserts,
    BacklogLimit,
    IdempotencyStore,
    UnfinishedTasks,
    TaskIndex,
  ],
  // Listing reads the index the gate writes.
  exports: [AdmissionPipeline, TaskIndex],
})
export class AdmissionModule {}
