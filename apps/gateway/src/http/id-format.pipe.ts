import { Injectable, type PipeTransform } from '@nestjs/common';
import { ErrorCode, isTaskId, isWorkflowId } from '@agentq/contracts';
import { ApiError } from './api-error.js';

/**
 * A `:id` that is not in the shape the gateway gives ids names nothing: 404, as an unknown
 * id, before any Redis key is built from it.
 */
abstract class IdFormatPipe implements PipeTransform<string, string> {
  protected abstract readonly what: string;
  protected abstract isValid(id: string): boolean;

  transform(id: string): string {
    if (!this.isValid(id)) throw new ApiError(ErrorCode.NotFound, `${this.what} ${id} not found`);
    return id;
  }
}

@Injectable()
export class TaskIdPipe extends IdFormatPipe {
  protected readonly what = 'task';
  protected isValid(id: string): boolean {
    return isTaskId(id);
  }
}

@Injectable()
export class WorkflowIdPipe extends IdFormatPipe {
  protected readonly what = 'workflow';
  protected isValid(id: string): boolean {
    return isWorkflowId(id);
  }
}
