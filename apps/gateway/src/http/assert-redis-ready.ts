import type { RedisClient } from '@agentq/queue';
import { ErrorCode } from '@agentq/contracts';
import { ApiError } from './api-error.js';

/** 503 at once while Redis is away, instead of a command failing half-way through a request. */
export function assertRedisReady(redis: RedisClient): void {
  if (redis.status !== 'ready') {
    throw new ApiError(ErrorCode.Unavailable, 'Redis is unavailable; retry later');
  }
}
