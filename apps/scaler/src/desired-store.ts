import type { Redis } from 'ioredis';
import type { PoolName } from '@agentq/contracts';

/** The leader's latest decision for a pool, as every scaler instance serves it. */
export interface PublishedDesired {
  pool: PoolName;
  desired: number;
  current: number;
  /** When it was decided (ISO 8601). */
  at: string;
  fencingToken: number | undefined;
}

/**
 * The leader's decisions in Redis (`<prefix>:scaler:desired:<pool>`), so that
 * `GET /v1/pools/:pool/desired` answers the same on every instance: behind a Service, KEDA
 * reaches the standby as often as the leader. Entries expire after `ttlMs`: with no leader
 * for that long there is no answer rather than a stale one.
 */
export class DesiredStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  private key(pool: PoolName): string {
    return `${this.prefix}:scaler:desired:${pool}`;
  }

  async write(value: PublishedDesired): Promise<void> {
    await this.redis.set(this.key(value.pool), JSON.stringify(value), 'PX', this.ttlMs);
  }

  async read(pool: PoolName): Promise<PublishedDesired | undefined> {
    const raw = await this.redis.get(this.key(pool));
    return raw === null ? undefined : (JSON.parse(raw) as PublishedDesired);
  }
}
