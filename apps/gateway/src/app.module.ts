import { Module, type DynamicModule } from '@nestjs/common';
import { ActivityModule } from './activity/activity.module.js';
import { SecurityModule } from './auth/security.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { DeadLetterModule } from './dead-letter/dead-letter.module.js';
import { DocsController } from './docs/docs.controller.js';
import type { GatewayDeps } from './gateway-deps.js';
import { DrainState } from './health/drain-state.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { GatewayMetrics } from './metrics.js';
import { PoolsController } from './pools/pools.controller.js';
import { ScalerModule } from './scaler/scaler.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { UsageModule } from './usage/usage.module.js';
import { WorkflowsModule } from './workflows/workflows.module.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, LOGGER, REDIS, TASK_QUEUES } from './tokens.js';

/** Makes the values main.ts created available for injection everywhere. */
@Module({})
class DepsModule {
  static register(deps: GatewayDeps): DynamicModule {
    return {
      module: DepsModule,
      global: true,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: deps.config },
        { provide: LOGGER, useValue: deps.logger },
        { provide: REDIS, useValue: deps.redis },
        { provide: TASK_QUEUES, useValue: deps.queues },
        { provide: AGENT_REGISTRY, useValue: deps.registry },
        GatewayMetrics,
        DrainState,
      ],
      exports: [
        GATEWAY_CONFIG,
        LOGGER,
        REDIS,
        TASK_QUEUES,
        AGENT_REGISTRY,
        GatewayMetrics,
        DrainState,
      ],
    };
  }
}

@Module({})
export class AppModule {
  static register(deps: GatewayDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DepsModule.register(deps),
        RateLimitModule,
        SecurityModule,
        TasksModule,
        WorkflowsModule,
        DeadLetterModule,
        UsageModule,
        ScalerModule,
        ActivityModule,
      ],
      controllers: [HealthController, PoolsController, MetricsController, DocsController],
    };
  }
}
