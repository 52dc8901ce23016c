import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { PoolName } from '@agentq/contracts';
import { createTaskQueue, type WorkflowEngine, type RedisClient } from '@agentq/queue';
import type { TaskProcessor } from './run-task.js';
import { settledFailureOf } from './settle-failure.js';
import { workflowRefOf } from './workflow-ref.js';

/**
 * Runs a workflow step's task through the engine (start check, output recorded once,
 * dependents released, failure policy), and any other task as before. The step fails when
 * its task's attempt was settled as the last one.
 */
export function withWorkflowSteps(engine: WorkflowEngine, processor: TaskProcessor): TaskProcessor {
  return (job, token, abort, hooks) => {
    const ref = workflowRefOf(job);
    if (!ref) return processor(job, token, abort, hooks);
    return engine.runStep(
      ref,
      job.id ?? '',
      () => processor(job, token, abort, hooks),
      (error) => {
        const failure = settledFailureOf(error);
        return failure?.final ? failure.taskError : undefined;
      },
    );
  };
}

/** Queues of any pool, opened on first use: a released step may run in a pool not served here. */
export class StepQueues {
  private readonly queues = new Map<PoolName, Queue>();

  constructor(
    private readonly options: {
      connection: RedisClient;
      prefix: string;
      /** Listens to a new queue's errors (BullMQ prints unheard ones to stderr). */
      hearErrors: (pool: PoolName, queue: Queue) => void;
    },
  ) {}

  get(pool: PoolName): Queue {
    let queue = this.queues.get(pool);
    if (!queue) {
      queue = createTaskQueue(pool, this.options);
      this.options.hearErrors(pool, queue);
      this.queues.set(pool, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}

/** How often a worker looks for workflows whose create stopped midway, and how old they must be. */
const RECOVERY_EVERY_MS = 30_000;
const RECOVERY_AFTER_MS = 60_000;

/**
 * Every 30 s, queues the first steps of workflows whose create stopped between storing them
 * and queueing them a minute ago or more (a gateway killed midway): without this they would
 * wait forever unless their client retried with the same Idempotency-Key. Every worker does
 * it; recovering one twice queues its steps once. Returns the stop function.
 */
export function recoverStrandedCreates(engine: WorkflowEngine, logger: Logger): () => void {
  const timer = setInterval(() => {
    engine.recoverCreates(RECOVERY_AFTER_MS).then(
      (ids) => {
        if (ids.length > 0) {
          logger.warn({ workflowIds: ids }, 'queued the first steps of workflows created midway');
        }
      },
      (err: unknown) => logger.warn({ err }, 'could not look for workflows created midway'),
    );
  }, RECOVERY_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
