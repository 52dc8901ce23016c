import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '@agentq/queue';
import type { PoolName, ScalerDecisionRecord } from '@agentq/contracts';

/** A decision as /status shows it. */
export type DecisionRecord = ScalerDecisionRecord;

/** How many decisions the log keeps. */
export const DECISION_LOG_SIZE = 100;

/**
 * The leader's decisions in Redis, so every scaler instance answers the same: behind one
 * Service, KEDA and an operator reach the standby as often as the leader.
 * - `<prefix>:scaler:desired:<pool>`: the latest decision of the pool, expiring after
 *   `ttlMs` (with no leader for that long there is no answer rather than a stale one);
 * - `<prefix>:scaler:decisions`: the last 100 decisions of every pool, newest first;
 * - whatever `alsoWrite` adds in the same transaction (the history of changes).
 */
export class DecisionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly alsoWrite: (
      multi: ChainableCommander,
      record: DecisionRecord,
    ) => void = () => {},
  ) {}

  private desiredKey(pool: PoolName): string {
    return `${this.prefix}:scaler:desired:${pool}`;
  }

  private get logKey(): string {
    return `${this.prefix}:scaler:decisions`;
  }

  /** Records a decision: one MULTI (SET, LPUSH, LTRIM, and the history's writes). */
  async write(record: DecisionRecord): Promise<void> {
    const multi = this.redis
      .multi()
      .set(this.desiredKey(record.pool), JSON.stringify(record), 'PX', this.ttlMs)
      .lpush(this.logKey, JSON.stringify(record))
      .ltrim(this.logKey, 0, DECISION_LOG_SIZE - 1);
    this.alsoWrite(multi, record);
    await multi.exec();
  }

  /** The latest decision of the pool, if a leader made one within the ttl. */
  async latest(pool: PoolName): Promise<DecisionRecord | undefined> {
    const raw = await this.redis.get(this.desiredKey(pool));
    return raw === null ? undefined : (JSON.parse(raw) as DecisionRecord);
  }

  /** The last 100 decisions, oldest first. */
  async recent(): Promise<DecisionRecord[]> {
    const raw = await this.redis.lrange(this.logKey, 0, DECISION_LOG_SIZE - 1);
    return raw.map((item) => JSON.parse(item) as DecisionRecord).reverse();
  }
}
