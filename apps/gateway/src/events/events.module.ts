import { Module } from '@nestjs/common';
import { TaskEvents } from './task-events.service.js';

/** Task events from Redis, fanned out to the gateway's waits and streams. */
@Module({ providers: [TaskEvents], exports: [TaskEvents] })
export class EventsModule {}
