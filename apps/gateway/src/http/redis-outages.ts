import type { RedisClient } from '@agentq/queue';

/**
 * Since when the Redis connection has been ready. A command refused or failed while it was
 * away ("Connection is closed.", "Stream isn't writeable …") may reach the error filter
 * after the client reconnected; judged by the state then, it would look like a bug (500).
 * Judged by whether Redis was ready for the whole request, it is the outage it was (503).
 */
export class RedisOutages {
  private readySince: number;

  constructor(private readonly redis: RedisClient) {
    this.readySince =
      redis.status === 'ready' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    redis.on('ready', () => {
      this.readySince = Date.now();
    });
    redis.on('close', () => {
      this.readySince = Number.POSITIVE_INFINITY;
    });
  }

  /** Whether Redis is ready and has been since `since` (epoch ms). */
  readyThroughout(since: number): boolean {
    return this.redis.status === 'ready' && this.readySince <= since;
  }
}
