import { UnrecoverableError, type Job, type Processor, type WorkerOptions } from 'bullmq';
import { ErrorCode, encodeTaskError } from '@agentq/contracts';
import { StallAwareWorker } from '@agentq/queue';

/**
 * A BullMQ worker that words the one failure agentq code does not raise: a task whose
 * workers kept dying under it (or, with maxStalledCount 0, died once) fails with a
 * `[CODE] message` reason that says what happened, instead of BullMQ's terse one.
 */
export class TaskWorker extends StallAwareWorker {
  /**
   * `recordLastStall` runs before such a task fails, so that its dead letter holds the
   * attempt its last worker died in: the worker that found the stall may be another
   * process, whose record would race this one's dead letter.
   */
  constructor(
    name: string,
    processor: Processor,
    opts: WorkerOptions,
    private readonly recordLastStall: (job: Job) => Promise<void>,
  ) {
    super(name, processor, opts);
  }

  protected override async stalledTooOften(job: Job): Promise<Error> {
    await this.recordLastStall(job);
    const bound = this.opts.maxStalledCount ?? 1;
    return new UnrecoverableError(
      encodeTaskError({
        code: ErrorCode.WorkerLost,
        message:
          bound === 0
            ? 'the worker running this task stopped (crashed, killed or blocked past its lock); this pool never runs a task twice'
            : `the task was running on ${job.stalledCounter} workers when they stopped (crashed, killed or blocked past its lock): it is taken for a task that kills its workers and not run again (maxStalledCount ${bound})`,
      }),
    );
  }
}
