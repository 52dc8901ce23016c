import { Inject, Injectable } from '@nestjs/common';
import type { Job, JobState, Queue } from 'bullmq';
import type { Logger } from 'pino';
import {
  ErrorCode,
  isFinalState,
  isTaskId,
  queueName,
  type PoolName,
  type TaskAttempts,
  type TaskJobData,
  type TaskListQuery,
  type TaskLogs,
  type TaskPage,
  type TaskView,
} from '@agentq/contracts';
import {
  getDeadLetter,
  readAttempts,
  readFinished,
  removeDeadLetterUpTo,
  requestCancel,
  toTaskView,
  type RedisClient,
} from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { attemptView } from '../dead-letter/dead-letter-view.js';
import { TaskEvents } from '../events/task-events.service.js';
import { ApiError } from '../http/api-error.js';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { GatewayMetrics } from '../metrics.js';
import { GATEWAY_CONFIG, LOGGER, REDIS, TASK_QUEUES } from '../tokens.js';
import { TaskIndex } from '../admission/task-index.js';
import { Tombstones } from './tombstones.js';

/** Index entries one list request reads at most, however few match its filters. */
const LIST_SCAN_BUDGET = 1000;

const NOT_STARTED: readonly JobState[] = ['waiting', 'prioritized', 'delayed', 'waiting-children'];

interface Found {
  job: Job<TaskJobData>;
  pool: PoolName;
}

/** Reads and acts on a tenant's tasks; a task of another tenant is answered as unknown. */
@Injectable()
export class TasksService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    private readonly events: TaskEvents,
    private readonly tombstones: Tombstones,
    private readonly index: TaskIndex,
    private readonly metrics: GatewayMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The task's view, or 404. */
  async get(tenant: string, id: string): Promise<TaskView> {
    const view = await this.read(tenant, id);
    if (!view) throw await this.missing(tenant, id);
    return view;
  }

  /**
   * The task's view once it finished, or after `seconds` whatever its state. The waiter is
   * registered before the state is read, so a task finishing in between still wakes it.
   */
  async waitFor(tenant: string, id: string, seconds: number): Promise<TaskView> {
    const waiter = await this.events.nextFinal(id);
    let timer: NodeJS.Timeout | undefined;
    this.metrics.waitingRequests.inc();
    try {
      const view = await this.get(tenant, id);
      if (isFinalState(view.state) || seconds <= 0) return view;
      await Promise.race([
        waiter.finished,
        new Promise((resolve) => (timer = setTimeout(resolve, seconds * 1000))),
      ]);
      return await this.get(tenant, id);
    } finally {
      waiter.cancel();
      clearTimeout(timer);
      this.metrics.waitingRequests.dec();
    }
  }

  async logs(tenant: string, id: string): Promise<TaskLogs> {
    const found = await this.find(tenant, id);
    if (!found) {
      if (await this.tombstones.get(tenant, id)) return { logs: [], count: 0 };
      throw await this.missing(tenant, id);
    }
    return this.queueOf(found.pool).getJobLogs(id);
  }

  /**
   * The task's failed attempts, oldest first: from its dead letter once it failed for good,
   * else from the record its worker keeps (kept with a completed task as long as it is).
   */
  async attempts(tenant: string, id: string): Promise<TaskAttempts> {
    const found = await this.find(tenant, id);
    if (!found) {
      if (await this.tombstones.get(tenant, id)) return { attempts: [] };
      throw await this.missing(tenant, id);
    }
    const { prefix } = this.config;
    const queue = queueName(found.pool);
    if ((await found.job.getState()) === 'failed') {
      const letter = await getDeadLetter(this.redis, prefix, found.pool, id);
      if (letter) return { attempts: letter.attempts.map(attemptView) };
    }
    const records = await readAttempts(this.redis, prefix, queue, id);
    return { attempts: records.map(attemptView) };
  }

  /**
   * Cancels a task: one not started yet is removed from its queue (a tombstone keeps its
   * `cancelled` state); a running one is asked to stop, and ends `cancelled` once its worker
   * aborts it. 409 for a finished task.
   */
  async cancel(tenant: string, id: string): Promise<{ accepted: boolean; view: TaskView }> {
    const found = await this.find(tenant, id);
    if (!found) {
      if (await this.tombstones.get(tenant, id)) throw finished(id, 'cancelled');
      throw await this.missing(tenant, id);
    }
    const { job, pool } = found;
    const state = await job.getState();
    if (NOT_STARTED.includes(state as JobState)) {
      const view: TaskView = {
        ...toTaskView(job, state, pool),
        state: 'cancelled',
        error: { code: ErrorCode.Cancelled, message: 'cancelled before it started' },
        finishedAt: new Date().toISOString(),
      };
      // Tombstone first: a reader never sees the task vanish.
      await this.tombstones.put(tenant, view);
      try {
        await job.remove();
        return { accepted: false, view };
      } catch {
        // A worker took it meanwhile (the job is locked): cancel it as a running task.
        await this.tombstones.delete(id);
      }
    }
    const current = toTaskView(job, await job.getState(), pool);
    if (isFinalState(current.state)) throw finished(id, current.state);
    await requestCancel(this.redis, this.config.prefix, id);
    return { accepted: true, view: current };
  }

  /**
   * Runs a failed task again with all its attempts; 409 unless it failed. Its dead letter
   * goes once it is queued again, not before: a retry that fails leaves it in place. A dead
   * letter of a failure after the retry (the retried run failed for good already) stays.
   */
  async retry(tenant: string, id: string): Promise<TaskView> {
    const found = await this.find(tenant, id);
    if (!found) {
      if (await this.tombstones.get(tenant, id)) throw notFailed(id, 'cancelled');
      throw await this.missing(tenant, id);
    }
    const { job, pool } = found;
    const view = toTaskView(job, await job.getState(), pool);
    if (view.state !== 'failed') throw notFailed(id, view.state);
    // The worker dead-letters a failure with its job's finishedOn as failedAt.
    const failedAt = job.finishedOn ?? Date.now();
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    // The retry took effect: a dead letter left behind is logged, not answered as a failure
    // (a retry of the retry would be refused with 409).
    await removeDeadLetterUpTo(this.redis, this.config.prefix, pool, id, failedAt).catch(
      (err: unknown) =>
        this.logger.warn({ taskId: id, err }, 'could not remove the dead letter of a retried task'),
    );
    return this.get(tenant, id);
  }

  /** The tenant's tasks, newest first, filtered; pages by an opaque cursor. */
  async list(tenant: string, query: TaskListQuery): Promise<TaskPage> {
    const tasks: TaskView[] = [];
    let cursor: string | null | undefined = query.cursor;
    let scanned = 0;
    do {
      const page = await this.index.page(tenant, cursor, query.limit - tasks.length);
      scanned += page.entries.length;
      cursor = page.next;
      const views = await Promise.all(
        page.entries
          .filter((entry) => query.pool === undefined || entry.pool === query.pool)
          .map((entry) => this.readInPool(tenant, entry.taskId, entry.pool)),
      );
      for (const view of views) {
        if (!view) continue;
        if (query.state !== undefined && view.state !== query.state) continue;
        if (query.agent !== undefined && view.agent !== query.agent) continue;
        if (query.priority !== undefined && view.priority !== query.priority) continue;
        tasks.push(view);
      }
    } while (tasks.length < query.limit && cursor !== null && scanned < LIST_SCAN_BUDGET);
    return { tasks, nextCursor: cursor ?? null };
  }

  /** The view of a task (its tombstone if it was cancelled before starting), if any. */
  async read(tenant: string, id: string): Promise<TaskView | undefined> {
    if (!isTaskId(id)) return undefined;
    assertRedisReady(this.redis);
    for (const pool of this.queues.keys()) {
      const view = await this.readJob(tenant, id, pool);
      if (view) return view;
    }
    return this.tombstones.get(tenant, id);
  }

  private async readInPool(
    tenant: string,
    id: string,
    pool: PoolName,
  ): Promise<TaskView | undefined> {
    return (await this.readJob(tenant, id, pool)) ?? this.tombstones.get(tenant, id);
  }

  /**
   * State first, then the job: a job read after its state is at least as new, so a view
   * never says `completed` without the result (the other order can).
   */
  private async readJob(tenant: string, id: string, pool: PoolName): Promise<TaskView | undefined> {
    const queue = this.queueOf(pool);
    const state = await queue.getJobState(id);
    if (state === 'unknown') return undefined;
    const job = await queue.getJob(id);
    return job && ownedBy(job, tenant) ? toTaskView(job, state, pool) : undefined;
  }

  private async find(tenant: string, id: string): Promise<Found | undefined> {
    if (!isTaskId(id)) return undefined;
    assertRedisReady(this.redis);
    for (const [pool, queue] of this.queues) {
      const job = await queue.getJob(id);
      if (job && ownedBy(job, tenant)) return { job, pool };
    }
    return undefined;
  }

  /**
   * The answer for a task that is not there: 410 for one of this tenant that finished and
   * whose job retention removed (its record says when and how it ended), 404 for an id this
   * tenant never had.
   */
  private async missing(tenant: string, id: string): Promise<ApiError> {
    const record = await readFinished(this.redis, this.config.prefix, tenant, id);
    if (!record) return notFound(id);
    const finishedAt = new Date(record.finishedAt).toISOString();
    return new ApiError(
      ErrorCode.Expired,
      `task ${id} ended ${record.state} at ${finishedAt}; its result is no longer kept`,
      { finishedAt, state: record.state },
    );
  }

  private queueOf(pool: PoolName): Queue {
    const queue = this.queues.get(pool);
    if (!queue) throw new Error(`no queue for pool ${pool}`);
    return queue;
  }
}

function ownedBy(job: Job, tenant: string): job is Job<TaskJobData> {
  return (job.data as Partial<TaskJobData> | undefined)?.tenant === tenant;
}

function notFound(id: string): ApiError {
  return new ApiError(ErrorCode.NotFound, `task ${id} not found`);
}

function finished(id: string, state: string): ApiError {
  return new ApiError(ErrorCode.Conflict, `task ${id} already finished (${state})`, { state });
}

function notFailed(id: string, state: string): ApiError {
  return new ApiError(
    ErrorCode.Conflict,
    `task ${id} is ${state}; only failed tasks can be retried`,
    {
      state,
    },
  );
}
