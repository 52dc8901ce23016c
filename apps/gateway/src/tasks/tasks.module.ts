import { Module } from '@nestjs/common';
import { AdmissionService } from '../admission/admission.service.js';
import { SseController } from '../events/sse.controller.js';
import { TaskEvents } from '../events/task-events.service.js';
import { IdempotencyStore } from './idempotency.store.js';
import { TaskIndex } from './task-index.js';
import { SubmitGate } from './submit-gate.js';
import { TaskSubmitter } from './task-submitter.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';
import { Tombstones } from './tombstones.js';
import { UsageModule } from '../usage/usage.module.js';

@Module({
  imports: [UsageModule],
  controllers: [TasksController, SseController],
  providers: [
    TasksService,
    TaskSubmitter,
    SubmitGate,
    TaskEvents,
    IdempotencyStore,
    AdmissionService,
    TaskIndex,
    Tombstones,
  ],
  // Workflows claim idempotency keys and admit their first steps the same way.
  exports: [IdempotencyStore, AdmissionService, UsageModule],
})
export class TasksModule {}
