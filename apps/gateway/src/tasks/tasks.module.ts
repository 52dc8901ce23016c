import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module.js';
import { EventsModule } from '../events/events.module.js';
import { TaskEventsController } from './task-events.controller.js';
import { TaskSubmitter } from './task-submitter.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';
import { Tombstones } from './tombstones.js';

@Module({
  imports: [AdmissionModule, EventsModule],
  controllers: [TasksController, TaskEventsController],
  providers: [TasksService, TaskSubmitter, Tombstones],
})
export class TasksModule {}
