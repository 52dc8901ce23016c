import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import { TaskSpecSchema, type TaskSpecInput } from '@agentq/contracts';
import { createRedis, createTaskQueue, deleteKeysByPrefix, taskJobOptions } from '@agentq/queue';
import { AppProcess } from '../../helpers/app-process.js';

const RAW_WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'raw-worker.js');
const ADD_BATCH = 1000;
const BATCHES_IN_FLIGHT = 4;

/** One pool's queue under a prefix of its own, closed and deleted by `close()`. */
export class BenchQueue {
  readonly connection: ReturnType<typeof createRedis>;
  readonly queue: Queue;
  /** Times Redis answered BUSY while this queue was polled. */
  busyReplies = 0;

  constructor(
    readonly redisUrl: string,
    readonly prefix: string,
  ) {
    this.connection = createRedis(redisUrl, 'worker', 'bench-queue');
    this.queue = createTaskQueue('default', { connection: this.connection, prefix });
  }

  /**
   * Adds `count` tasks as the gateway would (same data and job options), 1,000 per
   * `addBulk` with a few batches in flight.
   */
  async fill(count: number, spec: TaskSpecInput): Promise<void> {
    const parsed = TaskSpecSchema.parse(spec);
    const data = { v: 1 as const, agent: parsed.agent, input: parsed.input, tenant: 'bench' };
    let added = 0;
    const lane = async () => {
      while (added < count) {
        const size = Math.min(ADD_BATCH, count - added);
        added += size;
        await this.queue.addBulk(
          Array.from({ length: size }, () => ({
            name: parsed.agent,
            data,
            opts: taskJobOptions(parsed, randomUUID()),
          })),
        );
      }
    };
    await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, lane));
  }

  /**
   * Resolves once nothing waits or runs (polled: completions are not counted one by one);
   * rejects if any job failed, so a broken run never passes for a fast one.
   */
  async drained(pollMs = 50): Promise<void> {
    for (;;) {
      const counts = await this.counts();
      if (counts && Object.values(counts).every((n) => n === 0)) break;
      await sleep(pollMs);
    }
    const failed = await this.queue.getJobs(['failed'], 0, 0);
    if (failed[0]) {
      const count = await this.queue.getFailedCount();
      throw new Error(`${count} job(s) failed, e.g. ${failed[0].failedReason}`);
    }
  }

  /**
   * Waiting and running jobs, or undefined while Redis answers BUSY: a Lua script of BullMQ
   * ran past Redis's 5 s limit (the stalled-job check walks every active job), counted in
   * `busyReplies` as a finding of the run.
   */
  private async counts(): Promise<Record<string, number> | undefined> {
    try {
      return await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    } catch (error) {
      // Redis error replies start with their code.
      if (!(error instanceof Error) || !error.message.startsWith('BUSY')) throw error;
      this.busyReplies++;
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    await deleteKeysByPrefix(this.connection, this.prefix);
    await this.connection.quit();
  }
}

export type WorkerKind = 'agentq' | 'raw';

/**
 * Starts `count` worker processes of a kind on the prefix's default pool, each with
 * `concurrency` slots; a raw one sleeps `sleepMs` per job (agentq ones run the task's agent).
 * Resolves once all of them are ready.
 */
export async function startWorkers(options: {
  kind: WorkerKind;
  count: number;
  concurrency: number;
  redisUrl: string;
  prefix: string;
  sleepMs?: number;
  /** Lock and stalled-check interval for both kinds; unset: agentq's profile, BullMQ's defaults. */
  locks?: { lockMs: number; stalledMs: number };
}): Promise<AppProcess[]> {
  const locks = options.locks;
  const workers = Array.from({ length: options.count }, () =>
    options.kind === 'agentq'
      ? AppProcess.app('worker', {
          REDIS_URL: options.redisUrl,
          AGENTQ_PREFIX: options.prefix,
          AGENTQ_CONCURRENCY: String(options.concurrency),
          // The production level: a line per finished task is part of the cost.
          AGENTQ_LOG_LEVEL: 'info',
          ...(locks && {
            AGENTQ_WORKER_LOCK_DURATION_MS: String(locks.lockMs),
            AGENTQ_WORKER_STALLED_INTERVAL_MS: String(locks.stalledMs),
          }),
        })
      : AppProcess.node('raw-worker', [RAW_WORKER], {
          REDIS_URL: options.redisUrl,
          RAW_PREFIX: options.prefix,
          RAW_QUEUE: 'agentq-default',
          RAW_CONCURRENCY: String(options.concurrency),
          RAW_SLEEP_MS: String(options.sleepMs ?? 0),
          ...(locks && {
            RAW_LOCK_MS: String(locks.lockMs),
            RAW_STALLED_MS: String(locks.stalledMs),
          }),
        }),
  );
  try {
    await Promise.all(workers.map((worker) => worker.waitForMessage('ready', 60_000)));
    // The bench waits on Redis, not on their logs: reading a line per task would cost the
    // machine as much as a worker's share (raw workers print nothing).
    for (const worker of workers) worker.stopKeepingLines();
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.stop()));
    throw error;
  }
  return workers;
}

/** Peak resident memory of a process so far, in MB (Linux /proc; NaN elsewhere). */
export async function peakRssMb(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}
