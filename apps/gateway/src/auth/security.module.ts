import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { AuthGuard } from './auth.guard.js';
import { Authenticator } from './authenticator.js';
import { MeController } from './me.controller.js';
import { ApiKeyStore } from '@agentq/queue';

/** API keys and the global auth guard (which takes each request's token: RateLimitModule). */
@Global()
@Module({
  controllers: [MeController],
  providers: [
    {
      provide: Authenticator,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new Authenticator(config.auth === 'on' ? new ApiKeyStore(config.apiKeys) : undefined),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [Authenticator],
})
export class SecurityModule {}
