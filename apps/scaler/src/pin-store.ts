import type { RedisClient } from '@agentq/queue';
import type { PoolName } from '@agentq/contracts';

/**
 * Operator pins (POST /scale): a pool held at a replica count until the pin expires or
 * is removed. Kept in Redis (`<prefix>:scaler:pin:<pool>`, with the ttl as expiry), so a
 * pin sent to any scaler instance holds for whichever one leads.
 */
export class PinStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(pool: PoolName): string {
    return `${this.prefix}:scaler:pin:${pool}`;
  }

  async set(pool: PoolName, replicas: number, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(pool), String(replicas), 'EX', ttlSeconds);
  }

  /** True if there was a pin. */
  async clear(pool: PoolName): Promise<boolean> {
    return (await this.redis.del(this.key(pool))) > 0;
  }

  /** Every pool's pin in one MGET. */
  async read(pools: readonly PoolName[]): Promise<Map<PoolName, number>> {
    const values = await this.redis.mget(...pools.map((pool) => this.key(pool)));
    const pins = new Map<PoolName, number>();
    pools.forEach((pool, i) => {
      const value = values[i];
      if (value !== null && value !== undefined) pins.set(pool, Number(value));
    });
    return pins;
  }
}
