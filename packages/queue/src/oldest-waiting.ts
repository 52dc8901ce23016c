import type { Queue } from 'bullmq';
import type { RedisClient } from './connection.js';
import { Priority } from '@agentq/contracts';

/** BullMQ scores a prioritized job `priority * 2^32 + counter`, so each level is a score band. */
const BAND = 0x100000000;

/**
 * When the oldest task still waiting to start was created (ms since epoch), or null when
 * none waits. Reads only the head of the wait list and of each priority band (two round
 * trips), never the whole backlog. `client` is a connection to the queue's Redis. Relies on BullMQ's key layout: new jobs are LPUSHed to
 * `wait` (the oldest is the tail) and `prioritized` is ordered by band, then FIFO.
 */
export async function oldestWaitingTimestamp(
  queue: Queue,
  client: RedisClient,
): Promise<number | null> {
  const heads = client.pipeline().lindex(queue.toKey('wait'), -1);
  for (const priority of Object.values(Priority)) {
    heads.zrangebyscore(
      queue.toKey('prioritized'),
      priority * BAND,
      (priority + 1) * BAND - 1,
      'LIMIT',
      0,
      1,
    );
  }
  const ids = ((await heads.exec()) ?? [])
    .flatMap(([error, reply]): unknown[] => {
      if (error) throw error;
      return Array.isArray(reply) ? (reply as unknown[]) : [reply];
    })
    .filter((id): id is string => typeof id === 'string');
  if (ids.length === 0) return null;
  const stamps = client.pipeline();
  for (const id of ids) stamps.hget(queue.toKey(id), 'timestamp');
  const times = ((await stamps.exec()) ?? [])
    .map(([, reply]): number => Number(reply))
    .filter((time) => Number.isFinite(time) && time > 0);
  return times.length === 0 ? null : Math.min(...times);
}
