import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { KubernetesActuator } from '../src/actuators/kubernetes.actuator.js';

/** A fake API server speaking the apps/v1 scale subresource of one Deployment. */
const requests: { method: string; url: string; type: string | undefined; body: string }[] = [];
let replicas = 1;
const scalePath = '/apis/apps/v1/namespaces/agentq/deployments/agentq-worker-default/scale';
const podsPath = '/api/v1/namespaces/agentq/pods';
const pods: Record<string, Record<string, string>> = {
  'worker-a': {},
  'worker-b': {},
  'worker-c': { 'controller.kubernetes.io/pod-deletion-cost': '0' },
};
let busy: Map<string, number> | undefined = undefined;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      type: req.headers['content-type'],
      body,
    });
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === podsPath) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: {},
          items: Object.entries(pods).map(([name, annotations]) => ({
            metadata: { name, namespace: 'agentq', annotations },
          })),
        }),
      );
      return;
    }
    const pod = /^\/api\/v1\/namespaces\/agentq\/pods\/([^/]+)$/.exec(path ?? '')?.[1];
    if (req.method === 'PATCH' && pod && pods[pod]) {
      const patch = JSON.parse(body) as { metadata: { annotations: Record<string, string> } };
      Object.assign(pods[pod], patch.metadata.annotations);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ metadata: { name: pod, annotations: pods[pod] } }));
      return;
    }
    if (path !== scalePath) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
      return;
    }
    if (req.method === 'PATCH') {
      const patch = JSON.parse(body) as { spec?: { replicas?: number } };
      replicas = patch.spec?.replicas ?? replicas;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: 'agentq-worker-default', namespace: 'agentq' },
        spec: { replicas },
        status: { replicas, selector: 'app=agentq-worker,pool=default' },
      }),
    );
  });
});

let actuator: KubernetesActuator;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'fake',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'scaler', token: 'test-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'scaler' }],
    currentContext: 'fake',
  });
  actuator = new KubernetesActuator({
    kubeConfig,
    namespace: 'agentq',
    deployment: 'agentq-worker-{pool}',
    busyWorkers: () => Promise.resolve(busy),
    logger: pino({ level: 'silent' }),
  });
  await actuator.start();
});

afterAll(async () => {
  await actuator.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe(KubernetesActuator.name, () => {
  it('reads and sets the Deployment replicas through the scale subresource', async () => {
    expect(await actuator.currentReplicas('default')).toBe(1);
    await actuator.setReplicas('default', 4);
    expect(await actuator.currentReplicas('default')).toBe(4);
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({ url: scalePath, type: 'application/merge-patch+json' });
    expect(JSON.parse(patch?.body ?? '{}')).toEqual({ spec: { replicas: 4 } });
  });

  it('marks idle pods cheapest to delete before a scale-down', async () => {
    busy = new Map([['worker-a', 3]]);
    requests.length = 0;
    await actuator.setReplicas('default', 2);
    expect(pods).toEqual({
      'worker-a': { 'controller.kubernetes.io/pod-deletion-cost': '3' },
      'worker-b': { 'controller.kubernetes.io/pod-deletion-cost': '0' },
      'worker-c': { 'controller.kubernetes.io/pod-deletion-cost': '0' },
    });
    // Listed by the Deployment's selector; unchanged annotations are not patched again.
    expect(requests.find((r) => r.url.startsWith(podsPath))?.url).toContain(
      'labelSelector=app%3Dagentq-worker%2Cpool%3Ddefault',
    );
    expect(requests.filter((r) => r.method === 'PATCH' && r.url.startsWith(podsPath))).toHaveLength(
      2,
    );
    expect(replicas).toBe(2);
  });

  it('leaves pods alone when it is not known who is idle, or when scaling up', async () => {
    busy = undefined;
    requests.length = 0;
    await actuator.setReplicas('default', 1);
    busy = new Map();
    await actuator.setReplicas('default', 3);
    expect(requests.some((r) => r.url.startsWith(podsPath))).toBe(false);
    expect(replicas).toBe(3);
  });

  it('under KEDA, marks idle pods before the scale-down it will make, and never resizes', async () => {
    const keda = new KubernetesActuator({
      kubeConfig,
      namespace: 'agentq',
      deployment: 'agentq-worker-{pool}',
      busyWorkers: () => Promise.resolve(busy),
      mode: 'mark-only',
      logger: pino({ level: 'silent' }),
    });
    await keda.start();
    try {
      expect(keda.kind).toBe('keda');
      busy = new Map([['worker-c', 2]]);
      requests.length = 0;
      const before = replicas;
      await keda.setReplicas('default', before - 1);
      expect(pods['worker-c']).toEqual({ 'controller.kubernetes.io/pod-deletion-cost': '2' });
      expect(pods['worker-a']).toEqual({ 'controller.kubernetes.io/pod-deletion-cost': '0' });
      expect(requests.filter((r) => r.method === 'PATCH' && r.url === scalePath)).toEqual([]);
      expect(await keda.currentReplicas('default')).toBe(before);
    } finally {
      await keda.close();
    }
  });

  it('fails when the pool has no Deployment', async () => {
    await expect(actuator.currentReplicas('gpu')).rejects.toThrow(/404/);
  });
});
