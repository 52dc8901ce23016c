import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { GatewayConfig } from '../config.js';
import { RateLimits } from '../rate-limit/rate-limits.service.js';
import { UnfinishedTasks } from '../tenant-cap/unfinished-tasks.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { AuthGuard } from './auth.guard.js';
import { Authenticator } from './authenticator.js';
import { ApiKeyStore } from '@agentq/queue';

/** API keys, the global auth guard, per-key rate limits and the per-tenant task cap. */
@Global()
@Module({
  providers: [
    {
      provide: Authenticator,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new Authenticator(config.auth === 'on' ? new ApiKeyStore(config.apiKeys) : undefined),
    },
    RateLimits,
    UnfinishedTasks,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [Authenticator, RateLimits, UnfinishedTasks],
})
export class SecurityModule {}
