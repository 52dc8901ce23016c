import {
  UnrecoverableError,
  Worker,
  type Job,
  type Processor,
  type Span,
  type WorkerOptions,
} from 'bullmq';
import { ErrorCode, encodeTaskError } from '@agentq/contracts';

/** What BullMQ gives a task whose worker stopped more often than maxStalledCount allows. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * A BullMQ worker that words the one failure agentq code does not raise: a task whose
 * workers kept dying under it (or, with maxStalledCount 0, died once) fails with a
 * `[CODE] message` reason that says what happened, instead of BullMQ's terse one.
 */
export class TaskWorker extends Worker {
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

  protected override async handleFailed(
    err: Error,
    job: Job,
    token: string,
    fetchNextCallback?: () => boolean,
    span?: Span,
  ): Promise<Job> {
    if (!(err instanceof UnrecoverableError && err.message === STALLED_TOO_OFTEN)) {
      return super.handleFailed(err, job, token, fetchNextCallback, span);
    }
    await this.recordLastStall(job);
    const bound = this.opts.maxStalledCount ?? 1;
    const reworded = new UnrecoverableError(
      encodeTaskError({
        code: ErrorCode.WorkerLost,
        message:
          bound === 0
            ? 'the worker running this task stopped (crashed, killed or blocked past its lock); this pool never runs a task twice'
            : `the task was running on ${job.stalledCounter} workers when they stopped (crashed, killed or blocked past its lock): it is taken for a task that kills its workers and not run again (maxStalledCount ${bound})`,
      }),
    );
    return super.handleFailed(reworded, job, token, fetchNextCallback, span);
  }
}
