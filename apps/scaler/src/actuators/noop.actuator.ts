import type { PoolName } from '@agentq/contracts';
import type { Actuator } from './actuator.js';

/**
 * `none`: decides and publishes only (GET /v1/pools/:pool/desired for KEDA's metrics-api
 * scaler, /status, /metrics). Its own decisions are taken as applied; before its first,
 * the pool has what the previous leader last published (`lastPublished`), so a takeover
 * goes on from there instead of from zero.
 */
export class NoopActuator implements Actuator {
  readonly kind = 'none';
  private readonly replicas = new Map<PoolName, number>();

  constructor(
    private readonly lastPublished: (pool: PoolName) => Promise<number | undefined> = () =>
      Promise.resolve(undefined),
  ) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  setReplicas(pool: PoolName, replicas: number): Promise<void> {
    this.replicas.set(pool, replicas);
    return Promise.resolve();
  }

  async currentReplicas(pool: PoolName): Promise<number> {
    // Not cached: a standby follows what the leader publishes until it acts itself.
    return this.replicas.get(pool) ?? (await this.lastPublished(pool)) ?? 0;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
