import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { TaskSpecSchema, type TaskAccepted, type TaskView } from '@agentq/contracts';
import { parseOrThrow } from '../http/parse-or-throw.js';
import { TasksService } from './tasks.service.js';

@Controller('v1/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  @HttpCode(201)
  submit(@Body() body: unknown): Promise<TaskAccepted> {
    return this.tasks.submit(parseOrThrow(TaskSpecSchema, body, 'body'));
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<TaskView> {
    return this.tasks.get(id);
  }
}
