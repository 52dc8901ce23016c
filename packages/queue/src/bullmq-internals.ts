import { createRequire } from 'node:module';
import {
  Job,
  UnrecoverableError,
  Worker,
  type JobJson,
  type JobsOptions,
  type Processor,
  type Queue,
  type RedisQueueBackend,
  type Span,
  type WorkerOptions,
} from 'bullmq';

/*
 * Every use agentq makes of BullMQ beyond its public API, in one place, pinned by
 * `test/bullmq-internals.int.spec.ts` against the installed (lockfile-pinned) version: an
 * upgrade that moves any of them fails that test, not a production submit.
 */

/** A BullMQ script as its build ships it. */
export interface BullmqScript {
  name: string;
  content: string;
  keys: number;
}

const require = createRequire(import.meta.url);
const shippedScript = (file: string, name: string) =>
  (require(`bullmq/dist/cjs/scripts/${file}.js`) as Record<string, BullmqScript | undefined>)[name];

/** BullMQ's add scripts (standard, prioritized, delayed), as `queue.add` runs them. */
export const BULLMQ_ADD_SCRIPTS: readonly BullmqScript[] = [
  shippedScript('addStandardJob-9', 'addStandardJob'),
  shippedScript('addPrioritizedJob-9', 'addPrioritizedJob'),
  shippedScript('addDelayedJob-6', 'addDelayedJob'),
].map((source) => {
  if (!source) throw new Error('this bullmq build does not ship the add scripts agentq uses');
  return source;
});

/** Reaches the option check `Job.create` runs (a protected method). */
class CheckedJob extends Job {
  check(json: JobJson): void {
    this.validateOptions(json);
  }
}

type AddClient = Parameters<RedisQueueBackend['addJobToTransaction']>[0];

/**
 * The script command `queue.add(name, data, opts)` would send, without sending it: the same
 * option checks and defaults, the same packed arguments. Leans on
 * `RedisQueueBackend.addJobToTransaction` calling `runCommand` before its first await.
 */
export function recordAddCommand(
  queue: Queue,
  name: string,
  data: unknown,
  opts: JobsOptions & { jobId: string },
): { script: string; args: unknown[] } {
  const job = new CheckedJob(
    queue,
    name,
    data,
    { ...queue.defaultJobOptions, ...opts },
    opts.jobId,
  );
  const json = job.asJSON();
  job.check(json);
  let sent: { script: string; args: unknown[] } | undefined;
  const recorder = {
    runCommand: (command: string, args: unknown[]) => {
      sent = { script: command.split(':')[0] ?? command, args };
      return Promise.resolve(opts.jobId);
    },
  } as unknown as AddClient;
  void queue.backend.addJobToTransaction(recorder, json, opts.jobId);
  if (!sent) throw new Error('bullmq did not build its add command synchronously');
  return sent;
}

/** BullMQ's reason for a task whose workers stopped more often than maxStalledCount allows. */
export const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * A BullMQ worker that replaces the error a task fails with when it stalled too often
 * (BullMQ's only failure that agentq code does not raise), through BullMQ's protected
 * `handleFailed`. `stalledTooOften` runs before the task fails and answers its error.
 */
export class StallAwareWorker extends Worker {
  constructor(
    name: string,
    processor: Processor,
    opts: WorkerOptions,
    private readonly stalledTooOften: (job: Job) => Promise<Error>,
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
    const failure =
      err instanceof UnrecoverableError && err.message === STALLED_TOO_OFTEN
        ? await this.stalledTooOften(job)
        : err;
    return super.handleFailed(failure, job, token, fetchNextCallback, span);
  }
}
