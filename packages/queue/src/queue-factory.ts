import { setTimeout as delay } from 'node:timers/promises';
import { Queue, type DefaultJobOptions } from 'bullmq';
import type { RedisClient } from './connection.js';
import { poolKeyPrefix } from './key-space.js';
import { queueName, type PoolName } from '@agentq/contracts';

export interface TaskQueueOptions {
  /** A shared client; BullMQ reuses it for queue commands. */
  connection: RedisClient;
  /** Redis key prefix (the system's: each pool's keys go under {@link poolKeyPrefix}). */
  prefix: string;
  defaultJobOptions?: DefaultJobOptions;
}

/** The BullMQ queue that holds one pool's tasks. */
export function createTaskQueue(pool: PoolName, options: TaskQueueOptions): Queue {
  return new Queue(queueName(pool), {
    connection: options.connection,
    prefix: poolKeyPrefix(options.prefix, pool),
    defaultJobOptions: options.defaultJobOptions,
  });
}

/** One queue per pool, keyed by pool name. */
export function createTaskQueues(
  pools: readonly PoolName[],
  options: TaskQueueOptions,
): Map<PoolName, Queue> {
  return new Map(pools.map((pool) => [pool, createTaskQueue(pool, options)]));
}

/** Pause between a queue whose start failed and its replacement. */
const REOPEN_PAUSE_MS = 100;

export interface OpenedTaskQueues {
  queues: Map<PoolName, Queue>;
  /** Whether every queue was ready in time (else some still wait for Redis). */
  ready: boolean;
  /** Why the last failed start failed, when one did and not every queue is ready. */
  error?: Error;
}

/**
 * One queue per pool, each ready to use or, when `waitMs` runs out first, still waiting
 * for Redis. A BullMQ queue asks Redis its version once, when it starts, and a queue whose
 * ask failed fails every call after it. On a client connection (commands time out) one
 * slow answer does that: Redis busy, or a CPU-starved process reading the answer after its
 * timer fired. So a queue whose start failed is replaced by a new one until one starts.
 * `onError` hears every queue's errors (its start's, and its connection's).
 */
export async function openTaskQueues(
  pools: readonly PoolName[],
  options: TaskQueueOptions,
  waitMs: number,
  onError: (pool: PoolName, error: Error) => void,
): Promise<OpenedTaskQueues> {
  const deadline = Date.now() + waitMs;
  const opened = await Promise.all(
    pools.map((pool) => openTaskQueue(pool, options, deadline, (error) => onError(pool, error))),
  );
  const ready = opened.every((one) => one.ready);
  return {
    queues: new Map(opened.map(({ queue }, index) => [pools[index] as PoolName, queue])),
    ready,
    error: ready ? undefined : opened.find((one) => one.error)?.error,
  };
}

/**
 * Calls `onFailed` for each queue whose start fails from now on: a queue that was still
 * waiting for Redis when {@link openTaskQueues} gave up waiting, and then failed its start,
 * fails every call for the life of the process (the caller's way out is to stop and be
 * restarted). Queues that started already are never reported.
 */
export function watchLateStarts(
  queues: ReadonlyMap<PoolName, Queue>,
  onFailed: (pool: PoolName, error: Error) => void,
): void {
  for (const [pool, queue] of queues) {
    queue.waitUntilReady().catch((error: unknown) => onFailed(pool, asError(error)));
  }
}

type Readiness = { state: 'ready' | 'waiting' } | { state: 'failed'; error: Error };

async function openTaskQueue(
  pool: PoolName,
  options: TaskQueueOptions,
  deadline: number,
  onError: (error: Error) => void,
): Promise<{ queue: Queue; ready: boolean; error?: Error }> {
  const open = () => {
    const queue = createTaskQueue(pool, options);
    // Without a listener, BullMQ prints a queue's errors to stderr (connection errors
    // included, on every reconnect attempt).
    queue.on('error', onError);
    return queue;
  };
  let error: Error | undefined;
  for (;;) {
    const queue = open();
    const readiness = await readinessBefore(queue, deadline);
    if (readiness.state !== 'failed') {
      return { queue, ready: readiness.state === 'ready', error };
    }
    error = readiness.error;
    await queue.close().catch(() => undefined);
    if (Date.now() + REOPEN_PAUSE_MS >= deadline) return { queue: open(), ready: false, error };
    await delay(REOPEN_PAUSE_MS);
  }
}

/** Whether the queue started, failed to, or is still waiting for Redis at the deadline. */
async function readinessBefore(queue: Queue, deadline: number): Promise<Readiness> {
  const timer = new AbortController();
  const waiting: Readiness = { state: 'waiting' };
  try {
    return await Promise.race([
      queue.waitUntilReady().then(
        (): Readiness => ({ state: 'ready' }),
        (error: unknown): Readiness => ({ state: 'failed', error: asError(error) }),
      ),
      delay(Math.max(0, deadline - Date.now()), waiting, {
        signal: timer.signal,
      }),
    ]);
  } finally {
    timer.abort();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
