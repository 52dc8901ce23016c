import { Global, Module } from '@nestjs/common';
import { RateLimits } from './rate-limits.service.js';

/** Per-key budgets of requests and tasks: the auth guard and the submit gate take from them. */
@Global()
@Module({ providers: [RateLimits], exports: [RateLimits] })
export class RateLimitModule {}
