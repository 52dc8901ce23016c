import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { makeApiKey } from '../helpers/api-keys.js';
import { ROOT } from '../helpers/app-process.js';

// No Docker engine or cluster runs here: these checks keep docker/ honest offline.

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string };
type App = 'gateway' | 'worker' | 'scaler';
const APPS: App[] = ['gateway', 'worker', 'scaler'];
/** Where each app serves HTTP (the variable that sets it, and its default). */
const HTTP_PORT: Record<App, { variable: string; port: number }> = {
  gateway: { variable: 'PORT', port: 3000 },
  worker: { variable: 'AGENTQ_WORKER_HTTP_PORT', port: 9464 },
  scaler: { variable: 'AGENTQ_SCALER_HTTP_PORT', port: 9465 },
};
const PROBE_PATHS = ['/health', '/ready'];
/** The OpenTelemetry settings a deployment may set, as the SDK documents them. */
const OTEL_SETTINGS = new Set([
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_SERVICE_NAME',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_RESOURCE_ATTRIBUTES',
]);
const DOCKER = path.join(ROOT, 'docker');
const DOCKERFILE = path.join(DOCKER, 'Dockerfile');

/** The lines of the Dockerfile's stage for one app (`FROM runtime AS <app>` to the next FROM). */
function dockerStage(app: App): string {
  const dockerfile = readFileSync(DOCKERFILE, 'utf8');
  const start = dockerfile.indexOf(`\nFROM runtime AS ${app}\n`);
  if (start < 0) throw new Error(`the Dockerfile has no stage ${app}`);
  const end = dockerfile.indexOf('\nFROM ', start + 1);
  return dockerfile.slice(start, end < 0 ? undefined : end);
}

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full, ext) : ext.test(name) ? [full] : [];
  });
}

function yamlDocs(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
  }
  return docs.map((doc) => doc.toJSON() as Doc).filter((doc) => doc !== null);
}

const yamlFiles = filesUnder(DOCKER, /\.ya?ml$/);
const kubeDocs = filesUnder(path.join(DOCKER, 'kubernetes'), /\.ya?ml$/).flatMap((file) =>
  yamlDocs(file).map((doc) => ({ file, doc })),
);
/** Overlay files that patch a base resource (partial documents, not resources of their own). */
const patchFiles = new Set(
  kubeDocs
    .filter(({ doc }) => String(doc.apiVersion).startsWith('kustomize'))
    .flatMap(({ file, doc }) =>
      ((doc.patches as { path: string }[] | undefined) ?? []).map((patch) =>
        path.resolve(path.dirname(file), patch.path),
      ),
    ),
);
const compose = yamlDocs(path.join(DOCKER, 'compose.yml'))[0] as {
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      ports?: string[];
      build?: { context: string; dockerfile: string; args?: Record<string, string> };
      volumes?: string[];
    }
  >;
  'x-agentq-env': Record<string, string>;
};

/** Every variable an app's config (and the shared fragments it spreads) can read. */
function variablesRead(app: App): Set<string> {
  const sources = [
    path.join(ROOT, 'apps', app, 'src', 'config.ts'),
    ...filesUnder(path.join(ROOT, 'packages'), /env[^/]*\.ts$/).filter(
      (file) => !file.includes('node_modules'),
    ),
  ];
  const names = sources.flatMap(
    (file) => readFileSync(file, 'utf8').match(/\b(AGENTQ_[A-Z0-9_]+|REDIS_URL|PORT)\b/g) ?? [],
  );
  return new Set(names);
}

/**
 * Loads an app's config from a manifest's environment. A keys file it names is what the
 * deployment mounts there: `keysFile` gives its content (a Secret's, or what compose's
 * dev-key service writes), written to a temporary file for the check.
 */
async function loadAppConfig(
  app: App,
  env: Record<string, string>,
  keysFile?: () => string,
): Promise<unknown> {
  const module = (await import(path.join(ROOT, 'apps', app, 'dist', 'config.js'))) as {
    loadConfig: (env: Record<string, string>) => unknown;
  };
  if (env.AGENTQ_API_KEYS_FILE === undefined) return module.loadConfig(env);
  if (!keysFile) throw new Error(`nothing provides ${env.AGENTQ_API_KEYS_FILE}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentq-deploy-keys-'));
  try {
    const file = path.join(dir, 'api-keys');
    writeFileSync(file, keysFile());
    return module.loadConfig({ ...env, AGENTQ_API_KEYS_FILE: file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The content of the file a container mounts at `file` from a Secret volume. */
function kubeMountedFile(
  container: Record<string, unknown>,
  pod: Record<string, unknown>,
  file: string,
): string {
  const mounts =
    (container.volumeMounts as { name: string; mountPath: string }[] | undefined) ?? [];
  const mount = mounts.find((m) => m.mountPath === path.posix.dirname(file));
  const volumes =
    (pod.volumes as { name: string; secret?: { secretName: string } }[] | undefined) ?? [];
  const secretName = volumes.find((v) => v.name === mount?.name)?.secret?.secretName;
  if (!secretName) throw new Error(`${file} is not mounted from a Secret`);
  const content = kubeSecret(secretName)?.[path.posix.basename(file)];
  if (content === undefined)
    throw new Error(`Secret ${secretName} has no ${path.posix.basename(file)}`);
  return content;
}

/** What compose's dev-key service writes to the api-keys volume (the gateway's own code). */
async function composeDevKeysFile(): Promise<() => string> {
  const { ensureDevKey } = (await import(
    path.join(ROOT, 'apps', 'gateway', 'dist', 'auth', 'dev-key.js')
  )) as { ensureDevKey: (dir: string) => { keysFile: string } };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentq-dev-key-'));
  const content = readFileSync(ensureDevKey(dir).keysFile, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return () => content;
}

type KubeEnvEntry = { name: string; value?: string; valueFrom?: unknown };

function kubeContainersOf(doc: Doc): Record<string, unknown>[] {
  const spec = doc.spec as
    { template?: { spec?: { containers?: Record<string, unknown>[] } } } | undefined;
  return spec?.template?.spec?.containers ?? [];
}

/** Containers of the Deployments, by app (from the image name). */
function kubeContainers(app: App) {
  return kubeDocs
    .filter(({ doc }) => doc.kind === 'Deployment')
    .flatMap(({ file, doc }) => {
      const pod = (doc.spec as { template?: { spec?: Record<string, unknown> } }).template?.spec;
      return kubeContainersOf(doc).map((container) => ({ file, container, pod: pod ?? {} }));
    })
    .filter(({ container }) =>
      ((container.image as string | undefined) ?? '').startsWith(`agentq-${app}:`),
    );
}

/**
 * The Secrets a team creates before applying (docs/deployment.md): none ships in the
 * manifests, so an apply never replaces them. `agentq-redis` is optional (the ConfigMap's
 * REDIS_URL names the base's Redis); `agentq-api-keys` holds the keys file.
 */
const USER_SECRETS: Record<string, Record<string, string> | undefined> = {
  'agentq-redis': undefined,
  'agentq-api-keys': { 'api-keys': `${makeApiKey('default').line}\n` },
};

/** A Secret's data as the team creates it, by its name (undefined: optional, not created). */
function kubeSecret(name: string): Record<string, string> | undefined {
  if (!(name in USER_SECRETS)) throw new Error(`no Secret ${name} is documented`);
  return USER_SECRETS[name];
}

/** A ConfigMap's data, by its name. */
function kubeConfigMap(name: string): Record<string, string> {
  const found = kubeDocs.find(
    ({ doc }) => doc.kind === 'ConfigMap' && (doc.metadata as { name: string }).name === name,
  );
  if (!found) throw new Error(`no ConfigMap ${name}`);
  return found.doc.data as Record<string, string>;
}

/** A container's environment: its envFrom sources in order (later ones win), then its own. */
/** Whether a PodDisruptionBudget selects the pods of this app. */
function hasDisruptionBudget(app: string): boolean {
  return kubeDocs.some(
    ({ doc }) =>
      doc.kind === 'PodDisruptionBudget' &&
      JSON.stringify(doc.spec).includes(`"app.kubernetes.io/name":"${app}"`),
  );
}

function kubeEnv(container: Record<string, unknown>): Record<string, string> {
  const envFrom =
    (container.envFrom as { secretRef?: { name: string }; configMapRef?: { name: string } }[]) ??
    [];
  const fromSources: Record<string, string> = {};
  for (const from of envFrom) {
    if (from.configMapRef) Object.assign(fromSources, kubeConfigMap(from.configMapRef.name));
    if (from.secretRef) Object.assign(fromSources, kubeSecret(from.secretRef.name) ?? {});
  }
  const own = (container.env as { name: string; value?: string }[] | undefined) ?? [];
  return {
    ...fromSources,
    ...Object.fromEntries(
      own
        .filter((entry) => entry.value !== undefined)
        .map((entry) => [entry.name, entry.value as string]),
    ),
  };
}

describe('docker/ and docker/kubernetes', () => {
  it('holds only YAML files that parse', () => {
    expect(yamlFiles.length).toBeGreaterThan(10);
    for (const file of yamlFiles) expect(() => yamlDocs(file)).not.toThrow();
  });

  it('has Kubernetes manifests that validate against their schemas', async () => {
    const checked: string[] = [];
    for (const { file, doc } of kubeDocs) {
      if (!doc.kind || !doc.apiVersion || doc.apiVersion.startsWith('kustomize.config.k8s.io'))
        continue;
      if (patchFiles.has(file)) continue;
      const modulePath = doc.apiVersion.startsWith('keda.sh/')
        ? `@kubernetes-models/keda/${doc.apiVersion}`
        : doc.apiVersion.startsWith('monitoring.coreos.com/')
          ? `@kubernetes-models/prometheus-operator/${doc.apiVersion}`
          : `kubernetes-models/${doc.apiVersion}`;
      const models = (await import(modulePath)) as Record<
        string,
        new (value: unknown) => { validate(): void }
      >;
      const Model = models[doc.kind];
      if (!Model) throw new Error(`${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      expect(() => new Model(doc).validate()).not.toThrow();
      checked.push(`${doc.kind}/${String((doc.metadata as { name: string }).name)}`);
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'Deployment/agentq-gateway',
        'Deployment/agentq-worker-default',
        'Deployment/agentq-scaler',
        'StatefulSet/agentq-redis',
        'PodDisruptionBudget/agentq-worker-default',
        'Role/agentq-scaler',
        'ScaledObject/agentq-worker-default',
        'PodMonitor/agentq',
        'PrometheusRule/agentq',
      ]),
    );
  });

  it('names in kustomizations only files that exist', () => {
    for (const { file, doc } of kubeDocs.filter(({ doc }) =>
      String(doc.apiVersion).startsWith('kustomize'),
    )) {
      const listed = [
        ...((doc.resources as string[] | undefined) ?? []),
        ...((doc.patches as { path: string }[] | undefined) ?? []).map((patch) => patch.path),
      ];
      for (const entry of listed)
        expect(existsSync(path.resolve(path.dirname(file), entry))).toBe(true);
    }
  });

  it.each(APPS)(
    'sets for the %s only variables it reads, with values its config accepts',
    async (app) => {
      const known = variablesRead(app);
      const composeEnv = { ...compose['x-agentq-env'], ...compose.services[app]?.environment };
      const environments = [
        { env: composeEnv, keysFile: await composeDevKeysFile() },
        ...kubeContainers(app).map(({ container, pod }) => {
          const env = kubeEnv(container);
          const file = env.AGENTQ_API_KEYS_FILE;
          return { env, keysFile: file && (() => kubeMountedFile(container, pod, file)) };
        }),
      ];
      expect(environments.length).toBeGreaterThan(1);
      for (const { env, keysFile } of environments) {
        // OTEL_*: the OpenTelemetry SDK's own settings, which it reads (packages/telemetry).
        const unknown = Object.keys(env).filter(
          (name) => !known.has(name) && !OTEL_SETTINGS.has(name),
        );
        expect(unknown).toEqual([]);
        await expect(loadAppConfig(app, env, keysFile || undefined)).resolves.toBeDefined();
      }
      if (app === 'gateway') {
        // The one thing that must be set: API keys, unless auth is off explicitly.
        await expect(loadAppConfig(app, {})).rejects.toThrow(/AGENTQ_API_KEYS/);
        await expect(loadAppConfig(app, { AGENTQ_AUTH: 'off' })).resolves.toBeDefined();
      } else {
        // And nothing needs setting: every variable has a default.
        await expect(loadAppConfig(app, {})).resolves.toBeDefined();
      }
    },
  );

  it.each(APPS)('points the %s ports and probes at where the app serves', (app) => {
    const { variable, port } = HTTP_PORT[app];
    const stage = dockerStage(app);
    expect(stage).toContain(`EXPOSE ${port}`);
    expect(stage).toContain(`${variable}=${port}`);
    for (const { container } of kubeContainers(app)) {
      const ports = container.ports as { name: string; containerPort: number }[];
      expect(ports).toContainEqual({ name: 'http', containerPort: port });
      const env = kubeEnv(container);
      if (variable in env) expect(Number(env[variable])).toBe(port);
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        const httpGet = (container[probe] as { httpGet: { path: string; port: string } }).httpGet;
        expect(PROBE_PATHS).toContain(httpGet.path);
        expect(httpGet.port).toBe('http');
      }
    }
    const composeEnv = compose.services[app]?.environment ?? {};
    if (variable in composeEnv) expect(Number(composeEnv[variable])).toBe(port);
    const prometheus = readFileSync(path.join(DOCKER, 'prometheus', 'prometheus.yml'), 'utf8');
    expect(prometheus).toMatch(new RegExp(`(${app}:${port}|port: ${port})`));
  });

  it('lets the kubernetes actuator find and annotate the worker pods it scales', async () => {
    const deployments = kubeDocs.filter(({ doc }) => doc.kind === 'Deployment');
    const template = (
      kubeDocs
        .flatMap(({ doc }) => kubeContainersOf(doc))
        .flatMap((container) => (container.env as KubeEnvEntry[] | undefined) ?? [])
        .find((entry) => entry.name === 'AGENTQ_SCALER_K8S_DEPLOYMENT') ?? {}
    ).value;
    expect(template).toContain('{pool}');
    const workers = kubeContainers('worker');
    expect(workers.length).toBeGreaterThan(0);
    for (const { container } of workers) {
      const env = kubeEnv(container);
      // Each pod's BullMQ name is its pod name: what the deletion cost is keyed by.
      expect(
        (container.env as KubeEnvEntry[]).find((e) => e.name === 'AGENTQ_WORKER_NAME'),
      ).toEqual({
        name: 'AGENTQ_WORKER_NAME',
        valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
      });
      const config = (await loadAppConfig('worker', {
        ...env,
        AGENTQ_WORKER_NAME: 'agentq-worker-default-5d8f7c9b4-x2k4q',
      })) as {
        workerName: string;
        pools: { pool: string; drainTimeoutMs: number; concurrency: number }[];
      };
      expect(config.workerName).toBe('agentq-worker-default-5d8f7c9b4-x2k4q');
      // The scaler sizes pools by the slots one worker has: the same number as the pods'.
      for (const { container: scaler, pod } of kubeContainers('scaler')) {
        const scalerEnv = kubeEnv(scaler);
        const keysFile = scalerEnv.AGENTQ_API_KEYS_FILE;
        const scalerConfig = (await loadAppConfig(
          'scaler',
          scalerEnv,
          keysFile === undefined ? undefined : () => kubeMountedFile(scaler, pod, keysFile),
        )) as {
          policy: { concurrency: number };
        };
        for (const { concurrency } of config.pools) {
          expect(concurrency).toBe(scalerConfig.policy.concurrency);
        }
      }
      // The scaler resizes the Deployment named after the pool, and busy pods drain in time.
      for (const { pool, drainTimeoutMs } of config.pools) {
        const deployment = deployments.find(
          ({ doc }) =>
            (doc.metadata as { name: string }).name === template?.replaceAll('{pool}', pool),
        );
        const grace = (
          deployment?.doc.spec as { template: { spec: { terminationGracePeriodSeconds: number } } }
        ).template.spec.terminationGracePeriodSeconds;
        expect(grace * 1000).toBeGreaterThan(drainTimeoutMs);
      }
    }
    const roleIn = (overlay: string) =>
      kubeDocs.find(
        ({ file, doc }) => doc.kind === 'Role' && file.includes(path.join('overlays', overlay)),
      )?.doc as { rules: { resources: string[]; verbs: string[] }[] };
    const may = (overlay: string, resource: string, verb: string) =>
      roleIn(overlay).rules.some(
        (rule) => rule.resources.includes(resource) && rule.verbs.includes(verb),
      );
    // The scaler resizes and marks pods; under KEDA it reads the size and marks pods only.
    for (const [overlay, resource, verb, allowed] of [
      ['scaler-actuator', 'deployments/scale', 'get', true],
      ['scaler-actuator', 'deployments/scale', 'patch', true],
      ['scaler-actuator', 'pods', 'list', true],
      ['scaler-actuator', 'pods', 'patch', true],
      ['keda', 'deployments/scale', 'get', true],
      ['keda', 'deployments/scale', 'patch', false],
      ['keda', 'pods', 'list', true],
      ['keda', 'pods', 'patch', true],
    ] as const) {
      const rule = `${overlay}: ${resource} ${verb}`;
      expect(`${rule}: ${may(overlay, resource, verb)}`).toBe(`${rule}: ${allowed}`);
    }
  });

  it('ships no Secret, so re-applying never replaces the ones a team created', () => {
    expect(kubeDocs.filter(({ doc }) => doc.kind === 'Secret')).toEqual([]);
    const named = kubeDocs.flatMap(({ doc }) => {
      const pod = (doc.spec as { template?: { spec?: Record<string, unknown> } } | undefined)
        ?.template?.spec;
      const fromEnv = kubeContainersOf(doc).flatMap((container) =>
        ((container.envFrom as { secretRef?: { name: string; optional?: boolean } }[]) ?? [])
          .filter((from) => from.secretRef)
          .map((from) => from.secretRef),
      );
      const fromVolumes = ((pod?.volumes as { secret?: { secretName: string } }[]) ?? [])
        .filter((volume) => volume.secret)
        .map((volume) => ({ name: volume.secret?.secretName ?? '', optional: false }));
      return [...fromEnv, ...fromVolumes];
    });
    expect(named.length).toBeGreaterThan(0);
    for (const secret of named) {
      expect(Object.keys(USER_SECRETS)).toContain(secret?.name);
      // Only a Secret with a default elsewhere may be missing.
      if (USER_SECRETS[secret?.name ?? ''] === undefined) expect(secret?.optional).toBe(true);
    }
  });

  it("leaves the workers' replicas to the autoscaler: an apply does not reset them", () => {
    const workers = kubeDocs.filter(
      ({ doc }) =>
        doc.kind === 'Deployment' &&
        kubeContainersOf(doc).some((c) => String(c.image).startsWith('agentq-worker:')),
    );
    expect(workers.length).toBeGreaterThan(0);
    for (const { doc } of workers) expect(doc.spec).not.toHaveProperty('replicas');
  });

  it('runs a Redis that keeps what it acknowledged, where the apps look for it', () => {
    const redis = kubeDocs.find(({ doc }) => doc.kind === 'StatefulSet')?.doc as {
      metadata: { name: string };
      spec: {
        serviceName: string;
        template: { spec: { containers: Record<string, unknown>[] } };
        volumeClaimTemplates: { metadata: { name: string } }[];
      };
    };
    const container = redis.spec.template.spec.containers[0] ?? {};
    const args = (container.args as string[]).join(' ');
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--appendfsync always');
    expect(args).toContain('--maxmemory-policy noeviction');
    for (const probe of ['readinessProbe', 'livenessProbe']) expect(container[probe]).toBeDefined();
    expect(container.resources).toHaveProperty('limits.memory');
    const mounts = container.volumeMounts as { name: string; mountPath: string }[];
    expect(mounts).toContainEqual({
      name: redis.spec.volumeClaimTemplates[0]?.metadata.name,
      mountPath: '/data',
    });
    const service = kubeDocs.find(
      ({ doc }) =>
        doc.kind === 'Service' &&
        (doc.metadata as { name: string }).name === redis.spec.serviceName,
    )?.doc as { spec: { ports: { port: number }[] } };
    const url = new URL(kubeEnv(kubeContainers('gateway')[0]?.container ?? {}).REDIS_URL ?? '');
    expect(url.hostname).toBe(redis.spec.serviceName);
    expect(service.spec.ports.map((port) => port.port)).toContain(Number(url.port));
    expect(hasDisruptionBudget('agentq-redis')).toBe(true);
  });

  it('runs every pod at the restricted Pod Security level, with no API token it does not use', () => {
    const pods = kubeDocs.filter(
      ({ file, doc }) =>
        !patchFiles.has(file) && ['Deployment', 'StatefulSet'].includes(String(doc.kind)),
    );
    expect(pods.length).toBe(4);
    for (const { doc } of pods) {
      const pod = (doc.spec as { template: { spec: Record<string, unknown> } }).template.spec;
      const name = (doc.metadata as { name: string }).name;
      expect({ name, token: pod.automountServiceAccountToken }).toEqual({ name, token: false });
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) expect(pod[key]).toBeUndefined();
      const volumes = (pod.volumes as Record<string, unknown>[] | undefined) ?? [];
      expect(volumes.filter((volume) => 'hostPath' in volume)).toEqual([]);
      for (const container of pod.containers as Record<string, unknown>[]) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.securityContext).not.toHaveProperty('privileged', true);
        expect(container.securityContext).not.toHaveProperty('capabilities.add');
      }
    }
    // Containers a patch adds (a new name with its own image) are held to the same rules.
    const added = kubeDocs
      .filter(({ file, doc }) => patchFiles.has(file) && doc.kind === 'StatefulSet')
      .flatMap(
        ({ doc }) =>
          (doc.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template
            .spec.containers,
      )
      .filter((container) => 'image' in container);
    expect(added.map((container) => container.name)).toEqual(['sentinel']);
    for (const container of added) {
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
    // Only the overlays whose scaler calls the API give it an account, a token and a Role.
    const roles = kubeDocs.filter(({ doc }) =>
      ['Role', 'RoleBinding', 'ServiceAccount'].includes(String(doc.kind)),
    );
    expect(roles.length).toBe(6);
    for (const { file } of roles) expect(file).toMatch(/overlays\/(scaler-actuator|keda)\//);
  });

  it('lets only agentq reach Redis, and only pods in the cluster reach workers and the scaler', () => {
    const policies = kubeDocs.filter(
      ({ file, doc }) => doc.kind === 'NetworkPolicy' && !patchFiles.has(file),
    );
    const selecting = (app: string) =>
      policies.filter(({ doc }) => {
        const selector = (doc.spec as { podSelector: Record<string, unknown> }).podSelector;
        return JSON.stringify(selector).includes(`"${app}"`);
      });
    const [redis] = selecting('agentq-redis').map(({ doc }) => doc.spec as { ingress: unknown[] });
    expect(redis?.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'agentq' } } }],
        ports: [{ port: 'redis' }],
      },
    ]);
    // The label that admits them is on every pod of the base (templates included).
    const base = kubeDocs.find(({ file }) =>
      file.endsWith(path.join('base', 'kustomization.yaml')),
    );
    expect(base?.doc.labels).toContainEqual({
      pairs: { 'app.kubernetes.io/part-of': 'agentq' },
      includeTemplates: true,
    });
    for (const app of ['agentq-worker', 'agentq-scaler']) {
      const [policy] = selecting(app).map(({ doc }) => doc.spec as { ingress: unknown[] });
      expect(policy?.ingress).toEqual([
        { from: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] },
      ]);
    }
    expect(selecting('agentq-gateway')).toEqual([]);
    const scalerService = kubeDocs.find(
      ({ doc }) =>
        doc.kind === 'Service' && (doc.metadata as { name: string }).name === 'agentq-scaler',
    )?.doc.spec as { type?: string };
    expect(scalerService.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it('publishes Compose ports on loopback only, with no well-known Grafana password', () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => ({ name, port })),
    );
    expect(published.length).toBeGreaterThan(3);
    for (const { name, port } of published) {
      expect({ name, port }).toEqual({
        name,
        port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/),
      });
    }
    // Compose refuses to start without a password (`:?`), rather than fall back to one.
    expect(compose.services.grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(
      /^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/,
    );
  });

  it('sends alerts to an Alertmanager whose routes name receivers it has', () => {
    const prometheus = yamlDocs(path.join(DOCKER, 'prometheus', 'prometheus.yml'))[0] as {
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const targets = prometheus.alerting.alertmanagers.flatMap((am) =>
      am.static_configs.flatMap((config) => config.targets),
    );
    expect(targets).toEqual(['alertmanager:9093']);
    expect(compose.services.alertmanager).toBeDefined();
    type Route = { receiver?: string; routes?: Route[] };
    const config = yamlDocs(path.join(DOCKER, 'alertmanager', 'alertmanager.yml'))[0] as {
      route: Route;
      receivers: { name: string }[];
    };
    const names = new Set(config.receivers.map((receiver) => receiver.name));
    const receiversOf = (route: Route): string[] => [
      ...(route.receiver ? [route.receiver] : []),
      ...(route.routes ?? []).flatMap(receiversOf),
    ];
    expect(receiversOf(config.route).length).toBeGreaterThan(1);
    for (const receiver of receiversOf(config.route)) expect(names.has(receiver)).toBe(true);
  });

  it('keeps the gateway up through drains and rollouts', async () => {
    const [gateway] = kubeContainers('gateway');
    const deployment = kubeDocs.find(
      ({ doc }) =>
        doc.kind === 'Deployment' && (doc.metadata as { name: string }).name === 'agentq-gateway',
    )?.doc.spec as { replicas: number; template: { spec: Record<string, unknown> } };
    expect(deployment.replicas).toBeGreaterThan(1);
    expect(deployment.template.spec.topologySpreadConstraints).toContainEqual(
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname' }),
    );
    expect(hasDisruptionBudget('agentq-gateway')).toBe(true);
    // It keeps serving a while after SIGTERM (shutdown.ts), and the pod outlives that.
    const config = (await loadAppConfig('gateway', kubeEnv(gateway?.container ?? {}), () =>
      kubeMountedFile(gateway?.container ?? {}, gateway?.pod ?? {}, '/etc/agentq/api-keys'),
    )) as { shutdownDelayMs: number };
    expect(config.shutdownDelayMs).toBeGreaterThanOrEqual(5000);
    const graceMs = (deployment.template.spec.terminationGracePeriodSeconds as number) * 1000;
    expect(graceMs).toBeGreaterThan(config.shutdownDelayMs + 10_000);
  });

  it("gives KEDA the scaler's worker bounds, from one place", async () => {
    const scaler = (await loadAppConfig('scaler', kubeConfigMap('agentq-scaler-bounds'))) as {
      policy: { minReplicas: number; maxReplicas: number };
    };
    const scaled = kubeDocs.find(({ doc }) => doc.kind === 'ScaledObject');
    const kustomization = kubeDocs.find(
      ({ file, doc }) =>
        path.dirname(file) === path.dirname(scaled?.file ?? '') &&
        String(doc.apiVersion).startsWith('kustomize'),
    )?.doc as {
      replacements: {
        source: { name: string; fieldPath: string };
        targets: { fieldPaths: string[] }[];
      }[];
    };
    // Copied at render time from the ConfigMap, so the two cannot drift ...
    const copied = Object.fromEntries(
      kustomization.replacements.flatMap(({ source, targets }) =>
        targets.flatMap((target) => target.fieldPaths.map((field) => [field, source])),
      ),
    );
    expect(copied['spec.minReplicaCount']).toEqual({
      kind: 'ConfigMap',
      name: 'agentq-scaler-bounds',
      fieldPath: 'data.AGENTQ_SCALER_MIN_REPLICAS',
    });
    expect(copied['spec.maxReplicaCount']).toEqual({
      kind: 'ConfigMap',
      name: 'agentq-scaler-bounds',
      fieldPath: 'data.AGENTQ_SCALER_MAX_REPLICAS',
    });
    // ... and the file's own values, before the copy, say the same.
    const spec = scaled?.doc.spec as { minReplicaCount: number; maxReplicaCount: number };
    expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([
      scaler.policy.minReplicas,
      scaler.policy.maxReplicas,
    ]);
  });

  it('builds every image from the one Dockerfile, on Node 24, copying only files that exist', () => {
    const dockerfile = readFileSync(DOCKERFILE, 'utf8');
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)];
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      for (const source of (copy[1] ?? '').split(' '))
        expect(existsSync(path.join(ROOT, source))).toBe(true);
    }
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*?'\/health'/m);
    expect(dockerfile).toMatch(/--mount=type=cache,id=agentq-pnpm,target=\/pnpm\/store/);
    // The last stage is the one APP names.
    expect(dockerfile.trimEnd()).toMatch(/\nFROM \$\{APP\}$/);
    for (const app of APPS) {
      expect(dockerStage(app)).toContain(`COPY --from=build --chown=node:node /out/${app} ./`);
      const build = compose.services[app]?.build;
      expect(build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', args: { APP: app } });
    }
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('.')) expect(existsSync(path.join(DOCKER, source))).toBe(true);
      }
    }
  });
});
