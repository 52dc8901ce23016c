import { UnrecoverableError, Worker, type Job, type Span } from 'bullmq';
import { ErrorCode, encodeTaskError } from '@agentq/contracts';

/** What BullMQ gives a task whose worker stopped more often than maxStalledCount allows. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * A BullMQ worker that words the one failure agentq code does not raise: a task whose
 * workers kept dying under it (or, with maxStalledCount 0, died once) fails with a
 * `[CODE] message` reason that says what happened, instead of BullMQ's terse one.
 */
export class TaskWorker extends Worker {
  protected override handleFailed(
    err: Error,
    job: Job,
    token: string,
    fetchNextCallback?: () => boolean,
    span?: Span,
  ): Promise<Job> {
    const reworded =
      err instanceof UnrecoverableError && err.message === STALLED_TOO_OFTEN
        ? new UnrecoverableError(
            encodeTaskError({
              code: ErrorCode.AgentFailed,
              message: `the worker running this task stopped ${job.stalledCounter} time(s) (crashed, killed or blocked past its lock); not run again (maxStalledCount ${this.opts.maxStalledCount ?? 1})`,
            }),
          )
        : err;
    return super.handleFailed(reworded, job, token, fetchNextCallback, span);
  }
}
