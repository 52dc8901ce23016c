import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from '../helpers/app-process.js';

/** docker/kubernetes/pools.yaml: the worker pools and their profiles. */
export interface PoolDescription {
  name: string;
  profile: string;
}

export const KUBERNETES = path.join(ROOT, 'docker', 'kubernetes');
export const GENERATED = {
  base: path.join(KUBERNETES, 'base', 'worker-pools.yaml'),
  keda: path.join(KUBERNETES, 'overlays', 'keda', 'scaled-objects.yaml'),
};

/** Time a pod gets past its drain before SIGKILL: the hand-back and closing connections. */
const GRACE_MARGIN_S = 15;

export function readPools(): PoolDescription[] {
  const file = path.join(KUBERNETES, 'pools.yaml');
  return (parse(readFileSync(file, 'utf8')) as { pools: PoolDescription[] }).pools;
}

const labels = (pool: string) => ({
  'app.kubernetes.io/name': 'agentq-worker',
  'agentq.dev/pool': pool,
});

function deployment({ name, profile }: PoolDescription, drainMs: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `agentq-worker-${name}`, labels: labels(name) },
    // No replicas: the autoscaler (the scaler or KEDA) owns them, and an apply must not reset
    // them. A new Deployment starts with one.
    spec: {
      selector: { matchLabels: labels(name) },
      template: {
        metadata: {
          labels: labels(name),
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464' },
        },
        spec: {
          terminationGracePeriodSeconds: Math.ceil(drainMs / 1000) + GRACE_MARGIN_S,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'worker',
              image: 'agentq-worker:latest',
              ports: [{ name: 'http', containerPort: 9464 }],
              envFrom: [
                { configMapRef: { name: 'agentq-config' } },
                { secretRef: { name: 'agentq-redis', optional: true } },
              ],
              env: [
                { name: 'AGENTQ_POOLS', value: name },
                { name: 'AGENTQ_POOL_PROFILES', value: `${name}:${profile}` },
                { name: 'AGENTQ_WORKER_HTTP_PORT', value: '9464' },
                // The scaler reads each pod's name off the tasks it runs, to make idle pods
                // the first to go when it scales in (pod-deletion-cost).
                {
                  name: 'AGENTQ_WORKER_NAME',
                  valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
                },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
              livenessProbe: {
                httpGet: { path: '/health', port: 'http' },
                periodSeconds: 10,
                failureThreshold: 6,
              },
              resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

function disruptionBudget({ name }: PoolDescription) {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: `agentq-worker-${name}` },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels(name) } },
  };
}

function scaledObject({ name }: PoolDescription) {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: `agentq-worker-${name}` },
    spec: {
      scaleTargetRef: { name: `agentq-worker-${name}` },
      // Replaced by agentq-scaler-bounds' values (kustomization.yaml); the same here.
      minReplicaCount: 1,
      maxReplicaCount: 10,
      pollingInterval: 5,
      cooldownPeriod: 120,
      triggers: [
        {
          type: 'metrics-api',
          metricType: 'AverageValue',
          metadata: {
            // The scaler's decision, {"pool":…,"desired":N}: with AverageValue and a target
            // of 1, KEDA runs exactly that many replicas. Change the namespace in the URL.
            url: `http://agentq-scaler.default.svc:9465/v1/pools/${name}/desired`,
            valueLocation: 'desired',
            targetValue: '1',
          },
        },
      ],
    },
  };
}

const HEADER = `# Generated from docker/kubernetes/pools.yaml by \`pnpm k8s:pools\`: edit that file.\n`;

/** The generated files' contents for these pools, given each profile's drain (ms). */
export function poolManifests(
  pools: readonly PoolDescription[],
  drainMsOf: (profile: string) => number,
): Record<keyof typeof GENERATED, string> {
  const documents = (docs: object[]) =>
    HEADER + docs.map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n');
  return {
    base: documents(
      pools.flatMap((pool) => [deployment(pool, drainMsOf(pool.profile)), disruptionBudget(pool)]),
    ),
    keda: documents(pools.map(scaledObject)),
  };
}
