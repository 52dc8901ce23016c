import type { PoolName } from '@agentq/contracts';
import type { Actuator } from './actuator.js';

/**
 * `none`: decides and publishes only (GET /v1/pools/:pool/desired for KEDA's metrics-api
 * scaler, /status, /metrics). Its own decisions are taken as applied.
 */
export class NoopActuator implements Actuator {
  readonly kind = 'none';
  private readonly replicas = new Map<PoolName, number>();

  start(): Promise<void> {
    return Promise.resolve();
  }

  setReplicas(pool: PoolName, replicas: number): Promise<void> {
    this.replicas.set(pool, replicas);
    return Promise.resolve();
  }

  currentReplicas(pool: PoolName): Promise<number> {
    return Promise.resolve(this.replicas.get(pool) ?? 0);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
