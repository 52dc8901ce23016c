import {
  AppsV1Api,
  CoreV1Api,
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
  /**
   * Tasks running per worker name (= pod name), or undefined when unknown. Before a
   * scale-down, pods get `controller.kubernetes.io/pod-deletion-cost` = their running
   * tasks, so the ReplicaSet removes idle pods first.
   */
  busyWorkers?: (pool: PoolName) => Promise<Map<string, number> | undefined>;
  /**
   * `resize`: set the replicas. `mark-only`: another autoscaler (KEDA, an HPA) sets them from
   * the published decision; only read them, and mark the pods before a scale-down it will make.
   */
  mode?: 'resize' | 'mark-only';
  logger: Logger;
}

/** Pods with the lower cost are deleted first when a ReplicaSet shrinks. */
export const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * `kubernetes`: one Deployment per pool, resized through the `apps/v1` scale subresource
 * (`GET`/`PATCH .../deployments/<name>/scale`), the way the HPA and `kubectl scale` do it.
 * The ReplicaSet controller removes pods; each worker gets SIGTERM and drains (set the
 * pod's terminationGracePeriodSeconds above AGENTQ_WORKER_DRAIN_TIMEOUT_MS). `keda`: the same
 * reads and pod marks, while KEDA sets the replicas.
 */
export class KubernetesActuator implements Actuator {
  readonly kind: 'kubernetes' | 'keda';
  private api: AppsV1Api | undefined;
  private core: CoreV1Api | undefined;

  constructor(private readonly options: KubernetesActuatorOptions) {
    this.kind = options.mode === 'mark-only' ? 'keda' : 'kubernetes';
  }

  start(): Promise<void> {
    this.api = this.options.kubeConfig.makeApiClient(AppsV1Api);
    this.core = this.options.kubeConfig.makeApiClient(CoreV1Api);
    return Promise.resolve();
  }

  async setReplicas(pool: PoolName, replicas: number): Promise<void> {
    const name = this.name(pool);
    const { namespace } = this.options;
    if (this.options.busyWorkers) {
      const scale = await this.client().readNamespacedDeploymentScale({ name, namespace });
      const selector = scale.status?.selector;
      if ((scale.spec?.replicas ?? 0) > replicas && selector) {
        await this.markDeletionCosts(pool, selector);
      }
    }
    // KEDA's scale-in waits out the HPA's stabilization window, well after these marks.
    if (this.kind === 'keda') return;
    await this.client().patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas } } },
      mergePatch(),
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

  /** Annotates each pod of the Deployment with its running tasks (only where it changed). */
  private async markDeletionCosts(pool: PoolName, labelSelector: string): Promise<void> {
    const busy = await this.options.busyWorkers?.(pool);
    const core = this.core;
    if (!busy || !core) return;
    const { namespace } = this.options;
    const pods = await core.listNamespacedPod({ namespace, labelSelector });
    await Promise.all(
      pods.items.map(async (pod) => {
        const name = pod.metadata?.name;
        if (!name) return;
        const cost = String(busy.get(name) ?? 0);
        if (pod.metadata?.annotations?.[DELETION_COST] === cost) return;
        await core.patchNamespacedPod(
          { name, namespace, body: { metadata: { annotations: { [DELETION_COST]: cost } } } },
          mergePatch(),
        );
      }),
    );
  }

  close(): Promise<void> {
    this.api = undefined;
    this.core = undefined;
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
