import { Controller, Get, Inject } from '@nestjs/common';
import type { RedisClient } from '@agentq/queue';
import { ErrorCode } from '@agentq/contracts';
import { Public } from '../auth/public.decorator.js';
import { ApiError } from '../http/api-error.js';
import { REDIS } from '../tokens.js';
import { DrainState } from './drain-state.js';

const READY_TIMEOUT_MS = 1000;

/** Public: probes and load balancers call these without a key. */
@Controller()
@Public()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly drain: DrainState,
  ) {}

  /** Liveness: the process serves HTTP. */
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: not shutting down, and Redis answers a PING in time. */
  @Get('ready')
  async ready(): Promise<{ status: 'ready' }> {
    if (this.drain.draining) {
      throw new ApiError(ErrorCode.Unavailable, 'this gateway is shutting down');
    }
    if (this.redis.status === 'ready') {
      const answered = await Promise.race([
        this.redis.ping().then(
          () => true,
          () => false,
        ),
        new Promise<false>((resolve) => setTimeout(resolve, READY_TIMEOUT_MS, false).unref()),
      ]);
      if (answered) return { status: 'ready' };
    }
    throw new ApiError(ErrorCode.Unavailable, 'Redis does not answer');
  }
}
