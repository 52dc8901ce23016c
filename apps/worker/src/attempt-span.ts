import { SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import type { TaskJobData } from '@agentq/contracts';
import { contextOf, markFailed, tracer } from '@agentq/telemetry';
import { classifyError } from './classify-error.js';

/**
 * One attempt of a task as a span in the trace of the request that submitted it (its job
 * carries that context), with the time it waited in the queue before its first attempt. With
 * tracing off, the spans are the API's no-ops.
 */
export class AttemptSpan {
  private readonly span: Span;
  /** The context the agent runs in: its spans (LLM calls) are children of the attempt. */
  readonly context: Context;

  constructor(job: Job) {
    const data = job.data as Partial<TaskJobData> | undefined;
    const parent = contextOf(data?.trace);
    const attempt = job.attemptsMade + 1;
    if (attempt === 1 && job.processedOn !== undefined) {
      const readyAt = job.timestamp + (job.opts.delay ?? 0);
      tracer
        .startSpan(
          'agentq.queue.wait',
          { startTime: readyAt, attributes: taskAttributes(job) },
          parent,
        )
        .end(Math.max(readyAt, job.processedOn));
    }
    this.span = tracer.startSpan(
      `agentq.attempt ${job.name}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...taskAttributes(job),
          'agentq.attempt': attempt,
          'agentq.worker': job.processedBy ?? 'unknown',
          // A run that follows one lost with its worker (takeover).
          'agentq.redelivered': job.stalledCounter > 0,
        },
      },
      parent,
    );
    this.context = trace.setSpan(parent, this.span);
  }

  succeeded(): void {
    this.span.setAttribute('agentq.outcome', 'completed');
    this.span.setStatus({ code: SpanStatusCode.OK });
    this.span.end();
  }

  failed(error: unknown): void {
    const classification = classifyError(error);
    this.span.setAttribute('agentq.outcome', classification.action);
    markFailed(this.span, error, 'code' in classification ? classification.code : 'HAND_BACK');
    this.span.end();
  }
}

function taskAttributes(job: Job): Record<string, string> {
  return {
    'agentq.task.id': job.id ?? '',
    'agentq.agent': job.name,
    'messaging.system': 'bullmq',
    'messaging.destination.name': job.queueName,
  };
}
