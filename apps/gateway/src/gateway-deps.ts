import type { Queue } from 'bullmq';
import type { RedisClient } from '@agentq/queue';
import type { Logger } from 'pino';
import type { AgentRegistry } from '@agentq/agents';
import type { PoolName } from '@agentq/contracts';
import type { GatewayConfig } from './config.js';

/** Everything the gateway is built from; main.ts (or a test) creates and closes these. */
export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  redis: RedisClient;
  queues: ReadonlyMap<PoolName, Queue>;
  registry: AgentRegistry;
  /** Tracing is on: every API request gets a server span (src/http/request-tracing.ts). */
  tracing?: boolean;
}
