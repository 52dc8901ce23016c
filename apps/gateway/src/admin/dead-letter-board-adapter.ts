import { STATUSES } from '@bull-board/api/constants/statuses';
import { BaseAdapter } from '@bull-board/api/dist/queueAdapters/base.js';
import type {
  AppJobScheduler,
  JobCounts,
  JobSchedulerUpdateResult,
  JobState,
  JobStatus,
  QueueJob,
  QueueJobJson,
  QueueMetrics,
  Status,
} from '@bull-board/api/typings/app';
import {
  countDeadLetters,
  deadLetterId,
  getDeadLetter,
  listDeadLetters,
  parseDeadLetterId,
  type DeadLetter,
  type RedisClient,
} from '@agentq/queue';

/** The board's name for the dead-letter list; pool queues are all `agentq-<pool>`. */
const DEAD_LETTER_BOARD_NAME = 'dead-letter';

const DESCRIPTION = 'tasks that failed for good; re-drive through POST /v1/dead-letter/redrive';

/** The most dead letters one read pages in, whatever the board asks for. */
const MAX_PAGE = 1000;

/**
 * Thrown by every mutating call. Bull Board never makes one on a read-only queue (it answers
 * 405 first); this is for anything that calls the adapter directly. Bull Board answers a
 * thrown error with its `statusCode`.
 */
class DeadLetterBoardReadOnlyError extends Error {
  override readonly name = 'DeadLetterBoardReadOnlyError';
  readonly statusCode = 405;

  constructor() {
    super(
      'dead letters are read-only here: re-drive them through the API, POST /v1/dead-letter/redrive',
    );
  }
}

function refused(): Promise<never> {
  return Promise.reject(new DeadLetterBoardReadOnlyError());
}

/** Every failed attempt, oldest first, a line each: the board's stack trace and logs. */
function attemptLines(entry: DeadLetter): string[] {
  return entry.attempts.map(({ attempt, code, message, at, startedAt }) => {
    const started =
      startedAt === undefined ? '' : ` (started ${new Date(startedAt).toISOString()})`;
    return `attempt ${attempt} failed at ${new Date(at).toISOString()}${started}: [${code}] ${message}`;
  });
}

/**
 * A dead letter as a failed job of the board: id = `<pool>:<task id>` (a task id may have
 * failed for good in several pools), name = agent.
 */
class DeadLetterJob implements QueueJob {
  readonly opts: QueueJob['opts'];

  constructor(private readonly entry: DeadLetter) {
    this.opts = entry.opts;
  }

  toJSON(): QueueJobJson {
    const { entry } = this;
    return {
      id: deadLetterId(entry.pool, entry.taskId),
      name: entry.name,
      data: entry.data,
      opts: entry.opts,
      progress: 0,
      attemptsMade: entry.attemptsMade,
      timestamp: entry.createdAt,
      processedOn: entry.attempts.at(-1)?.startedAt ?? null,
      finishedOn: entry.failedAt,
      failedReason: entry.failedReason,
      stacktrace: attemptLines(entry),
      returnvalue: null,
    };
  }

  getState(): Promise<JobState> {
    return Promise.resolve(STATUSES.failed);
  }

  promote(): Promise<void> {
    return refused();
  }

  remove(): Promise<void> {
    return refused();
  }

  retry(): Promise<void> {
    return refused();
  }
}

/**
 * The dead-letter list (`@agentq/queue` dead-letter.ts: a hash and sorted-set indexes, not a
 * BullMQ queue) as a read-only queue of Bull Board, each dead letter a failed job, newest
 * first. Reads are bounded: a count is a ZCARD, a page one range of the index. Typed `bull`
 * rather than `bullmq`: Bull Board's flow routes call BullMQ internals on every `bullmq`
 * adapter, which this is not.
 */
export class DeadLetterBoardAdapter extends BaseAdapter {
  /** `keyPrefix`: the app's Redis key prefix. */
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {
    super('bull', { readOnlyMode: true, allowRetries: false, description: DESCRIPTION });
  }

  override getName(): string {
    return DEAD_LETTER_BOARD_NAME;
  }

  override getStatuses(): Status[] {
    return [STATUSES.latest, STATUSES.failed];
  }

  override getJobStatuses(): JobStatus[] {
    return [STATUSES.failed];
  }

  override async getJobCounts(): Promise<JobCounts> {
    const failed = await countDeadLetters(this.redis, this.keyPrefix);
    return {
      active: 0,
      waiting: 0,
      'waiting-children': 0,
      prioritized: 0,
      completed: 0,
      failed,
      delayed: 0,
      paused: 0,
    };
  }

  /** `end` is inclusive; -1 (BullMQ's "to the end") and wider pages stop at MAX_PAGE. */
  override async getJobs(statuses: JobStatus[], start = 0, end = -1): Promise<QueueJob[]> {
    if (!statuses.includes(STATUSES.failed)) return [];
    const limit = end >= start ? Math.min(end - start + 1, MAX_PAGE) : MAX_PAGE;
    const { items } = await listDeadLetters(this.redis, this.keyPrefix, { offset: start, limit });
    return items.map((entry) => new DeadLetterJob(entry));
  }

  override async getJob(id: string): Promise<QueueJob | null> {
    const entry = await this.find(id);
    return entry ? new DeadLetterJob(entry) : null;
  }

  override async getJobLogs(id: string): Promise<string[]> {
    const entry = await this.find(id);
    return entry ? attemptLines(entry) : [];
  }

  override getRedisInfo(): Promise<string> {
    return this.redis.info();
  }

  /** Nothing completes or fails here: BullMQ's metrics belong to the pool queues. */
  override getMetrics(): Promise<QueueMetrics> {
    return Promise.resolve({ meta: { count: 0, prevTS: 0, prevCount: 0 }, data: [], count: 0 });
  }

  override isPaused(): Promise<boolean> {
    return Promise.resolve(false);
  }

  override getGlobalConcurrency(): Promise<number | null> {
    return Promise.resolve(null);
  }

  override getJobSchedulers(): Promise<Omit<AppJobScheduler, 'queueName'>[]> {
    return Promise.resolve([]);
  }

  override getJobSchedulersCount(): Promise<number> {
    return Promise.resolve(0);
  }

  // Every write is refused: re-driving is the API's job (it checks that the task id is free,
  // re-queues the spec, then removes the entry), and nothing else may change the list.

  override addJob(): Promise<QueueJob> {
    return refused();
  }

  override clean(): Promise<void> {
    return refused();
  }

  override pause(): Promise<void> {
    return refused();
  }

  override resume(): Promise<void> {
    return refused();
  }

  override empty(): Promise<void> {
    return refused();
  }

  override obliterate(): Promise<void> {
    return refused();
  }

  override promoteAll(): Promise<void> {
    return refused();
  }

  override setGlobalConcurrency(): Promise<void> {
    return refused();
  }

  override setConfiguredRateLimit(): Promise<void> {
    return refused();
  }

  override removeConfiguredRateLimit(): Promise<void> {
    return refused();
  }

  override releaseActiveRateLimit(): Promise<void> {
    return refused();
  }

  override removeJobScheduler(): Promise<boolean> {
    return refused();
  }

  override updateJobScheduler(): Promise<JobSchedulerUpdateResult> {
    return refused();
  }

  override runJobSchedulerNow(): Promise<QueueJob | 'not-found'> {
    return refused();
  }

  /** The dead letter of a board id (a {@link deadLetterId}). */
  private async find(id: string): Promise<DeadLetter | undefined> {
    const parsed = parseDeadLetterId(id);
    return parsed && getDeadLetter(this.redis, this.keyPrefix, parsed.pool, parsed.taskId);
  }
}
