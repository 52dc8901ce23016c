import {
  AppsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { PoolName } from '@agentq/contracts';
import type { Actuator } from './actuator.js';

export interface KubernetesActuatorOptions {
  /** Where the API server is and how to authenticate (in-cluster or KUBECONFIG in main). */
  kubeConfig: KubeConfig;
  namespace: string;
  /** Deployment name per pool; `{pool}` is replaced by the pool's name. */
  deployment: string;
  logger: Logger;
}

/**
 * `kubernetes`: one Deployment per pool, resized through the `apps/v1` scale subresource
 * (`GET`/`PATCH .../deployments/<name>/scale`), the way the HPA and `kubectl scale` do it.
 * The ReplicaSet controller removes pods; each worker gets SIGTERM and drains (set the
 * pod's terminationGracePeriodSeconds above AGENTQ_WORKER_DRAIN_TIMEOUT_MS).
 */
export class KubernetesActuator implements Actuator {
  readonly kind = 'kubernetes';
  private api: AppsV1Api | undefined;

  constructor(private readonly options: KubernetesActuatorOptions) {}

  start(): Promise<void> {
    this.api = this.options.kubeConfig.makeApiClient(AppsV1Api);
    return Promise.resolve();
  }

  async setReplicas(pool: PoolName, replicas: number): Promise<void> {
    const name = this.name(pool);
    await this.client().patchNamespacedDeploymentScale(
      { name, namespace: this.options.namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    this.options.logger.info({ pool, deployment: name, replicas }, 'deployment scaled');
  }

  async currentReplicas(pool: PoolName): Promise<number> {
    const scale = await this.client().readNamespacedDeploymentScale({
      name: this.name(pool),
      namespace: this.options.namespace,
    });
    return scale.spec?.replicas ?? 0;
  }

  close(): Promise<void> {
    this.api = undefined;
    return Promise.resolve();
  }

  private name(pool: PoolName): string {
    return this.options.deployment.replaceAll('{pool}', pool);
  }

  private client(): AppsV1Api {
    if (!this.api) throw new Error('KubernetesActuator used before start()');
    return this.api;
  }
}
