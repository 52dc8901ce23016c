import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { ErrorCode } from '@agentq/contracts';
import type { RateLimit } from '../auth/api-key.js';
import type { Principal } from '../auth/key-store.js';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import { TokenBuckets, type Take } from './token-bucket.js';

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The headers of draft-ietf-httpapi-ratelimit-headers (the separate-fields form): the bucket
 * size, the requests left, and seconds until the bucket is full again; the policy says the
 * refill per minute and the burst.
 */
function rateLimitHeaders(limit: RateLimit, take: Take): Record<string, string> {
  return {
    'ratelimit-limit': String(limit.burst),
    'ratelimit-remaining': String(take.remaining),
    'ratelimit-reset': String(take.fullMs <= 0 ? 0 : seconds(take.fullMs)),
    'ratelimit-policy': `${limit.perMinute};w=60;burst=${limit.burst}`,
  };
}

/** Per-key budgets, shared by every gateway replica: requests, and tasks submitted. */
@Injectable()
export class RateLimits {
  private readonly buckets: TokenBuckets;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.buckets = new TokenBuckets(redis);
  }

  /** One request of the key: sets the RateLimit headers, or throws 429 with Retry-After. */
  async takeRequest(principal: Principal, reply: FastifyReply): Promise<void> {
    const limit = principal.rateLimit ?? this.config.rateLimit;
    const key = gatewayKeys.rateLimit(this.config.prefix, 'requests', principal.keyId);
    const take = await this.buckets.take(key, limit, 1);
    const headers = rateLimitHeaders(limit, take);
    if (!take.allowed) {
      throw new ApiError(
        ErrorCode.RateLimited,
        `too many requests for this API key (${limit.perMinute}/min, burst ${limit.burst}); retry later`,
        { limit: 'requests', perMinute: limit.perMinute, burst: limit.burst },
        { ...headers, 'retry-after': String(seconds(take.waitMs)) },
      );
    }
    void reply.headers(headers);
  }

  /** `count` tasks submitted with the key (a batch counts each); 429 when over its task budget. */
  async takeTasks(principal: Principal, count: number): Promise<void> {
    const limit = principal.taskRateLimit ?? this.config.taskRateLimit;
    const details = { limit: 'tasks', perMinute: limit.perMinute, burst: limit.burst };
    if (count > limit.burst) {
      // Never affordable: waiting would not help, so no Retry-After.
      throw new ApiError(
        ErrorCode.RateLimited,
        `${count} tasks at once exceed this API key's task burst of ${limit.burst}; send smaller batches`,
        details,
      );
    }
    const key = gatewayKeys.rateLimit(this.config.prefix, 'tasks', principal.keyId);
    const take = await this.buckets.take(key, limit, count);
    if (!take.allowed) {
      throw new ApiError(
        ErrorCode.RateLimited,
        `too many tasks submitted with this API key (${limit.perMinute}/min); retry later`,
        details,
        { 'retry-after': String(seconds(take.waitMs)) },
      );
    }
  }
}
