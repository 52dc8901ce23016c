import type { Redis } from 'ioredis';

/**
 * When the Redis connection last dropped. A command the drop failed ("Connection is
 * closed.") may reach the error filter after the client reconnected; judged by the state
 * then, it would look like a bug (500). Judged by whether Redis stayed up for the whole
 * request, it is the outage it was (503).
 */
export class RedisOutages {
  private lastDropAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly redis: Redis) {
    redis.on('close', () => {
      this.lastDropAt = Date.now();
    });
  }

  /** Whether Redis is ready and has been since `since` (epoch ms). */
  readyThroughout(since: number): boolean {
    return this.redis.status === 'ready' && this.lastDropAt < since;
  }
}
