import { Module } from '@nestjs/common';
import { DeadLetterController } from './dead-letter.controller.js';
import { DeadLetterService } from './dead-letter.service.js';

@Module({ controllers: [DeadLetterController], providers: [DeadLetterService] })
export class DeadLetterModule {}
