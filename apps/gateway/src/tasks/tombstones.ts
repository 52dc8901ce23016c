import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@agentq/queue';
import type { TaskView } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';

interface Tombstone {
  tenant: string;
  view: TaskView;
}

/**
 * A task cancelled before it started is removed from its queue; its tombstone keeps
 * answering `state: cancelled` for as long as a failed task would be kept.
 */
@Injectable()
export class Tombstones {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async put(tenant: string, view: TaskView): Promise<void> {
    const key = gatewayKeys.tombstone(this.config.prefix, view.id);
    const ttl = Math.max(this.config.retention.failedAgeSeconds, 60);
    await this.redis.set(key, JSON.stringify({ tenant, view } satisfies Tombstone), 'EX', ttl);
  }

  async get(tenant: string, taskId: string): Promise<TaskView | undefined> {
    const raw = await this.redis.get(gatewayKeys.tombstone(this.config.prefix, taskId));
    if (raw === null) return undefined;
    const tombstone = JSON.parse(raw) as Tombstone;
    return tombstone.tenant === tenant ? tombstone.view : undefined;
  }

  async delete(taskId: string): Promise<void> {
    await this.redis.del(gatewayKeys.tombstone(this.config.prefix, taskId));
  }
}
