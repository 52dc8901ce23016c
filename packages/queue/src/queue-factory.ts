import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueName, type PoolName } from '@agentq/contracts';

export interface TaskQueueOptions {
  /** A shared client; BullMQ reuses it for queue commands. */
  connection: Redis;
  /** Redis key prefix. */
  prefix: string;
  defaultJobOptions?: DefaultJobOptions;
}

/** The BullMQ queue that holds one pool's tasks. */
export function createTaskQueue(pool: PoolName, options: TaskQueueOptions): Queue {
  return new Queue(queueName(pool), {
    connection: options.connection,
    prefix: options.prefix,
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
