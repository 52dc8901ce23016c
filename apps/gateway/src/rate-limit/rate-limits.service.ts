import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ErrorCode } from '@agentq/contracts';
import type { Principal, RateLimit, RedisClient } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { isRedisUnavailable } from '../http/error-response.js';
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
    @Inject(REDIS) redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.buckets = new TokenBuckets(redis);
  }

  /** One request of the key: sets the RateLimit headers, or throws 429 with Retry-After. */
  async takeRequest(principal: Principal, reply: FastifyReply): Promise<void> {
    const budget = this.requestBudget(principal);
    this.answerRequest(budget.limit, await this.buckets.take(budget.key, budget.limit, 1), reply);
  }

  /** The key's request bucket: its Redis key and limit. */
  requestBudget(principal: Principal): Budget {
    return {
      key: gatewayKeys.rateLimit(this.config.prefix, 'requests', principal.keyId),
      limit: principal.rateLimit ?? this.config.rateLimit,
    };
  }

  /** The key's task bucket; 429 at once for more tasks than it can ever afford at once. */
  taskBudget(principal: Principal, count: number): Budget {
    const limit = principal.taskRateLimit ?? this.config.taskRateLimit;
    if (count > limit.burst) {
      // Never affordable: waiting would not help, so no Retry-After.
      throw new ApiError(
        ErrorCode.RateLimited,
        `${count} tasks at once exceed this API key's task burst of ${limit.burst}; send smaller batches`,
        taskDetails(limit),
      );
    }
    return { key: gatewayKeys.rateLimit(this.config.prefix, 'tasks', principal.keyId), limit };
  }

  /**
   * Runs a handler that takes its request's token itself (see `ChargedByHandler`). If it
   * fails before it did (bad input, say), the token is taken now; a 429 then replaces its
   * error, as the guard's would have come first. Not when it failed because Redis is away
   * or did not answer: the take would wait for Redis too (a second command timeout before
   * the 503), and a request Redis never served costs no token.
   */
  async chargedBy<T>(charge: RequestCharge, handler: () => Promise<T>): Promise<T> {
    try {
      return await handler();
    } catch (error) {
      if (!charge.taken && !isRedisOutage(error)) {
        charge.taken = true;
        await this.takeRequest(charge.principal, charge.reply);
      }
      throw error;
    }
  }

  /** Sets the RateLimit headers of a request's take, or throws its 429. */
  answerRequest(limit: RateLimit, take: Take, reply: FastifyReply): void {
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
}

/**
 * A request whose token is taken by its handler, together with its other checks (the
 * submit gate), rather than by the guard. {@link RateLimits.settle} takes it if the handler
 * failed before doing so: every request still costs one token.
 */
export class RequestCharge {
  taken = false;

  constructor(
    readonly principal: Principal,
    readonly reply: FastifyReply,
  ) {}
}

/** A Redis token bucket and the limit it enforces. */
export interface Budget {
  key: string;
  limit: RateLimit;
}

/** A failure that is Redis being away or not answering (answered 503), not the request's. */
function isRedisOutage(error: unknown): boolean {
  return (
    isRedisUnavailable(error) ||
    (error instanceof ApiError &&
      (error.code === ErrorCode.Unavailable || error.code === ErrorCode.OutcomeUnknown))
  );
}

const taskDetails = (limit: RateLimit) => ({
  limit: 'tasks',
  perMinute: limit.perMinute,
  burst: limit.burst,
});

/** The 429 of a task budget that has not enough tokens now. */
export function tasksRefused(limit: RateLimit, waitMs: number): ApiError {
  return new ApiError(
    ErrorCode.RateLimited,
    `too many tasks submitted with this API key (${limit.perMinute}/min); retry later`,
    taskDetails(limit),
    { 'retry-after': String(seconds(waitMs)) },
  );
}
